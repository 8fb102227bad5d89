//! Reading a breaker: metrics and transition history.

use std::time::Duration;

use super::{CircuitBreaker, Cold};
use crate::listener::TransitionRecord;
use crate::metrics::{Metrics, WindowMetrics};
use crate::policy::ratio;
use crate::state::State;
use crate::sync::{Ordering, lock};
use crate::window::Cumulative;

/// Lifetime totals, stale outcomes included.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Lifetime {
    pub(crate) successes: u64,
    pub(crate) failures: u64,
    pub(crate) timeouts: u64,
    pub(crate) slow: u64,
    pub(crate) ignored: u64,
    pub(crate) cancelled: u64,
    pub(crate) rejected: u64,
}

impl Lifetime {
    fn requests(&self) -> u64 {
        self.successes
            .saturating_add(self.failures)
            .saturating_add(self.ignored)
            .saturating_add(self.cancelled)
    }
}

impl CircuitBreaker {
    /// A snapshot of the breaker's counters and state, read at one moment:
    /// `timeout_count <= total_failures`, and the window never holds more
    /// than the lifetime totals.
    pub fn metrics(&self) -> Metrics {
        let cold = lock(&self.cold);
        let now = self.clock.now_nanos();
        let word = self.load();
        // One sum of the stripes serves the window and the lifetime totals.
        let totals = self.counters.totals();
        let counts = Cumulative {
            successes: totals.successes,
            failures: cold.tally.failures,
            slow: cold.tally.slow,
        };
        let life = self.lifetime_from(&cold, counts, totals);
        let window = self.window_from(&cold, now, counts);
        let consecutive_successes = if word.state() == State::HalfOpen {
            cold.probe_successes
        } else {
            let run = totals.successes.saturating_sub(cold.success_base);
            u32::try_from(run).unwrap_or(u32::MAX)
        };
        let retry_after = (word.state() == State::Open).then(|| {
            Duration::from_nanos(self.open_until.load(Ordering::Acquire).saturating_sub(now))
        });
        let admitted_share = match &cold.ramp {
            Some(ramp) if word.ramping() => ramp.share(now),
            _ => 1.0,
        };
        let ramp_done = cold.ramp.as_ref().is_some_and(|r| r.done(now));
        Metrics {
            name: self.name.to_string(),
            state: word.state(),
            total_requests: life.requests(),
            total_successes: life.successes,
            total_failures: life.failures,
            success_rate: success_rate(&life),
            failure_rate: ratio(life.failures, life.successes.saturating_add(life.failures)),
            consecutive_failures: window.consecutive_failures,
            consecutive_successes,
            circuit_open_count: cold.open_count,
            timeout_count: life.timeouts,
            last_state_change: cold.last_change,
            // A ramp that is over but not yet noticed by a caller has reset
            // the backoff step all the same.
            current_backoff: if ramp_done {
                Duration::ZERO
            } else {
                Duration::from_nanos(cold.current_backoff)
            },
            total_rejected: life.rejected,
            total_slow: life.slow,
            total_cancelled: life.cancelled,
            total_ignored: life.ignored,
            recovery_attempts: cold.recovery_attempts,
            consecutive_trips: if ramp_done { 0 } else { cold.trips },
            retry_after,
            admitted_share,
            window: WindowMetrics {
                calls: window.calls,
                failures: window.failures,
                slow_calls: window.slow_calls,
                failure_rate: window.failure_rate(),
                slow_call_rate: window.slow_call_rate(),
            },
        }
    }

    /// The last [`HISTORY_CAPACITY`](super::HISTORY_CAPACITY) transitions, oldest first.
    pub fn transitions(&self) -> Vec<TransitionRecord> {
        lock(&self.cold).history().cloned().collect()
    }

    /// Lifetime totals (under the lock).
    pub(super) fn lifetime(&self, cold: &Cold) -> Lifetime {
        let totals = self.counters.totals();
        let counts = Cumulative {
            successes: totals.successes,
            failures: cold.tally.failures,
            slow: cold.tally.slow,
        };
        self.lifetime_from(cold, counts, totals)
    }

    fn lifetime_from(
        &self,
        cold: &Cold,
        counts: Cumulative,
        totals: crate::counters::Totals,
    ) -> Lifetime {
        let t = &cold.tally;
        Lifetime {
            successes: counts
                .successes
                .saturating_add(self.stale_successes.load(Ordering::Relaxed)),
            failures: counts.failures.saturating_add(t.off_window_failures),
            timeouts: t.timeouts,
            slow: counts.slow.saturating_add(t.off_window_slow),
            ignored: totals.ignored,
            cancelled: totals.cancelled,
            rejected: totals.rejected,
        }
    }
}

pub(super) fn success_rate(t: &Lifetime) -> f64 {
    let judged = t.successes.saturating_add(t.failures);
    if judged == 0 {
        1.0
    } else {
        ratio(t.successes, judged)
    }
}
