//! The standard triggers, as a pure function of the window.

use super::{TripPolicy, TripReason, WindowSnapshot};
use crate::Config;

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
    use crate::policy::TripReason;

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
