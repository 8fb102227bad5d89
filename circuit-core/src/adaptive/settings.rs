//! What an adaptive policy may learn, how fast, and within which limits.

use std::time::Duration;

use serde::Serialize;

use crate::ConfigError;
use crate::config::MAX_DURATION;

/// The knobs of an [`AdaptivePolicy`](super::AdaptivePolicy); the defaults
/// are meant to be right without tuning.
///
/// ```
/// use circuit_core::{AdaptivePolicy, AdaptiveSettings};
/// use std::time::Duration;
///
/// let policy = AdaptivePolicy::new(AdaptiveSettings {
///     threshold_floor: 0.1,
///     learning_horizon: Duration::from_secs(3600),
///     ..AdaptiveSettings::default()
/// })?;
/// assert_eq!(policy.settings().threshold_floor, 0.1);
/// # Ok::<(), circuit_core::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdaptiveSettings {
    /// How far back the learned normal reaches: what was seen `t` of
    /// learning time ago weighs `e^(-t / learning_horizon)`. Default 30
    /// minutes.
    pub learning_horizon: Duration,
    /// Learning time before learned thresholds replace the config's.
    /// Default 5 minutes.
    pub warm_up: Duration,
    /// Learned (faded) calls needed, too, before learned thresholds replace
    /// the config's, and for the learned latency. Default 1 000: about
    /// half a call a second over the default horizon. A backend quieter
    /// than that is judged by the config's thresholds.
    pub min_calls: u32,
    /// The lowest failure-rate and slow-call-rate threshold: however clean
    /// the backend's normal, a window where fewer than this share of calls
    /// fail (or are slow) never opens the breaker. Default 0.05.
    pub threshold_floor: f64,
    /// The highest: a window where at least this share of calls fail (or
    /// are slow) opens the breaker, whatever was learned. Default 0.8.
    pub threshold_ceiling: f64,
    /// How unlikely a window must be under the learned normal to open the
    /// breaker: an upper bound on the chance that one judgment of a window
    /// at the normal rate passes the rate test, and on the chance that a
    /// call ends a run of failures as long as the learned run threshold.
    /// Default 1e-7: at 20 calls a second and a 1 % normal, a false trip
    /// every few months.
    pub significance: f64,
    /// The bounded upward pace ("boiling frog"): learned failure and
    /// slow-call rates, their spread and the learned latency rise by at
    /// most this factor per hour of learning (rates also by half a
    /// percentage point per hour, so that a rate learned at zero can rise
    /// at all). Downward there is no cap: they follow the learned average
    /// as fast as older calls fade. Default 2.0.
    pub max_rise_per_hour: f64,
    /// Latency judged against the learned normal: a call slower than this
    /// multiple of the learned p99 of successful calls is slow (never
    /// later than the config's `slow_call_threshold`), and a slow-call rate
    /// departing from the learned one opens the breaker like failures do.
    /// `None`: latency keeps the config's rules. Default `Some(3.0)`.
    pub slow_call_p99_multiple: Option<f64>,
}

impl Default for AdaptiveSettings {
    fn default() -> Self {
        Self {
            learning_horizon: Duration::from_secs(30 * 60),
            warm_up: Duration::from_secs(5 * 60),
            min_calls: 1_000,
            threshold_floor: 0.05,
            threshold_ceiling: 0.8,
            significance: 1e-7,
            max_rise_per_hour: 2.0,
            slow_call_p99_multiple: Some(3.0),
        }
    }
}

impl AdaptiveSettings {
    /// Checks every rule.
    ///
    /// # Errors
    /// [`ConfigError`] naming the first field that breaks one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |field: &'static str, rule: String| Err(ConfigError::new(field, rule));
        if self.learning_horizon.is_zero() || self.learning_horizon > MAX_DURATION {
            return bad(
                "learning_horizon",
                format!(
                    "must be longer than zero and at most a year (got {:?})",
                    self.learning_horizon
                ),
            );
        }
        if self.warm_up > MAX_DURATION {
            return bad(
                "warm_up",
                format!("must be at most a year (got {:?})", self.warm_up),
            );
        }
        if self.min_calls == 0 {
            return bad("min_calls", "must be at least 1".into());
        }
        let ratio = |x: f64| (0.0..=1.0).contains(&x);
        if !ratio(self.threshold_floor) {
            return bad(
                "threshold_floor",
                format!("must be within [0, 1] (got {})", self.threshold_floor),
            );
        }
        if !ratio(self.threshold_ceiling) || self.threshold_ceiling < self.threshold_floor {
            return bad(
                "threshold_ceiling",
                format!(
                    "must be within [threshold_floor, 1] (got {} with a floor of {})",
                    self.threshold_ceiling, self.threshold_floor
                ),
            );
        }
        if !(self.significance > 0.0 && self.significance < 0.5) {
            return bad(
                "significance",
                format!("must be within (0, 0.5) (got {})", self.significance),
            );
        }
        if !(self.max_rise_per_hour.is_finite() && self.max_rise_per_hour >= 1.0) {
            return bad(
                "max_rise_per_hour",
                format!(
                    "must be a finite factor of at least 1 (got {})",
                    self.max_rise_per_hour
                ),
            );
        }
        if let Some(multiple) = self.slow_call_p99_multiple {
            if !(multiple.is_finite() && multiple >= 1.0) {
                return bad(
                    "slow_call_p99_multiple",
                    format!("must be a finite factor of at least 1 (got {multiple})"),
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid_and_as_documented() {
        let s = AdaptiveSettings::default();
        assert_eq!(s.validate(), Ok(()));
        assert_eq!(s.learning_horizon, Duration::from_secs(1800));
        assert_eq!(
            (s.threshold_floor, s.threshold_ceiling, s.significance),
            (0.05, 0.8, 1e-7)
        );
        assert_eq!(s.slow_call_p99_multiple, Some(3.0));
    }

    #[test]
    fn each_broken_rule_names_its_field() {
        let d = AdaptiveSettings::default;
        for (settings, field) in [
            (
                AdaptiveSettings {
                    learning_horizon: Duration::ZERO,
                    ..d()
                },
                "learning_horizon",
            ),
            (
                AdaptiveSettings {
                    warm_up: Duration::MAX,
                    ..d()
                },
                "warm_up",
            ),
            (
                AdaptiveSettings {
                    min_calls: 0,
                    ..d()
                },
                "min_calls",
            ),
            (
                AdaptiveSettings {
                    threshold_floor: f64::NAN,
                    ..d()
                },
                "threshold_floor",
            ),
            (
                AdaptiveSettings {
                    threshold_ceiling: 0.01,
                    ..d()
                },
                "threshold_ceiling",
            ),
            (
                AdaptiveSettings {
                    significance: 0.0,
                    ..d()
                },
                "significance",
            ),
            (
                AdaptiveSettings {
                    max_rise_per_hour: 0.5,
                    ..d()
                },
                "max_rise_per_hour",
            ),
            (
                AdaptiveSettings {
                    slow_call_p99_multiple: Some(f64::INFINITY),
                    ..d()
                },
                "slow_call_p99_multiple",
            ),
        ] {
            assert_eq!(settings.validate().unwrap_err().field(), field);
        }
    }
}
