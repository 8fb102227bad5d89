//! Reading a breaker: metrics and transition history.

use std::time::Duration;

use super::CircuitBreaker;
use crate::counters::Totals;
use crate::listener::TransitionRecord;
use crate::metrics::{Metrics, WindowMetrics};
use crate::policy::ratio;
use crate::state::State;
use crate::sync::{Ordering, lock};

impl CircuitBreaker {
    /// A snapshot of the breaker's counters and state.
    pub fn metrics(&self) -> Metrics {
        let cold = lock(&self.cold);
        let now = self.clock.now_nanos();
        let word = self.load();
        let life = self.lifetime();
        let window = self.window_snapshot(&cold, now);
        let consecutive_successes = if word.state() == State::HalfOpen {
            cold.probe_successes
        } else {
            let run = self
                .counters
                .totals()
                .successes
                .saturating_sub(self.success_base.load(Ordering::Relaxed));
            u32::try_from(run).unwrap_or(u32::MAX)
        };
        let retry_after = (word.state() == State::Open).then(|| {
            Duration::from_nanos(self.open_until.load(Ordering::Acquire).saturating_sub(now))
        });
        Metrics {
            name: self.name.to_string(),
            state: word.state(),
            total_requests: life.successes + life.failures + life.ignored + life.cancelled,
            total_successes: life.successes,
            total_failures: life.failures,
            success_rate: success_rate(&life),
            failure_rate: ratio(life.failures, life.successes + life.failures),
            consecutive_failures: window.consecutive_failures,
            consecutive_successes,
            circuit_open_count: cold.open_count,
            timeout_count: life.timeouts,
            last_state_change: cold.last_change,
            current_backoff: cold.current_backoff,
            total_rejected: life.rejected,
            total_slow: life.slow,
            total_cancelled: life.cancelled,
            total_ignored: life.ignored,
            recovery_attempts: cold.recovery_attempts,
            consecutive_trips: cold.trips,
            retry_after,
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
        lock(&self.cold).history.iter().cloned().collect()
    }
}

pub(super) fn success_rate(t: &Totals) -> f64 {
    if t.successes + t.failures == 0 {
        1.0
    } else {
        ratio(t.successes, t.successes + t.failures)
    }
}
