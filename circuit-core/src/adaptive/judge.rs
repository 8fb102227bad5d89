//! Judging a window: by the config's rules while warming up, by the
//! learned bounds once ready. Pure functions of what was learned.
//!
//! Once ready, the learned tests judge the whole window and, on its own,
//! its newest bucket (the calls of the last tenth of `monitor_window`): a
//! sharp rise shows in the newest bucket within seconds, long before it
//! weighs enough in the whole window. The newest bucket is the window
//! minus its older buckets, whose counts the policy knows from observing
//! them close ([`Older`]).

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
    /// The window's buckets before its newest one, as observed (`None`
    /// before the first observation: no newest-bucket test).
    pub(crate) older: Option<Older>,
}

/// Counts of the window's older buckets (all but the newest).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Older {
    pub(crate) calls: u64,
    pub(crate) failures: u64,
    pub(crate) slow_calls: u64,
}

impl Older {
    /// The newest bucket: `window` minus the older buckets, if they fit
    /// in it (they always do when the observations match the window; a
    /// mismatch skips the newest-bucket test rather than guess).
    fn newest(&self, window: &WindowSnapshot) -> Option<WindowSnapshot> {
        let newest = WindowSnapshot {
            calls: window.calls.checked_sub(self.calls)?,
            failures: window.failures.checked_sub(self.failures)?,
            slow_calls: window.slow_calls.checked_sub(self.slow_calls)?,
            ..*window
        };
        (newest.failures <= newest.calls && newest.slow_calls <= newest.calls).then_some(newest)
    }
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
            Some(learned) => learned.should_trip(window, self.older, config),
        }
    }

    /// Exact: a success ends the failure run and adds one call to the
    /// window and to its newest bucket, and each learned rate test only
    /// gets harder to pass with more calls (see `bound.rs`) once it
    /// applies: the window's test from `min_requests` calls in the window,
    /// the newest bucket's from `min_requests` calls in the bucket. So the
    /// successes to ask about are the next one and the ones that bring the
    /// window, and the newest bucket, to `min_requests`.
    pub(crate) fn may_trip_on_success(&self, window: &WindowSnapshot, config: &Config) -> bool {
        let Some(learned) = &self.learned else {
            return DefaultTripPolicy.may_trip_on_success(window, config);
        };
        let min = u64::from(config.min_requests);
        let next = window.calls.saturating_add(1);
        let older = self.older.map_or(0, |o| o.calls);
        [next.max(min), next.max(min.saturating_add(older))]
            .into_iter()
            .any(|calls| {
                let after = WindowSnapshot {
                    calls,
                    consecutive_failures: 0,
                    ..*window
                };
                learned.should_trip(&after, self.older, config).is_some()
            })
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
    fn should_trip(
        &self,
        window: &WindowSnapshot,
        older: Option<Older>,
        config: &Config,
    ) -> Option<TripReason> {
        if window.consecutive_failures >= self.run {
            return Some(TripReason::ConsecutiveFailures {
                count: window.consecutive_failures,
                threshold: self.run,
            });
        }
        let min = u64::from(config.min_requests);
        if window.calls < min {
            return None;
        }
        let newest = older
            .and_then(|o| o.newest(window))
            .filter(|n| n.calls >= min);
        // The whole window, then its newest bucket alone.
        let spans = std::iter::once(window).chain(newest.as_ref());
        for span in spans.clone() {
            if self.failures.exceeds(span.failures, span.calls) {
                return Some(TripReason::FailureRate {
                    rate: span.failure_rate(),
                    threshold: self.failures.threshold(span.calls),
                });
            }
        }
        match self.slow {
            Some(bound) => spans.into_iter().find_map(|span| {
                bound
                    .exceeds(span.slow_calls, span.calls)
                    .then(|| TripReason::SlowCallRate {
                        rate: span.slow_call_rate(),
                        threshold: bound.threshold(span.calls),
                    })
            }),
            None => {
                let threshold = config.slow_call_rate_threshold?;
                let rate = window.slow_call_rate();
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
            older: None,
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
    fn the_newest_bucket_alone_can_trip() {
        let c = Config::default();
        let mut m = learned(0.01);
        // 1 200 calls, 30 failures: 2.5 %, fine for the window; but 20 of
        // them in the newest 60 calls.
        let w = window(1200, 30, 0, 0);
        assert_eq!(m.should_trip(&w, &c), None);
        m.older = Some(Older {
            calls: 1140,
            failures: 10,
            slow_calls: 0,
        });
        let Some(TripReason::FailureRate { rate, .. }) = m.should_trip(&w, &c) else {
            panic!("the newest bucket trips it");
        };
        assert!((rate - 20.0 / 60.0).abs() < 1e-12);
        // Older counts that do not fit the window are not guessed from.
        m.older = Some(Older {
            calls: 1300,
            failures: 10,
            slow_calls: 0,
        });
        assert_eq!(m.should_trip(&w, &c), None);
    }

    #[test]
    fn armed_exactly_when_some_run_of_successes_trips() {
        // Brute force: for every small window, the answer says whether any
        // number of further plain successes makes the window trip.
        let c = Config {
            min_requests: 5,
            ..Config::default()
        };
        let with_older = |mut m: Model| {
            m.older = Some(Older {
                calls: 12,
                failures: 1,
                slow_calls: 1,
            });
            m
        };
        for m in [
            learned(0.01),
            learned(0.3),
            with_older(learned(0.01)),
            with_older(learned(0.1)),
        ] {
            for calls in 0..40u64 {
                for failures in 0..=calls {
                    for slow in [0, calls / 2, calls] {
                        if m.older
                            .is_some_and(|o| o.calls > calls || o.failures > failures)
                        {
                            continue;
                        }
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
