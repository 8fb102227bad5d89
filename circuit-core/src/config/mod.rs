//! Breaker configuration: defaults, presets and validation.

use std::time::Duration;

mod error;
mod serde;
#[cfg(test)]
mod tests;

pub use error::ConfigError;

/// The most probes a half-open breaker may admit at once.
///
/// Each admitted probe holds a slot (a ticket and a start time) so that a
/// leaked probe can be reclaimed after [`Config::half_open_probe_timeout`];
/// the bound keeps that bookkeeping, and so the breaker's memory, small.
pub const MAX_HALF_OPEN_REQUESTS: u32 = 1024;

/// The shortest [`Config::monitor_window`]: 10 ms. A shorter window would
/// hold a bucket of 1 ms or less, finer than the coarse system clock.
pub const MIN_MONITOR_WINDOW: Duration = Duration::from_millis(10);

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
///
/// With serde, durations read and write as human strings (`"30s"`,
/// `"1m 30s"`, `"250ms"`), missing fields take their defaults, unknown
/// fields are refused and the result is validated: a bad file gives an
/// error that names the field, as [`ConfigError`] does.
///
/// ```
/// use circuit_core::Config;
/// use std::time::Duration;
///
/// let config: Config = serde_json::from_str(r#"{ "max_failures": 3, "recovery_timeout": "1m 30s" }"#).unwrap();
/// assert_eq!(config.recovery_timeout, Duration::from_secs(90));
/// let bad = serde_json::from_str::<Config>(r#"{ "failure_threshold": 1.5 }"#).unwrap_err();
/// assert!(bad.to_string().contains("`failure_threshold` must be within [0, 1]"));
/// ```
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
    /// Length of the sliding window the rates are computed over; at least
    /// [`MIN_MONITOR_WINDOW`].
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
    /// slot is reclaimed and counted as a timeout.
    pub half_open_probe_timeout: Duration,
    /// Gradual recovery: after HALF_OPEN → CLOSED, the share of calls
    /// admitted grows linearly from
    /// [`recovery_ramp_floor`](Self::recovery_ramp_floor) to 100 % over this
    /// long. Zero (the default) turns the ramp off: full traffic at once, as
    /// in the seed design.
    pub recovery_ramp: Duration,
    /// The share of calls admitted when a recovery ramp starts. In `[0, 1]`.
    pub recovery_ramp_floor: f64,
    /// A permit dropped without an outcome after holding longer than this
    /// counts as a timeout, not as cancelled: a caller that gives up on a
    /// hung backend with its own timeout still tells the breaker. `None`:
    /// every drop is cancelled.
    pub abandoned_after: Option<Duration>,
    /// The cap on a backend's Retry-After hint
    /// ([`Permit::set_retry_after`](crate::Permit::set_retry_after)): no
    /// hint holds the breaker open longer than this.
    pub max_retry_after: Duration,
}

impl Default for Config {
    /// The seed design's defaults: 5 consecutive failures, 60 % failure rate,
    /// 30 s recovery, 60 s window, 10 half-open probes, 1 s to 30 s backoff;
    /// plus 10 minimum calls, a 5 s slow-call threshold, no slow-call
    /// trigger, a 30 s probe timeout, no recovery ramp (floor 0.1 when one
    /// is set), abandoned permits after 30 s and Retry-After hints capped
    /// at 5 min.
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
            recovery_ramp: Duration::ZERO,
            recovery_ramp_floor: 0.1,
            abandoned_after: Some(Duration::from_secs(30)),
            max_retry_after: Duration::from_secs(300),
        }
    }
}

impl Config {
    /// High-traffic services: 5 consecutive failures, 60 % failure rate,
    /// and a 30 s recovery ramp from 10 %: a busy backend that has just
    /// come back is not hit by all of its traffic at once.
    pub fn high_traffic() -> Self {
        Self {
            max_failures: 5,
            failure_threshold: 0.6,
            recovery_ramp: Duration::from_secs(30),
            ..Self::default()
        }
    }

    /// Critical services: more sensitive and quicker to probe: 3 failures,
    /// 50 %, 15 s recovery, 30 s window, 5 half-open probes, 2 s to 60 s
    /// backoff, and a 60 s recovery ramp from 10 % (a relapse is costlier
    /// than a slow return).
    pub fn critical() -> Self {
        Self {
            max_failures: 3,
            failure_threshold: 0.5,
            recovery_timeout: Duration::from_secs(15),
            monitor_window: Duration::from_secs(30),
            max_requests: 5,
            base_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(60),
            recovery_ramp: Duration::from_secs(60),
            ..Self::default()
        }
    }

