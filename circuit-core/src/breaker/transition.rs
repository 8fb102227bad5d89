//! Transitions: entering a state, manual control, delivering events.

use std::borrow::Cow;
use std::time::Duration;

use super::snapshot::success_rate;
use super::{CircuitBreaker, Cold};
use crate::clock::duration_to_nanos;
use crate::config::MAX_DURATION;
use crate::listener::{StateChange, TransitionReason, TransitionRecord};
use crate::notify;
use crate::policy::WindowSnapshot;
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

/// One transition to make.
pub(super) struct Move {
    pub(super) to: State,
    pub(super) reason: TransitionReason,
    /// Clock time of the change.
    pub(super) now: u64,
    /// A Retry-After hint (ns, 0 = none, already capped) that lengthens an
    /// open period.
    pub(super) retry_after: u64,
    /// The window a trip was judged on: the event reports it, and the
    /// failure run that caused the trip is kept as judged, whatever a
    /// racing success of the closing epoch does to it meanwhile.
    pub(super) judged: Option<WindowSnapshot>,
    /// An open period given from outside, instead of recovery + backoff.
    pub(super) open_for: Option<Duration>,
}

impl Move {
    pub(super) fn to(to: State, reason: TransitionReason, now: u64) -> Self {
        Self {
            to,
            reason,
            now,
            retry_after: 0,
            judged: None,
            open_for: None,
        }
    }
}

impl CircuitBreaker {
    /// Makes `change` from the state word `from`, doing what entering the
    /// new state means; returns the new word.
    ///
    /// Everything that runs user code (the clock's wall time, the backoff)
    /// runs first: if it panics, nothing has changed.
    pub(super) fn transition(
        &self,
        cold: &mut Cold,
        from: Packed,
        change: Move,
        events: &mut Events,
    ) -> Packed {
        let Move {
            to,
            reason,
            now,
            retry_after,
            judged,
            open_for: given,
        } = change;
        let config = self.config.load();
        let wall_time = self.clock.wall_now();
        let trips = cold.trips.saturating_add(1);
        let backoff = (to == State::Open).then(|| self.backoff_for(trips, &config));
        let window = judged.unwrap_or_else(|| self.window_at(cold, now));

        // From here on nothing calls user code. Retag first: once the
        // counters carry the new epoch's tag, no success of an older epoch
        // can be counted in what follows (the fresh window's start, say).
        let mut next = from.next(to);
        self.counters.retag(next.tag());
        let mut open_for = None;
        cold.probes.clear();
        cold.ramp = None;
        match to {
            State::Open => {
                let backoff = backoff.unwrap_or_default();
                cold.trips = trips;
                let period = match given {
                    Some(period) => duration_to_nanos(period),
                    None => duration_to_nanos(config.recovery_timeout)
                        .saturating_add(duration_to_nanos(backoff))
                        .max(retry_after),
                };
                self.open_until
                    .store(now.saturating_add(period), Ordering::Release);
                // The backoff part: for a period given from outside, what
                // it adds to the recovery timeout.
                cold.current_backoff = match given {
                    Some(_) => period.saturating_sub(duration_to_nanos(config.recovery_timeout)),
                    None => duration_to_nanos(backoff),
                };
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
                    cold.ramp = Some(Box::new(Ramp::new(now, ramp, config.recovery_ramp_floor)));
                    next = next.with_ramping(true);
                } else {
                    cold.trips = 0;
                    cold.current_backoff = 0;
                }
            }
            State::ForcedOpen | State::ForcedClosed => {}
        }
        // The run, too, before publishing: once the new epoch is visible,
        // no outcome of an older one can reach its counters or its run.
        match judged {
            Some(w) => self.run.set(next.tag(), w.consecutive_failures),
            None => self.run.retag(next.tag(), to != State::Closed),
        }
        if to == State::Closed {
            // The first success of the new window is judged (see `judge`).
            next = next.with_armed(true);
        }
        self.publish(next);
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
                self.transition(&mut cold, word, Move::to(to, reason, now), &mut events);
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

    /// Delivers events gathered under the lock (which must be released).
    /// Opens the breaker for `period` because something outside it says
    /// the backend is down: a peer replica whose breaker for the same
    /// backend opened, an operator's runbook, a deploy hook. `reason` is
    /// what the transition reports (e.g. `"opened by peer replica-3:
    /// tripped: 5 consecutive failures (max 5)"`).
    ///
    /// CLOSED and HALF_OPEN go to OPEN for exactly `period` (as a trip: k
    /// grows, so a relapse after it keeps backing off); an OPEN breaker
    /// keeps the later of its own end and `period` from now, without a new
    /// transition. FORCED states are left alone. Returns whether anything
    /// changed.
    pub fn open_for(&self, period: Duration, reason: impl Into<Cow<'static, str>>) -> bool {
        let mut events = Events::default();
        let changed = {
            let mut cold = lock(&self.cold);
            let now = self.clock.now_nanos();
            let word = self.load();
            let until = now.saturating_add(duration_to_nanos(period.min(MAX_DURATION)));
            match word.state() {
                State::ForcedOpen | State::ForcedClosed => false,
                State::Open => {
                    let extends = until > self.open_until.load(Ordering::Acquire);
                    if extends {
                        self.open_until.store(until, Ordering::Release);
                    }
                    extends
                }
                State::Closed | State::HalfOpen => {
                    let change = Move {
                        open_for: Some(period.min(MAX_DURATION)),
                        ..Move::to(State::Open, TransitionReason::External(reason.into()), now)
                    };
                    self.transition(&mut cold, word, change, &mut events);
                    true
                }
            }
        };
        self.emit(events);
        changed
    }

    pub(super) fn emit(&self, events: Events) {
        let mut panics = notify::Panics::default();
        self.emit_into(&mut panics, events);
        panics.finish();
    }

    /// Delivers events, keeping the first listener panic in `panics`.
    pub(super) fn emit_into(&self, panics: &mut notify::Panics, events: Events) {
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
    }
}
