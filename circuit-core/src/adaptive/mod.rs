//! Adaptive thresholds: a trip policy that learns the backend's normal.
//!
//! * `mod.rs`: [`AdaptivePolicy`], the [`TripPolicy`].
//! * `settings.rs`: [`AdaptiveSettings`] and their defaults.
//! * `learner.rs`: the learned baseline: faded counts of steady buckets,
//!   when learning pauses, when it is ready.
//! * `rate.rs`: one learned rate, its dispersion, the bounded upward pace.
//! * `bound.rs`: the statistical bound a window is judged by.
//! * `sketch.rs`: the latency quantile sketch.
//! * `judge.rs`: judging a window (the config's rules or the learned ones).
//! * `baseline.rs`: [`Baseline`], what [`AdaptivePolicy::baseline`] reports.

use std::fmt;
use std::time::Duration;

use crate::policy::{Observation, Thresholds, TripPolicy, TripReason, WindowSnapshot};
use crate::sync::{Mutex, lock};
use crate::{Config, ConfigError, Outcome};

mod baseline;
mod bound;
mod judge;
mod learner;
mod rate;
mod settings;
mod sketch;
#[cfg(test)]
mod tests;

pub use baseline::Baseline;
pub use settings::AdaptiveSettings;

use learner::Learner;
use sketch::Recorder;

/// A [`TripPolicy`] that learns the backend's normal failure rate and
/// latency, and opens the breaker when the window departs from that normal
/// by a margin that is statistically meaningful for the number of calls.
///
/// ```
/// use circuit_core::{AdaptivePolicy, CircuitBreaker};
/// use std::sync::Arc;
///
/// let policy = Arc::new(AdaptivePolicy::default());
/// let cb = CircuitBreaker::builder("kol-matcher")
///     .trip_policy(Arc::clone(&policy))
///     .build()?;
/// cb.try_acquire().unwrap().record_success();
/// // Until it has learned enough, the config's thresholds apply.
/// assert!(!policy.baseline().ready);
/// # Ok::<(), circuit_core::ConfigError>(())
/// ```
///
/// `CircuitBreaker::builder(name).trip_policy(AdaptivePolicy::default())`
/// is all it takes; keep an `Arc` (as above) to read
/// [`baseline`](Self::baseline) or to [`forget`](Self::forget). The rest
/// of the [`Config`] keeps its meaning.
///
/// **What it learns.** From every bucket of the window (a tenth of
/// `monitor_window`) that closes while the breaker was steadily CLOSED
/// with full traffic, it learns the failure rate, how far a bucket's rate
/// strays from it beyond chance, the slow-call rate and (with
/// [`slow_call_p99_multiple`](AdaptiveSettings::slow_call_p99_multiple))
/// the latency of successful calls, each weighted by age over
/// [`learning_horizon`](AdaptiveSettings::learning_horizon) (30 min).
///
/// **When it trips.** Once ready (after
/// [`warm_up`](AdaptiveSettings::warm_up) of learning and
/// [`min_calls`](AdaptiveSettings::min_calls) calls), a window of `n`
/// calls with `k` failures opens the breaker when `n >= min_requests`, the
/// rate `k/n` is at least
/// [`threshold_floor`](AdaptiveSettings::threshold_floor) (5 %), and it is
/// either at least [`threshold_ceiling`](AdaptiveSettings::threshold_ceiling)
/// (80 %) or so far above the normal rate `p` that a window like it would
/// come by chance less than once in ten million judgments: `n · KL(k/n ‖ p)
/// / φ(n) >= ln(1/significance)`, the Chernoff bound on the binomial tail,
/// divided by the learned dispersion `φ`. The window's newest bucket is
/// also judged on its own the same way, so that a sharp rise trips within
/// seconds. Slow calls are judged the same way, against the learned slow-call rate, and a call is slow above 3×
/// the learned p99 (never later than `slow_call_threshold`). A run of
/// consecutive failures opens it when that run is as unlikely at the
/// normal rate (at least 3; 4 at a 1 % normal). These replace `max_failures`,
/// `failure_threshold` and `slow_call_rate_threshold`.
///
/// **What it never does.**
/// * *Learn from an incident*: a bucket is skipped while the breaker is
///   OPEN, HALF_OPEN, forced or in a recovery ramp, and while the bucket
///   or the window is past the thresholds in effect.
/// * *Follow a backend that worsens slowly*: learned rates, their spread
///   and the learned latency rise by at most
///   [`max_rise_per_hour`](AdaptiveSettings::max_rise_per_hour) (×2) per
///   hour of learning; improvements are followed with no cap.
/// * *Judge on too few calls*: until ready, and whenever the learned calls
///   fade below `min_calls` (a quiet backend), the config's thresholds
///   apply, exactly as [`DefaultTripPolicy`](crate::DefaultTripPolicy)'s.
///
/// **Reconfiguration** of the breaker keeps what was learned;
/// [`forget`](Self::forget) starts over.
///
/// The success path stays lock-free: [`TripPolicy::may_trip_on_success`]
/// is exact (the learned tests only get harder to pass with more calls).
/// One policy serves one breaker.
pub struct AdaptivePolicy {
    settings: AdaptiveSettings,
    learner: Mutex<Learner>,
    latencies: Recorder,
}