    /// Background jobs: tolerant: 10 failures, 70 %. No recovery ramp: jobs
    /// retry later on their own, and a ramp would only delay the backlog.
    pub fn background_jobs() -> Self {
        Self {
            max_failures: 10,
            failure_threshold: 0.7,
            ..Self::default()
        }
    }

    /// Real-time APIs: 15 s recovery, 3 half-open probes, and a short 10 s
    /// recovery ramp from 25 %: back to full service quickly, without a
    /// thundering herd.
    pub fn real_time() -> Self {
        Self {
            recovery_timeout: Duration::from_secs(15),
            max_requests: 3,
            recovery_ramp: Duration::from_secs(10),
            recovery_ramp_floor: 0.25,
            ..Self::default()
        }
    }

    /// Checks every rule; the breaker builder and
    /// [`reconfigure`](crate::CircuitBreaker::reconfigure) call this.
    ///
    /// # Errors
    /// The first rule broken, as a [`ConfigError`] naming the field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_ratio("failure_threshold", self.failure_threshold)?;
        if let Some(rate) = self.slow_call_rate_threshold {
            check_ratio("slow_call_rate_threshold", rate)?;
        }
        check_ratio("recovery_ramp_floor", self.recovery_ramp_floor)?;
        for (field, value) in [
            ("max_failures", self.max_failures),
            ("max_requests", self.max_requests),
            ("min_requests", self.min_requests),
        ] {
            if value == 0 {
                return Err(ConfigError::new(field, "must be at least 1"));
            }
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
        if self.monitor_window < MIN_MONITOR_WINDOW {
            return Err(ConfigError::new(
                "monitor_window",
                format!(
                    "must be at least {MIN_MONITOR_WINDOW:?} (got {:?})",
                    self.monitor_window
                ),
            ));
        }
        for (field, value) in [
            (
                "half_open_probe_timeout",
                Some(self.half_open_probe_timeout),
            ),
            ("abandoned_after", self.abandoned_after),
        ] {
            if value.is_some_and(|d| d.is_zero()) {
                return Err(ConfigError::new(field, "must be longer than zero"));
            }
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
            ("recovery_ramp", self.recovery_ramp),
            (
                "abandoned_after",
                self.abandoned_after.unwrap_or(Duration::ZERO),
            ),
            ("max_retry_after", self.max_retry_after),
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

    /// The names of the fields whose values differ between `self` and
    /// `other`, in declaration order.
    pub fn changed_fields(&self, other: &Self) -> Vec<&'static str> {
        let mut changed = Vec::new();
        let mut note = |field, differs: bool| {
            if differs {
                changed.push(field);
            }
        };
        note("max_failures", self.max_failures != other.max_failures);
        note(
            "failure_threshold",
            self.failure_threshold.to_bits() != other.failure_threshold.to_bits(),
        );
        note(
            "recovery_timeout",
            self.recovery_timeout != other.recovery_timeout,
        );
        note(
            "monitor_window",
            self.monitor_window != other.monitor_window,
        );
        note("max_requests", self.max_requests != other.max_requests);
        note("base_backoff", self.base_backoff != other.base_backoff);
        note("max_backoff", self.max_backoff != other.max_backoff);
        note("min_requests", self.min_requests != other.min_requests);
        note(
            "slow_call_threshold",
            self.slow_call_threshold != other.slow_call_threshold,
        );
        note(
            "slow_call_rate_threshold",
            self.slow_call_rate_threshold.map(f64::to_bits)
                != other.slow_call_rate_threshold.map(f64::to_bits),
        );
        note(
            "half_open_probe_timeout",
            self.half_open_probe_timeout != other.half_open_probe_timeout,
        );
        note("recovery_ramp", self.recovery_ramp != other.recovery_ramp);
        note(
            "recovery_ramp_floor",
            self.recovery_ramp_floor.to_bits() != other.recovery_ramp_floor.to_bits(),
        );
        note(
            "abandoned_after",
            self.abandoned_after != other.abandoned_after,
        );
        note(
            "max_retry_after",
            self.max_retry_after != other.max_retry_after,
        );
        changed
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
