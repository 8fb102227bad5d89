//! The CLOSED → OPEN decision, as a pure function of the window.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

use crate::Config;

/// Outcome counts over the sliding window, plus the consecutive-failure run,
/// as the trip decision sees them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct WindowSnapshot {
    /// Judged calls (successes + failures, timeouts included) in the window.
    pub calls: u64,
    /// Failures (timeouts included) in the window.
    pub failures: u64,
    /// Slow calls (successful or not) in the window.
    pub slow_calls: u64,
    /// The current run of consecutive failures.
    pub consecutive_failures: u32,
}

impl WindowSnapshot {
    /// `failures / calls`, or 0 with no calls.
    pub fn failure_rate(&self) -> f64 {
        ratio(self.failures, self.calls)
    }

    /// `slow_calls / calls`, or 0 with no calls.
    pub fn slow_call_rate(&self) -> f64 {
        ratio(self.slow_calls, self.calls)
    }
}

pub(crate) fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Why a breaker tripped.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub enum TripReason {
    /// `consecutive_failures >= max_failures`.
    ConsecutiveFailures {
        /// The run length.
        count: u32,
        /// `max_failures`.
        threshold: u32,
    },
    /// `calls >= min_requests && failure_rate >= failure_threshold`.
    FailureRate {
        /// The window's failure rate.
        rate: f64,
        /// `failure_threshold`.
        threshold: f64,
    },
    /// `calls >= min_requests && slow_rate >= slow_call_rate_threshold`.
    SlowCallRate {
        /// The window's slow-call rate.
        rate: f64,
        /// `slow_call_rate_threshold`.
        threshold: f64,
    },
    /// A custom [`TripPolicy`] said so.
    Custom(Cow<'static, str>),
}

impl fmt::Display for TripReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ConsecutiveFailures { count, threshold } => {
                write!(f, "{count} consecutive failures (max {threshold})")
            }
            Self::FailureRate { rate, threshold } => {
                write!(
                    f,
                    "failure rate {:.1}% >= {:.1}%",
                    rate * 100.0,
                    threshold * 100.0
                )
            }
            Self::SlowCallRate { rate, threshold } => {
                write!(
                    f,
                    "slow-call rate {:.1}% >= {:.1}%",
                    rate * 100.0,
                    threshold * 100.0
                )
            }
            Self::Custom(why) => f.write_str(why),
        }
    }
}

/// Decides whether a CLOSED breaker opens.
///
/// The breaker asks [`should_trip`](Self::should_trip) after every judged
/// outcome of the current CLOSED epoch that could change the answer: each
/// failure, timeout and slow call, and each success while the window is
/// *armed*. After each of those (and when a bucket rotates or the config
/// changes) it asks [`may_trip_on_success`](Self::may_trip_on_success)
/// whether the next plain success could make `should_trip` fire; while the
/// answer is no, successes take the lock-free path and are not judged.
///
/// Both methods run under the breaker's internal lock: they must be quick,
/// must not block, and must not call back into the breaker (that would
/// deadlock). A panic in them leaves the breaker as it was.
///
/// Replace the policy to add adaptive thresholds or other custom
/// transitions; call [`DefaultTripPolicy`] from yours to keep the standard
/// triggers. A custom policy that does not override `may_trip_on_success`
/// is asked about every success: correct, at the cost of the lock on the
/// success path.
pub trait TripPolicy: Send + Sync + fmt::Debug {
    /// `Some(reason)` opens the breaker.
    fn should_trip(&self, window: &WindowSnapshot, config: &Config) -> Option<TripReason>;

    /// Whether a success recorded next, with nothing else recorded in
    /// between, could make [`should_trip`](Self::should_trip) fire on the
    /// window it would leave. `window` is the window now, after the last
    /// judged outcome. The default, `true`, judges every success.
    fn may_trip_on_success(&self, window: &WindowSnapshot, config: &Config) -> bool {
        let _ = (window, config);
        true
    }
}

/// A shared policy: keep an `Arc` to read its state (a learned baseline,
/// say) while the breaker uses it.
impl<P: TripPolicy + ?Sized> TripPolicy for std::sync::Arc<P> {
    fn should_trip(&self, window: &WindowSnapshot, config: &Config) -> Option<TripReason> {
        (**self).should_trip(window, config)
    }

    fn may_trip_on_success(&self, window: &WindowSnapshot, config: &Config) -> bool {
        (**self).may_trip_on_success(window, config)
    }
}

/// The standard triggers: consecutive failures, then failure rate, then
/// slow-call rate (when enabled); thresholds inclusive.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultTripPolicy;

