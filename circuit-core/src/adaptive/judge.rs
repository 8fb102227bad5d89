//! Judging a window: by the config's rules while warming up, by the
//! learned bounds once ready. Pure functions of what was learned.

use std::time::Duration;

use super::bound::Bound;
use crate::Config;
use crate::policy::{DefaultTripPolicy, Thresholds, TripPolicy, TripReason, WindowSnapshot};

/// What the policy judges by, fixed between two observations.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Model {
    /// `None` while warming up (or with too few calls learned): the
    /// config's rules apply, exactly as [`DefaultTripPolicy`]'s.
    pub(crate) learned: Option<Learned>,
}

/// The learned rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Learned {
    /// Failures among calls.
    pub(crate) failures: Bound,
    /// Consecutive failures that open the breaker.
    pub(crate) run: u32,
    /// Slow calls among calls, when latency is judged against the learned
    /// normal (`None`: the config's slow-call rules).
    pub(crate) slow: Option<Bound>,
    /// The learned slow-call threshold (a multiple of the learned p99),
    /// once enough latencies were learned.
    pub(crate) slow_call: Option<Duration>,
}

impl Model {
    pub(crate) fn should_trip(
        &self,
        window: &WindowSnapshot,
        config: &Config,
    ) -> Option<TripReason> {
        match &self.learned {
            None => DefaultTripPolicy.should_trip(window, config),
            Some(learned) => learned.should_trip(window, config),
        }
    }

    /// Exact: a success ends the failure run and adds one call, and the
    /// learned rate tests only get harder to pass with more calls (see
    /// `bound.rs`), so the one success to ask about is the one that brings
    /// the window to `min_requests`, or the next.
    pub(crate) fn may_trip_on_success(&self, window: &WindowSnapshot, config: &Config) -> bool {
        match &self.learned {
            None => DefaultTripPolicy.may_trip_on_success(window, config),
            Some(learned) => {
                let after = WindowSnapshot {
                    calls: window
                        .calls
                        .saturating_add(1)
                        .max(u64::from(config.min_requests)),
                    consecutive_failures: 0,
                    ..*window
                };
                learned.should_trip(&after, config).is_some()
            }
        }
    }

    /// The slow-call threshold in effect.
    pub(crate) fn slow_call_threshold(&self, config: &Config) -> Duration {
        self.learned
            .and_then(|l| l.slow_call)
            .map_or(config.slow_call_threshold, |learned| {
                learned.min(config.slow_call_threshold)
            })
    }

    /// The thresholds in effect for a window of `calls` calls (at least
    /// `min_requests`, where the rates start to count).
    pub(crate) fn thresholds(&self, calls: u64, config: &Config) -> Thresholds {
        let slow_call = self.slow_call_threshold(config);
        let Some(learned) = &self.learned else {
            return Thresholds {
                slow_call,
                ..Thresholds::of(config)
            };
        };
        let calls = calls.max(u64::from(config.min_requests));
        Thresholds {
            max_failures: learned.run,
            failure_rate: learned.failures.threshold(calls),
            min_requests: config.min_requests,
            slow_call,
            slow_call_rate: match learned.slow {
                Some(bound) => Some(bound.threshold(calls)),
                None => config.slow_call_rate_threshold,
            },
            learned: true,
        }
    }

    /// Whether `window` is past the thresholds as far as learning goes: a
    /// window or bucket like this is an incident, not the normal. Stricter
    /// than tripping: rates count at any number of calls.
    pub(crate) fn past_threshold(&self, window: &WindowSnapshot, config: &Config) -> bool {
        match &self.learned {
            None => {
                let any_calls = Config {
                    min_requests: 1,
                    ..config.clone()
                };
                DefaultTripPolicy.should_trip(window, &any_calls).is_some()
            }
            Some(learned) => {
                window.consecutive_failures >= learned.run
                    || learned.failures.exceeds(window.failures, window.calls)
                    || learned.slow_past(window, config)
            }
        }
    }
}