impl Default for AdaptivePolicy {
    /// The documented defaults ([`AdaptiveSettings::default`]).
    fn default() -> Self {
        Self::with_valid(AdaptiveSettings::default())
    }
}

impl AdaptivePolicy {
    /// A policy with these settings.
    ///
    /// # Errors
    /// [`ConfigError`] naming the first setting that breaks a rule.
    pub fn new(settings: AdaptiveSettings) -> Result<Self, ConfigError> {
        settings.validate()?;
        Ok(Self::with_valid(settings))
    }

    fn with_valid(settings: AdaptiveSettings) -> Self {
        Self {
            settings,
            learner: Mutex::new(Learner::default()),
            latencies: Recorder::default(),
        }
    }

    /// Its settings.
    pub fn settings(&self) -> &AdaptiveSettings {
        &self.settings
    }

    /// What it has learned so far, and the thresholds that gives.
    pub fn baseline(&self) -> Baseline {
        let learner = lock(&self.learner);
        let (failure_rate, spread, slow_call_rate, calls) = learner.rates();
        Baseline {
            ready: learner.model.learned.is_some(),
            learned_for: learner.learned_for,
            calls: calls.round() as u64,
            failure_rate,
            failure_rate_spread: spread,
            slow_call_rate,
            latency_p99: learner.p99(),
            thresholds: learner.last_thresholds,
            buckets_learned: learner.buckets_learned,
            buckets_not_steady: learner.buckets_not_steady,
            buckets_past_threshold: learner.buckets_past_threshold,
        }
    }

    /// Forgets everything learned: the config's thresholds apply again
    /// until the policy has warmed up anew. The breaker's cached slow-call
    /// threshold follows at its next bucket rotation.
    pub fn forget(&self) {
        *lock(&self.learner) = Learner::default();
        self.latencies.drain();
    }

    fn model(&self) -> judge::Model {
        lock(&self.learner).model
    }
}

impl TripPolicy for AdaptivePolicy {
    fn should_trip(&self, window: &WindowSnapshot, config: &Config) -> Option<TripReason> {
        self.model().should_trip(window, config)
    }

    fn may_trip_on_success(&self, window: &WindowSnapshot, config: &Config) -> bool {
        self.model().may_trip_on_success(window, config)
    }

    fn observe(&self, observation: &Observation, config: &Config) {
        let latencies = self.latencies.drain();
        lock(&self.learner).observe(observation, config, &latencies, &self.settings);
    }

    fn wants_latencies(&self) -> bool {
        self.settings.slow_call_p99_multiple.is_some()
    }

    fn record_latency(&self, outcome: Outcome, latency: Duration) {
        // Failures are often fast errors or timeouts: the normal latency
        // is that of the calls that worked.
        if outcome == Outcome::Success {
            self.latencies.record(latency);
        }
    }

    fn slow_call_threshold(&self, config: &Config) -> Duration {
        self.model().slow_call_threshold(config)
    }

    fn thresholds(&self, window: &WindowSnapshot, config: &Config) -> Thresholds {
        self.model().thresholds(window.calls, config)
    }
}

impl fmt::Debug for AdaptivePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdaptivePolicy")
            .field("settings", &self.settings)
            .field("baseline", &self.baseline())
            .finish()
    }
}
