//! Breaker configuration: defaults, presets and validation.

use std::time::Duration;

/// The most probes a half-open breaker may admit at once.
///
/// Each admitted probe holds a slot (a ticket and a start time) so that a
/// leaked probe can be reclaimed after [`Config::half_open_probe_timeout`];
/// the bound keeps that bookkeeping, and so the breaker's memory, small.
pub const MAX_HALF_OPEN_REQUESTS: u32 = 1024;

/// How a circuit breaker decides to open, how long it stays open and how it
/// probes its way back.
///
/// All fields are public so that struct update syntax works:
///
/// ```
/// use circuit_core::Config;
/// use std::time::Duration;
///
/// let config = Config { max_failures: 3, recovery_timeout: Duration::from_secs(10), ..Config::default() };
/// assert!(config.validate().is_ok());
/// ```
///
/// Defaults are those of the seed design (see [`Config::default`]); the
/// presets [`Config::high_traffic`], [`Config::critical`],
/// [`Config::background_jobs`] and [`Config::real_time`] follow its
/// configuration guidelines.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Consecutive failures (in CLOSED) that open the breaker.
    pub max_failures: u32,
    /// Failure rate over [`monitor_window`](Self::monitor_window) at or above
    /// which the breaker opens (inclusive), once
    /// [`min_requests`](Self::min_requests) calls were seen. In `[0, 1]`.
    pub failure_threshold: f64,
    /// Base time an open breaker waits before it lets a probe through.
    pub recovery_timeout: Duration,
    /// Length of the sliding window the rates are computed over.
    pub monitor_window: Duration,
    /// Probes a half-open breaker admits at once, and the number of
    /// successful probes that close it.
    pub max_requests: u32,
    /// Extra open time added on the second consecutive trip, doubled on each
    /// further trip.
    pub base_backoff: Duration,
    /// Cap on the extra open time.
    pub max_backoff: Duration,
    /// Calls the window must hold before a rate trigger may fire.
    pub min_requests: u32,
    /// A call that takes longer than this is slow.
    pub slow_call_threshold: Duration,
    /// When set, a slow-call rate at or above this value (over the window,
    /// after `min_requests` calls) opens the breaker. In `[0, 1]`.
    pub slow_call_rate_threshold: Option<f64>,
    /// A half-open probe that holds its permit longer than this loses it: the
    /// slot is reclaimed and counted as a failure.
    pub half_open_probe_timeout: Duration,
}

impl Default for Config {
    /// The seed design's defaults: 5 consecutive failures, 60 % failure rate,
    /// 30 s recovery, 60 s window, 10 half-open probes, 1 s to 30 s backoff;
    /// plus 10 minimum calls, a 5 s slow-call threshold, no slow-call trigger
    /// and a 30 s probe timeout.
    fn default() -> Self {
        Self {
            max_failures: 5,
            failure_threshold: 0.6,
            recovery_timeout: Duration::from_secs(30),
            monitor_window: Duration::from_secs(60),
            max_requests: 10,
            base_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            min_requests: 10,
            slow_call_threshold: Duration::from_secs(5),
            slow_call_rate_threshold: None,
            half_open_probe_timeout: Duration::from_secs(30),
        }
    }
}

impl Config {
    /// High-traffic services: 5 consecutive failures, 60 % failure rate.
    pub fn high_traffic() -> Self {
        Self {
            max_failures: 5,
            failure_threshold: 0.6,
            ..Self::default()
        }
    }

    /// Critical services: more sensitive and quicker to probe: 3 failures,
    /// 50 %, 15 s recovery, 30 s window, 5 half-open probes, 2 s to 60 s
    /// backoff.
    pub fn critical() -> Self {
        Self {
            max_failures: 3,
            failure_threshold: 0.5,
            recovery_timeout: Duration::from_secs(15),
            monitor_window: Duration::from_secs(30),
            max_requests: 5,
            base_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(60),
            ..Self::default()
        }
    }

    /// Background jobs: tolerant: 10 failures, 70 %.
    pub fn background_jobs() -> Self {
        Self {
            max_failures: 10,
            failure_threshold: 0.7,
            ..Self::default()
        }
    }

    /// Real-time APIs: 15 s recovery, 3 half-open probes.
    pub fn real_time() -> Self {
        Self {
            recovery_timeout: Duration::from_secs(15),
            max_requests: 3,
            ..Self::default()
        }
    }

    /// Checks every rule; the breaker builder calls this.
    ///
    /// # Errors
    /// The first rule broken, as a [`ConfigError`] naming the field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_ratio("failure_threshold", self.failure_threshold)?;
        if let Some(rate) = self.slow_call_rate_threshold {
            check_ratio("slow_call_rate_threshold", rate)?;
        }
        if self.max_failures == 0 {
            return Err(ConfigError::new("max_failures", "must be at least 1"));
        }
        if self.max_requests == 0 {
            return Err(ConfigError::new("max_requests", "must be at least 1"));
        }
        if self.max_requests > MAX_HALF_OPEN_REQUESTS {
            return Err(ConfigError::new(
                "max_requests",
                format!(
                    "must be at most {MAX_HALF_OPEN_REQUESTS} (got {})",
                    self.max_requests
                ),
            ));
        }
        if self.min_requests == 0 {
            return Err(ConfigError::new("min_requests", "must be at least 1"));
        }
        if self.monitor_window.is_zero() {
            return Err(ConfigError::new(
                "monitor_window",
                "must be longer than zero",
            ));
        }
        if self.half_open_probe_timeout.is_zero() {
            return Err(ConfigError::new(
                "half_open_probe_timeout",
                "must be longer than zero",
            ));
        }
        if self.base_backoff > self.max_backoff {
            return Err(ConfigError::new(
                "base_backoff",
                format!(
                    "must not exceed max_backoff ({:?} > {:?})",
                    self.base_backoff, self.max_backoff
                ),
            ));
        }
        for (field, value) in [
            ("recovery_timeout", self.recovery_timeout),
            ("monitor_window", self.monitor_window),
            ("max_backoff", self.max_backoff),
            ("slow_call_threshold", self.slow_call_threshold),
            ("half_open_probe_timeout", self.half_open_probe_timeout),
        ] {
            if value > MAX_DURATION {
                return Err(ConfigError::new(
                    field,
                    format!("must be at most {MAX_DURATION:?} (got {value:?})"),
                ));
            }
        }
        Ok(())
    }
}

