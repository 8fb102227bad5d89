//! Transitions: entering a state, manual control, delivering events.

use std::time::Duration;

use super::snapshot::success_rate;
use super::{CircuitBreaker, Cold, Events, HISTORY_CAPACITY};
use crate::backoff::{Backoff, ExponentialBackoff};
use crate::clock::duration_to_nanos;
use crate::listener::{StateChange, TransitionReason, TransitionRecord};
use crate::state::{Packed, State};
use crate::sync::{Ordering, lock};

impl CircuitBreaker {
    /// Moves to `to`, doing what entering it means; returns the new word.
    /// `retry_after` (ns, 0 = none) lengthens an open period.
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
        let window = self.window_snapshot(cold, now);
        let mut open_for = None;
        match to {
            State::Open => {
                cold.trips = cold.trips.saturating_add(1);
                let backoff = match &self.backoff {
                    Some(custom) => custom.backoff(cold.trips),
                    None => ExponentialBackoff {
                        base: self.config.base_backoff,
                        max: self.config.max_backoff,
                    }
                    .backoff(cold.trips),
                };
                let period = self
                    .recovery_nanos
                    .saturating_add(duration_to_nanos(backoff))
                    .max(retry_after);
                self.open_until
                    .store(now.saturating_add(period), Ordering::Release);
                cold.current_backoff = backoff;
                cold.open_count += 1;
                open_for = Some(Duration::from_nanos(period));
            }
            State::HalfOpen => {
                if cold.probes.capacity() == 0 {
                    cold.probes.reserve_exact(self.config.max_requests as usize);
                }
                cold.probe_successes = 0;
                cold.recovery_attempts += 1;
            }
            State::Closed => {
                let counts = self.cumulative();
                cold.ring.reset(now, counts);
                self.bucket_end
                    .store(cold.ring.current_bucket_end(), Ordering::Relaxed);
                self.consecutive_failures.store(0, Ordering::Relaxed);
                self.success_base.store(counts.successes, Ordering::Relaxed);
                cold.trips = 0;
                cold.current_backoff = Duration::ZERO;
            }
            State::ForcedOpen | State::ForcedClosed => {}
        }
        cold.probes.clear();
        let next = from.next(to);
        self.state.store(next.0, Ordering::Release);
        if from.state() != to {
            let wall_time = self.clock.wall_now();
            cold.last_change = wall_time;
            let at = Duration::from_nanos(now);
            if cold.history.len() == HISTORY_CAPACITY {
                cold.history.pop_front();
            }
            cold.history.push_back(TransitionRecord {
                at,
                wall_time,
                from: from.state(),
                to,
                reason: reason.clone(),
            });
            let life = self.lifetime();
            events.push(StateChange {
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
        next
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

    /// Back to CLOSED with a fresh window, no backoff and no consecutive
    /// trips. Calls in flight become stale.
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
        for change in events.changes.iter().flatten() {
            #[cfg(feature = "tracing")]
            tracing::warn!(
                breaker = %self.name,
                from_state = %change.from,
                to_state = %change.to,
                total_failures = change.total_failures,
                success_rate = change.success_rate,
                reason = %change.reason,
                "Circuit breaker state changed"
            );
            for listener in &self.listeners {
                listener.on_state_change(&self.name, change);
            }
        }
        if events.reset {
            for listener in &self.listeners {
                listener.on_reset(&self.name);
            }
        }
    }
}
