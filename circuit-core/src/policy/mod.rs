//! The CLOSED → OPEN decision, as a pure function of the window, and
//! what a policy may learn from the breaker.
//!
//! * `mod.rs`: the [`TripPolicy`] trait and [`WindowSnapshot`].
//! * `default.rs`: [`DefaultTripPolicy`], the seed design's triggers.
//! * `reason.rs`: [`TripReason`].
//! * `observe.rs`: what a learning policy sees ([`Observation`]) and
//!   reports ([`Thresholds`]).

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use crate::{Config, Outcome};

mod default;
mod observe;
mod reason;

pub use default::DefaultTripPolicy;
pub use observe::{Observation, Thresholds};
pub use reason::TripReason;

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
/// A policy that learns (such as [`AdaptivePolicy`](crate::AdaptivePolicy))
/// also hears of every bucket of the window as it closes
/// ([`observe`](Self::observe)), may ask for every call's latency
/// ([`wants_latencies`](Self::wants_latencies)), may move the slow-call
/// threshold ([`slow_call_threshold`](Self::slow_call_threshold)) and says
/// which thresholds are in effect ([`thresholds`](Self::thresholds), read
/// into [`Metrics::thresholds`](crate::Metrics::thresholds)). Every method
/// but `should_trip` has a default, so a custom policy can be one method.
///
/// All methods but [`record_latency`](Self::record_latency) run under the
/// breaker's internal lock: they must be quick, must not block, and must
/// not call back into the breaker (that would deadlock). The breaker calls
/// them before it changes any state, so a panic in them leaves the breaker
/// as it was.
///
/// Replace the policy to add adaptive thresholds or other custom
/// transitions; call [`DefaultTripPolicy`] from yours to keep the standard
/// triggers. A custom policy that does not override `may_trip_on_success`
/// is asked about every success: correct, at the cost of the lock on the
/// success path.
///
/// One policy value serves one breaker: a policy that learns from what it
/// observes would mix two breakers' traffic if shared.
pub trait TripPolicy: Send + Sync + fmt::Debug {
    /// `Some(reason)` opens the breaker.
    fn should_trip(&self, window: &WindowSnapshot, config: &Config) -> Option<TripReason>;

    /// Whether a success recorded next, with nothing else recorded in
    /// between, could make [`should_trip`](Self::should_trip) fire on the
    /// window it would leave; and so on for every further success, until
    /// something else is recorded, a bucket rotates or the policy observes
    /// something. `window` is the window now, after the last judged
    /// outcome. The default, `true`, judges every success.
    fn may_trip_on_success(&self, window: &WindowSnapshot, config: &Config) -> bool {
        let _ = (window, config);
        true
    }

    /// A bucket of the window has closed (see [`Observation`]). Called
    /// under the lock, in every state, once per bucket, before the breaker
    /// moves on; a rotation that skips quiet buckets reports them in
    /// [`Observation::span`]. The default ignores it.
    fn observe(&self, observation: &Observation, config: &Config) {
        let _ = (observation, config);
    }

    /// Whether the breaker should hand every finished call to
    /// [`record_latency`](Self::record_latency). Asked once, when the
    /// breaker is built: a policy that answers `false` (the default) adds
    /// nothing to the call path.
    fn wants_latencies(&self) -> bool {
        false
    }

    /// A call finished with this outcome after this latency (any outcome,
    /// any state, stale calls included). Only called if
    /// [`wants_latencies`](Self::wants_latencies) said yes. Runs on the
    /// caller's thread *outside* the breaker's lock, on every call: it must
    /// not block or allocate.
    fn record_latency(&self, outcome: Outcome, latency: Duration) {
        let _ = (outcome, latency);
    }

    /// The slow-call threshold in effect: a call slower than this counts
    /// as slow. The breaker reads it when it is built, when it is
    /// reconfigured and after each [`observe`](Self::observe), and caches
    /// it for the call path. The default is the config's
    /// `slow_call_threshold`.
    fn slow_call_threshold(&self, config: &Config) -> Duration {
        config.slow_call_threshold
    }

    /// The thresholds in effect for a window like `window`, for metrics and
    /// dashboards. The default reports the config's, with
    /// [`slow_call_threshold`](Self::slow_call_threshold).
    fn thresholds(&self, window: &WindowSnapshot, config: &Config) -> Thresholds {
        let _ = window;
        Thresholds {
            slow_call: self.slow_call_threshold(config),
            ..Thresholds::of(config)
        }
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

    fn observe(&self, observation: &Observation, config: &Config) {
        (**self).observe(observation, config);
    }

    fn wants_latencies(&self) -> bool {
        (**self).wants_latencies()
    }

    fn record_latency(&self, outcome: Outcome, latency: Duration) {
        (**self).record_latency(outcome, latency);
    }

    fn slow_call_threshold(&self, config: &Config) -> Duration {
        (**self).slow_call_threshold(config)
    }

    fn thresholds(&self, window: &WindowSnapshot, config: &Config) -> Thresholds {
        (**self).thresholds(window, config)
    }
}