impl TripPolicy for DefaultTripPolicy {
    fn should_trip(&self, window: &WindowSnapshot, config: &Config) -> Option<TripReason> {
        if window.consecutive_failures >= config.max_failures {
            return Some(TripReason::ConsecutiveFailures {
                count: window.consecutive_failures,
                threshold: config.max_failures,
            });
        }
        if window.calls < u64::from(config.min_requests) {
            return None;
        }
        let rate = window.failure_rate();
        if rate >= config.failure_threshold {
            return Some(TripReason::FailureRate {
                rate,
                threshold: config.failure_threshold,
            });
        }
        let threshold = config.slow_call_rate_threshold?;
        let rate = window.slow_call_rate();
        (rate >= threshold).then_some(TripReason::SlowCallRate { rate, threshold })
    }

    /// Successes end the failure run and only lower the rates, so if any
    /// run of plain successes trips the breaker, the first one that brings
    /// the window to `min_requests` does (or the very next one, when the
    /// window is already there): this asks about that window.
    fn may_trip_on_success(&self, window: &WindowSnapshot, config: &Config) -> bool {
        let min = u64::from(config.min_requests);
        let calls = window.calls.saturating_add(1).max(min);
        let after = WindowSnapshot {
            calls,
            consecutive_failures: 0,
            ..*window
        };
        self.should_trip(&after, config).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(calls: u64, failures: u64, slow: u64, consecutive: u32) -> WindowSnapshot {
        WindowSnapshot {
            calls,
            failures,
            slow_calls: slow,
            consecutive_failures: consecutive,
        }
    }

    #[test]
    fn consecutive_trigger_is_inclusive() {
        let c = Config::default();
        assert_eq!(DefaultTripPolicy.should_trip(&window(4, 4, 0, 4), &c), None);
        assert!(matches!(
            DefaultTripPolicy.should_trip(&window(5, 5, 0, 5), &c),
            Some(TripReason::ConsecutiveFailures {
                count: 5,
                threshold: 5
            })
        ));
    }

    #[test]
    fn rate_trigger_is_inclusive_and_waits_for_min_requests() {
        let c = Config::default();
        assert_eq!(DefaultTripPolicy.should_trip(&window(9, 9, 0, 0), &c), None);
        assert_eq!(
            DefaultTripPolicy.should_trip(&window(10, 5, 0, 1), &c),
            None
        );
        assert!(matches!(
            DefaultTripPolicy.should_trip(&window(10, 6, 0, 1), &c),
            Some(TripReason::FailureRate { .. })
        ));
    }

    #[test]
    fn armed_exactly_when_a_success_could_trip() {
        let c = Config {
            min_requests: 4,
            failure_threshold: 0.5,
            ..Config::default()
        };
        let p = DefaultTripPolicy;
        // fail, fail, ok: the next ok makes 2 of 4.
        assert!(p.may_trip_on_success(&window(3, 2, 0, 0), &c));
        assert!(p.should_trip(&window(4, 2, 0, 0), &c).is_some());
        // fail, ok, ok: the next ok makes 1 of 4.
        assert!(!p.may_trip_on_success(&window(3, 1, 0, 1), &c));
        // Two failures alone: two more successes reach 2 of 4.
        assert!(p.may_trip_on_success(&window(2, 2, 0, 2), &c));
        // Past min_requests and below the threshold: a success lowers it.
        assert!(!p.may_trip_on_success(&window(10, 4, 0, 0), &c));
        // A zero threshold trips on any success once min_requests is reached.
        let zero = Config {
            failure_threshold: 0.0,
            min_requests: 1,
            ..Config::default()
        };
        assert!(p.may_trip_on_success(&window(0, 0, 0, 0), &zero));
        // The slow-call rate arms too.
        let slow = Config {
            slow_call_rate_threshold: Some(0.5),
            ..c
        };
        assert!(p.may_trip_on_success(&window(3, 0, 2, 0), &slow));
        assert!(!p.may_trip_on_success(&window(3, 0, 1, 0), &slow));
    }

    #[test]
    fn slow_trigger_only_when_enabled() {
        let mut c = Config::default();
        assert_eq!(
            DefaultTripPolicy.should_trip(&window(10, 0, 10, 0), &c),
            None
        );
        c.slow_call_rate_threshold = Some(0.5);
        assert_eq!(
            DefaultTripPolicy.should_trip(&window(10, 0, 4, 0), &c),
            None
        );
        let reason = DefaultTripPolicy
            .should_trip(&window(10, 0, 5, 0), &c)
            .unwrap();
        assert_eq!(reason.to_string(), "slow-call rate 50.0% >= 50.0%");
    }
}