/// Durations are kept as nanoseconds in 64 bits; one year leaves ample room
/// for sums of them without overflow.
pub(crate) const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 3600);

fn check_ratio(field: &'static str, value: f64) -> Result<(), ConfigError> {
    if value.is_nan() || !(0.0..=1.0).contains(&value) {
        return Err(ConfigError::new(
            field,
            format!("must be within [0, 1] (got {value})"),
        ));
    }
    Ok(())
}

/// A configuration rule was broken; names the field and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid circuit breaker config: `{field}` {rule}")]
pub struct ConfigError {
    field: &'static str,
    rule: String,
}

impl ConfigError {
    pub(crate) fn new(field: &'static str, rule: impl Into<String>) -> Self {
        Self {
            field,
            rule: rule.into(),
        }
    }

    /// The [`Config`] field at fault, e.g. `"failure_threshold"`.
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// The rule it broke, e.g. `"must be within [0, 1] (got NaN)"`.
    pub fn rule(&self) -> &str {
        &self.rule
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_presets_are_valid_and_match_the_seed_design() {
        let d = Config::default();
        assert_eq!(
            (
                d.max_failures,
                d.failure_threshold,
                d.max_requests,
                d.min_requests
            ),
            (5, 0.6, 10, 10)
        );
        assert_eq!(d.recovery_timeout, Duration::from_secs(30));
        assert_eq!(d.monitor_window, Duration::from_secs(60));
        assert_eq!(
            (d.base_backoff, d.max_backoff),
            (Duration::from_secs(1), Duration::from_secs(30))
        );
        assert_eq!(d.slow_call_threshold, Duration::from_secs(5));
        assert_eq!(d.slow_call_rate_threshold, None);
        assert_eq!(d.half_open_probe_timeout, Duration::from_secs(30));
        let c = Config::critical();
        assert_eq!(
            (c.max_failures, c.failure_threshold, c.max_requests),
            (3, 0.5, 5)
        );
        assert_eq!(
            (c.recovery_timeout, c.monitor_window),
            (Duration::from_secs(15), Duration::from_secs(30))
        );
        assert_eq!(
            (c.base_backoff, c.max_backoff),
            (Duration::from_secs(2), Duration::from_secs(60))
        );
        assert_eq!(
            (
                Config::background_jobs().max_failures,
                Config::background_jobs().failure_threshold
            ),
            (10, 0.7)
        );
        assert_eq!(
            (
                Config::high_traffic().max_failures,
                Config::high_traffic().failure_threshold
            ),
            (5, 0.6)
        );
        assert_eq!(
            (
                Config::real_time().recovery_timeout,
                Config::real_time().max_requests
            ),
            (Duration::from_secs(15), 3)
        );
        for preset in [
            d,
            c,
            Config::background_jobs(),
            Config::high_traffic(),
            Config::real_time(),
        ] {
            preset.validate().unwrap();
        }
    }

    #[test]
    fn each_broken_rule_names_its_field() {
        let cases: Vec<(Config, &str)> = vec![
            (
                Config {
                    failure_threshold: f64::NAN,
                    ..Config::default()
                },
                "failure_threshold",
            ),
            (
                Config {
                    failure_threshold: 1.01,
                    ..Config::default()
                },
                "failure_threshold",
            ),
            (
                Config {
                    failure_threshold: -0.1,
                    ..Config::default()
                },
                "failure_threshold",
            ),
            (
                Config {
                    slow_call_rate_threshold: Some(f64::INFINITY),
                    ..Config::default()
                },
                "slow_call_rate_threshold",
            ),
            (
                Config {
                    max_failures: 0,
                    ..Config::default()
                },
                "max_failures",
            ),
            (
                Config {
                    max_requests: 0,
                    ..Config::default()
                },
                "max_requests",
            ),
            (
                Config {
                    max_requests: MAX_HALF_OPEN_REQUESTS + 1,
                    ..Config::default()
                },
                "max_requests",
            ),
            (
                Config {
                    min_requests: 0,
                    ..Config::default()
                },
                "min_requests",
            ),
            (
                Config {
                    monitor_window: Duration::ZERO,
                    ..Config::default()
                },
                "monitor_window",
            ),
            (
                Config {
                    half_open_probe_timeout: Duration::ZERO,
                    ..Config::default()
                },
                "half_open_probe_timeout",
            ),
            (
                Config {
                    base_backoff: Duration::from_secs(31),
                    ..Config::default()
                },
                "base_backoff",
            ),
            (
                Config {
                    recovery_timeout: Duration::MAX,
                    ..Config::default()
                },
                "recovery_timeout",
            ),
        ];
        for (config, field) in cases {
            let err = config.validate().unwrap_err();
            assert_eq!(err.field(), field, "{err}");
            assert!(err.to_string().contains(field), "{err}");
        }
        // Boundaries are inclusive.
        Config {
            failure_threshold: 0.0,
            slow_call_rate_threshold: Some(1.0),
            ..Config::default()
        }
        .validate()
        .unwrap();
    }
}
