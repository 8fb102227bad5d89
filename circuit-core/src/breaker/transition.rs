//! Transitions: entering a state, manual control, delivering events.

use std::time::Duration;

use super::snapshot::success_rate;
use super::{CircuitBreaker, Cold};
use crate::clock::duration_to_nanos;
use crate::listener::{StateChange, TransitionReason, TransitionRecord};
use crate::notify;
use crate::ramp::Ramp;
use crate::state::{Packed, State};
use crate::sync::{Ordering, lock};

/// Events gathered under the lock, delivered after it is released. One
/// operation makes at most two transitions (OPEN → HALF_OPEN on acquire,
/// say, then HALF_OPEN → OPEN on a reclaimed probe), so no allocation.
#[derive(Default)]
pub(crate) struct Events {
    changes: [Option<StateChange>; 2],
    reset: bool,
}

impl Events {
    fn push(&mut self, change: StateChange) {
        match self.changes.iter_mut().find(|slot| slot.is_none()) {
            Some(slot) => *slot = Some(change),
            None => debug_assert!(false, "more than two transitions in one operation"),
        }
    }
}

impl CircuitBreaker {
    /// Moves to `to`, doing what entering it means; returns the new word.
    /// `retry_after` (ns, 0 = none, already capped) lengthens an open
    /// period.
    ///
    /// Everything that runs user code (the clock's wall time, the backoff)
    /// runs first: if it panics, nothing has changed.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn transition(
        &self,
        cold: &mut Cold,
        from: Packed,
        to: State,
        reason: TransitionReason,
        now: u64,
        retry_after: u64,
        events: &mut Events,
    ) -> Packed {
        let config = self.config.load();
        let wall_time = self.clock.wall_now();
        let trips = cold.trips.saturating_add(1);
        let backoff = (to == State::Open).then(|| self.backoff_for(trips, &config));
        let window = self.window_at(cold, now);

        // From here on nothing calls user code.
        let mut next = from.next(to);
        let mut open_for = None;
        cold.probes.clear();
        cold.ramp = None;
        match to {
            State::Open => {
                let backoff = backoff.unwrap_or_default();
                cold.trips = trips;
                let period = duration_to_nanos(config.recovery_timeout)
                    .saturating_add(duration_to_nanos(backoff))
                    .max(retry_after);
                self.open_until
                    .store(now.saturating_add(period), Ordering::Release);
                cold.current_backoff = backoff;
                cold.open_count = cold.open_count.saturating_add(1);
                open_for = Some(Duration::from_nanos(period));
            }
            State::HalfOpen => {
                cold.probes.prepare(config.max_requests);
                cold.probe_successes = 0;
                cold.recovery_attempts = cold.recovery_attempts.saturating_add(1);
            }
            State::Closed => {
                let counts = self.cumulative(cold);
                cold.ring.reset(now, counts);
                self.bucket_end
                    .store(cold.ring.current_bucket_end(), Ordering::Relaxed);
                cold.success_base = counts.successes;
                let ramp = duration_to_nanos(config.recovery_ramp);
                if reason == TransitionReason::ProbesSucceeded && ramp > 0 {
                    // Gradual recovery: the backoff step is kept until the
                    // ramp completes, so a relapse keeps backing off.
                    cold.ramp = Some(Ramp::new(now, ramp, config.recovery_ramp_floor));
                    next = next.with_ramping(true);
                } else {
                    cold.trips = 0;
                    cold.current_backoff = Duration::ZERO;
                }
            }
            State::ForcedOpen | State::ForcedClosed => {}
        }
        // Retag before publishing: once the new epoch is visible, no
        // outcome of an older one can reach its counters or its run.
        self.counters.retag(next.tag());
        self.run.retag(next.tag(), to != State::Closed);
        self.publish(next);
        if to == State::Closed {
            self.rearm(cold, now, &config);
        }
        if from.state() != to {
            cold.last_change = wall_time;
            let at = Duration::from_nanos(now);
            cold.remember(TransitionRecord {
                at,
                wall_time,
                from: from.state(),
                to,
                reason: reason.clone(),
            });
            let life = self.lifetime(cold);
            events.push(StateChange {
                epoch: next.epoch(),
                from: from.state(),
                to,
                reason,
                at,
                wall_time,
                window,
                total_failures: life.failures,
                success_rate: success_rate(&life),
                open_for,
            });
        }
        self.load()
    }

    fn manual(&self, to: State, reason: TransitionReason) {
        let mut events = Events {
            reset: reason == TransitionReason::Reset,
            ..Events::default()
        };
        {
            let mut cold = lock(&self.cold);
            let now = self.clock.now_nanos();
            let word = self.load();
            if to == State::Closed || word.state() != to {
                self.transition(&mut cold, word, to, reason, now, 0, &mut events);
            }
        }
        self.emit(events);
    }

    /// Back to CLOSED with a fresh window, no backoff, no consecutive trips
    /// and no recovery ramp. Calls in flight become stale.
    pub fn reset(&self) {
        self.manual(State::Closed, TransitionReason::Reset);
    }

    /// Holds the breaker open: every call is rejected until [`reset`] or
    /// [`force_closed`]; it never goes HALF_OPEN by itself.
    ///
    /// [`reset`]: Self::reset
    /// [`force_closed`]: Self::force_closed
    pub fn force_open(&self) {
        self.manual(State::ForcedOpen, TransitionReason::ForcedOpen);
    }

    /// Holds the breaker closed: every call is admitted and counted, and it
    /// never trips, until [`reset`](Self::reset) or
    /// [`force_open`](Self::force_open).
    pub fn force_closed(&self) {
        self.manual(State::ForcedClosed, TransitionReason::ForcedClosed);
    }

    pub(super) fn emit(&self, events: Events) {
        let mut panics = notify::Panics::default();
        for change in events.changes.iter().flatten() {
            #[cfg(feature = "tracing")]
            tracing::warn!(
                breaker = %self.name,
                from_state = %change.from,
                to_state = %change.to,
                total_failures = change.total_failures,
                success_rate = change.success_rate,
                reason = %change.reason,
                epoch = change.epoch,
                "Circuit breaker state changed"
            );
            panics.each(&self.listeners, |l| l.on_state_change(&self.name, change));
        }
        if events.reset {
            panics.each(&self.listeners, |l| l.on_reset(&self.name));
        }
        panics.finish();
    }
}
