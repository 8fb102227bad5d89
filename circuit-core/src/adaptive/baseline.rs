//! What an adaptive policy has learned, as [`AdaptivePolicy::baseline`]
//! reports it.
//!
//! [`AdaptivePolicy::baseline`]: super::AdaptivePolicy::baseline

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use crate::metrics::{duration_nanos, option_duration_nanos};
use crate::policy::Thresholds;

/// The backend's learned normal and the thresholds it gives.
///
/// Rates are shares of judged calls (successes and failures, timeouts
/// included) in `[0, 1]`. Durations are integer nanoseconds in JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Baseline {
    /// Whether the learned thresholds are in force. While `false` (warming
    /// up, or too few calls learned) the config's thresholds apply.
    pub ready: bool,
    /// Learning time so far: the breaker steadily CLOSED with full traffic
    /// and its window within its thresholds.
    #[serde(with = "duration_nanos")]
    pub learned_for: Duration,
    /// The calls the baseline rests on, faded by age (about the calls of
    /// the last `learning_horizon` at a steady rate).
    pub calls: u64,
    /// The backend's normal failure rate.
    pub failure_rate: f64,
    /// How far a bucket's failure rate normally strays from it beyond
    /// chance (a standard deviation; 0 when failures come independently).
    pub failure_rate_spread: f64,
    /// The normal slow-call rate.
    pub slow_call_rate: f64,
    /// The normal p99 latency of successful calls, once enough were
    /// learned (and only when latency is judged).
    #[serde(with = "option_duration_nanos")]
    pub latency_p99: Option<Duration>,
    /// The thresholds in effect for a window like the last one observed,
    /// under the config of that moment (`None` before the first bucket
    /// closed).
    pub thresholds: Option<Thresholds>,
    /// Buckets learned from.
    pub buckets_learned: u64,
    /// Buckets not learned from because the breaker was not steadily
    /// CLOSED (open, half-open, a recovery ramp, forced, a fresh window).
    pub buckets_not_steady: u64,
    /// Buckets not learned from because they, or the window, were past the
    /// thresholds: an incident is not the normal.
    pub buckets_past_threshold: u64,
}

impl fmt::Display for Baseline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "normal failure rate {:.2}% (spread {:.2}%), slow-call rate {:.2}%",
            self.failure_rate * 100.0,
            self.failure_rate_spread * 100.0,
            self.slow_call_rate * 100.0
        )?;
        if let Some(p99) = self.latency_p99 {
            write!(f, ", p99 {:.0?}", p99)?;
        }
        write!(
            f,
            "; learned for {:.0?} from {} calls ({} buckets; skipped {} not steady, {} past threshold)",
            Duration::from_secs(self.learned_for.as_secs()),
            self.calls,
            self.buckets_learned,
            self.buckets_not_steady,
            self.buckets_past_threshold
        )?;
        match (&self.thresholds, self.ready) {
            (Some(t), true) => {
                write!(
                    f,
                    "; trips at {} failures in a row or {:.1}% failing",
                    t.max_failures,
                    t.failure_rate * 100.0
                )?;
                if let Some(slow) = t.slow_call_rate {
                    write!(
                        f,
                        " or {:.1}% slower than {:.0?}",
                        slow * 100.0,
                        t.slow_call
                    )?;
                }
                Ok(())
            }
            _ => f.write_str("; warming up: the config's thresholds apply"),
        }
    }
}