impl Learned {
    fn should_trip(&self, window: &WindowSnapshot, config: &Config) -> Option<TripReason> {
        if window.consecutive_failures >= self.run {
            return Some(TripReason::ConsecutiveFailures {
                count: window.consecutive_failures,
                threshold: self.run,
            });
        }
        let calls = window.calls;
        if calls < u64::from(config.min_requests) {
            return None;
        }
        if self.failures.exceeds(window.failures, calls) {
            return Some(TripReason::FailureRate {
                rate: window.failure_rate(),
                threshold: self.failures.threshold(calls),
            });
        }
        let rate = window.slow_call_rate();
        match self.slow {
            Some(bound) => {
                bound
                    .exceeds(window.slow_calls, calls)
                    .then(|| TripReason::SlowCallRate {
                        rate,
                        threshold: bound.threshold(calls),
                    })
            }
            None => {
                let threshold = config.slow_call_rate_threshold?;
                (rate >= threshold).then_some(TripReason::SlowCallRate { rate, threshold })
            }
        }
    }

    fn slow_past(&self, window: &WindowSnapshot, config: &Config) -> bool {
        match self.slow {
            Some(bound) => bound.exceeds(window.slow_calls, window.calls),
            None => config
                .slow_call_rate_threshold
                .is_some_and(|r| window.calls > 0 && window.slow_call_rate() >= r),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn learned(normal: f64) -> Model {
        let bound = Bound {
            normal,
            rho: 0.0,
            evidence: 1e6f64.ln(),
            floor: 0.05,
            ceiling: 0.8,
        };
        Model {
            learned: Some(Learned {
                failures: bound,
                run: bound.run(normal),
                slow: Some(Bound {
                    normal: 0.001,
                    ..bound
                }),
                slow_call: Some(Duration::from_millis(600)),
            }),
        }
    }

    fn window(calls: u64, failures: u64, slow: u64, run: u32) -> WindowSnapshot {
        WindowSnapshot {
            calls,
            failures,
            slow_calls: slow,
            consecutive_failures: run,
        }
    }

    #[test]
    fn warming_up_is_the_default_policy_exactly() {
        let c = Config::default();
        let m = Model::default();
        for w in [window(10, 6, 0, 1), window(9, 9, 0, 4), window(4, 4, 0, 5)] {
            assert_eq!(m.should_trip(&w, &c), DefaultTripPolicy.should_trip(&w, &c));
            assert_eq!(
                m.may_trip_on_success(&w, &c),
                DefaultTripPolicy.may_trip_on_success(&w, &c)
            );
        }
        assert_eq!(m.thresholds(1000, &c), Thresholds::of(&c));
        assert_eq!(m.slow_call_threshold(&c), c.slow_call_threshold);
    }

    #[test]
    fn learned_rules_replace_the_config_thresholds() {
        let c = Config::default();
        let m = learned(0.01);
        // 3 failures in a row is rare enough at a 1 % normal.
        assert!(matches!(
            m.should_trip(&window(100, 3, 0, 3), &c),
            Some(TripReason::ConsecutiveFailures {
                count: 3,
                threshold: 3
            })
        ));
        // 6 % of 1200 is far above 1 %; the seed's 60 % would wait.
        assert!(matches!(
            m.should_trip(&window(1200, 72, 0, 0), &c),
            Some(TripReason::FailureRate { .. })
        ));
        assert_eq!(m.should_trip(&window(1200, 50, 0, 0), &c), None);
        // 20 % slow calls when 0.1 % is normal.
        assert!(matches!(
            m.should_trip(&window(1200, 0, 240, 0), &c),
            Some(TripReason::SlowCallRate { .. })
        ));
        let t = m.thresholds(1200, &c);
        assert!(t.learned && t.max_failures == 3 && t.failure_rate == 0.05);
        assert_eq!(t.slow_call, Duration::from_millis(600));
        // Never later than the config's own slow-call threshold.
        let strict = Config {
            slow_call_threshold: Duration::from_millis(100),
            ..c
        };
        assert_eq!(m.slow_call_threshold(&strict), Duration::from_millis(100));
    }

    #[test]
    fn armed_exactly_when_some_run_of_successes_trips() {
        // Brute force: for every small window, the answer says whether any
        // number of further plain successes makes the window trip.
        let c = Config {
            min_requests: 5,
            ..Config::default()
        };
        for m in [learned(0.01), learned(0.3)] {
            for calls in 0..40u64 {
                for failures in 0..=calls {
                    for slow in [0, calls / 2, calls] {
                        let w = window(calls, failures, slow, 0);
                        let some_trips = (1..400u64).any(|more| {
                            m.should_trip(&window(calls + more, failures, slow, 0), &c)
                                .is_some()
                        });
                        assert_eq!(m.may_trip_on_success(&w, &c), some_trips, "{w:?}");
                    }
                }
            }
        }
    }
}
