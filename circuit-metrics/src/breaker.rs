//! A circuit breaker as a metric source, and the table of its metrics.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use circuit_core::{CircuitBreaker, Metrics, State};

use crate::latency::LatencyRecorder;
use crate::model::{AttributeValue, Descriptor, Kind, Sample, Unit, Value};
use crate::source::MetricSource;

const BREAKER: &[&str] = &["breaker"];
const BREAKER_OUTCOME: &[&str] = &["breaker", "outcome"];
const BREAKER_RULE: &[&str] = &["breaker", "rule"];

/// 1 for the breaker's current state, 0 for the other four: one series per
/// state (`closed`, `open`, `half-open`, `forced-open`, `forced-closed`).
pub static STATE: Descriptor = Descriptor::new(
    "circuit_breaker.state",
    Kind::Gauge,
    Unit::Flag,
    "1 for the breaker's current state, 0 for the others.",
    &["breaker", "state"],
);
/// Finished calls by outcome (`success`, `failure`, `timeout`, `ignored`,
/// `cancelled`); the outcomes are disjoint and add up to `total_requests`.
pub static CALLS: Descriptor = Descriptor::new(
    "circuit_breaker.calls",
    Kind::Counter,
    Unit::Count("call"),
    "Calls the breaker admitted that finished, by outcome.",
    BREAKER_OUTCOME,
);
/// Calls rejected without running.
pub static REJECTED_CALLS: Descriptor = Descriptor::new(
    "circuit_breaker.rejected_calls",
    Kind::Counter,
    Unit::Count("call"),
    "Calls rejected without running because the breaker was open, half-open and full, or forced open.",
    BREAKER,
);
/// Calls slower than `slow_call_threshold`, whatever their outcome.
pub static SLOW_CALLS: Descriptor = Descriptor::new(
    "circuit_breaker.slow_calls",
    Kind::Counter,
    Unit::Count("call"),
    "Calls slower than the slow-call threshold.",
    BREAKER,
);
/// Times the breaker tripped open (forced opens not included).
pub static TRIPS: Descriptor = Descriptor::new(
    "circuit_breaker.trips",
    Kind::Counter,
    Unit::Count("trip"),
    "Times the breaker tripped open.",
    BREAKER,
);
/// Entries into HALF_OPEN.
pub static RECOVERY_ATTEMPTS: Descriptor = Descriptor::new(
    "circuit_breaker.recovery_attempts",
    Kind::Counter,
    Unit::Count("attempt"),
    "Times the breaker went half-open to probe the backend.",
    BREAKER,
);
/// Judged calls in the sliding window, `success` or `failure`.
pub static WINDOW_CALLS: Descriptor = Descriptor::new(
    "circuit_breaker.window.calls",
    Kind::Gauge,
    Unit::Count("call"),
    "Successful and failed calls in the sliding window.",
    BREAKER_OUTCOME,
);
/// Slow calls in the sliding window.
pub static WINDOW_SLOW_CALLS: Descriptor = Descriptor::new(
    "circuit_breaker.window.slow_calls",
    Kind::Gauge,
    Unit::Count("call"),
    "Slow calls in the sliding window.",
    BREAKER,
);
/// The window's failure ratio (0 to 1), the number the trip rule compares
/// with `failure_threshold`.
pub static WINDOW_FAILURE_RATIO: Descriptor = Descriptor::new(
    "circuit_breaker.window.failure_ratio",
    Kind::Gauge,
    Unit::Ratio,
    "Failed calls over judged calls in the sliding window, 0 to 1.",
    BREAKER,
);
/// The window's slow-call ratio (0 to 1).
pub static WINDOW_SLOW_CALL_RATIO: Descriptor = Descriptor::new(
    "circuit_breaker.window.slow_call_ratio",
    Kind::Gauge,
    Unit::Ratio,
    "Slow calls over judged calls in the sliding window, 0 to 1.",
    BREAKER,
);
/// The current run of failures.
pub static CONSECUTIVE_FAILURES: Descriptor = Descriptor::new(
    "circuit_breaker.consecutive_failures",
    Kind::Gauge,
    Unit::Count("call"),
    "The current run of consecutive failures.",
    BREAKER,
);
/// The backoff part of the current or last open period.
pub static BACKOFF: Descriptor = Descriptor::new(
    "circuit_breaker.backoff",
    Kind::Gauge,
    Unit::Seconds,
    "Backoff added to the recovery timeout for the current open period; 0 once closed.",
    BREAKER,
);
/// While open: time until a probe is allowed; otherwise 0.
pub static RETRY_AFTER: Descriptor = Descriptor::new(
    "circuit_breaker.retry_after",
    Kind::Gauge,
    Unit::Seconds,
    "While open, seconds until a probe will be allowed; 0 otherwise.",
    BREAKER,
);
/// Wall-clock time of the last state change.
pub static LAST_STATE_CHANGE: Descriptor = Descriptor::new(
    "circuit_breaker.last_state_change",
    Kind::Gauge,
    Unit::UnixSeconds,
    "Unix time of the last state change (creation if none).",
    BREAKER,
);
/// The rate thresholds the trip policy judges the window by now, by rule
/// (`failure`, and `slow_call` when slow calls can open the breaker):
/// the config's, or learned ones (`circuit_core::AdaptivePolicy`).
pub static THRESHOLD_RATIO: Descriptor = Descriptor::new(
    "circuit_breaker.threshold.ratio",
    Kind::Gauge,
    Unit::Ratio,
    "Window failure (or slow-call) ratio at or above which the breaker opens now, 0 to 1.",
    BREAKER_RULE,
);
/// Consecutive failures that open the breaker now.
pub static THRESHOLD_CONSECUTIVE_FAILURES: Descriptor = Descriptor::new(
    "circuit_breaker.threshold.consecutive_failures",
    Kind::Gauge,
    Unit::Count("call"),
    "Consecutive failures that open the breaker now.",
    BREAKER,
);
/// Latency above which a call counts as slow now.
pub static THRESHOLD_SLOW_CALL: Descriptor = Descriptor::new(
    "circuit_breaker.threshold.slow_call",
    Kind::Gauge,
    Unit::Seconds,
    "Latency above which a call counts as slow now.",
    BREAKER,
);
/// 1 when the thresholds are learned from the backend's traffic, 0 when
/// they are the config's.
pub static THRESHOLD_LEARNED: Descriptor = Descriptor::new(
    "circuit_breaker.threshold.learned",
    Kind::Gauge,
    Unit::Flag,
    "1 when the thresholds were learned from the backend's traffic, 0 when they are the config's.",
    BREAKER,
);
/// Latency of finished calls by outcome (needs a [`LatencyRecorder`]).
pub static CALL_DURATION: Descriptor = Descriptor::new(
    "circuit_breaker.call.duration",
    Kind::Histogram,
    Unit::Seconds,
    "Latency of calls the breaker admitted, by outcome.",
    BREAKER_OUTCOME,
);

/// Every metric a breaker reports, in export order.
pub static BREAKER_METRICS: [&Descriptor; 19] = [
    &STATE,
    &CALLS,
    &REJECTED_CALLS,
    &SLOW_CALLS,
    &TRIPS,
    &RECOVERY_ATTEMPTS,
    &WINDOW_CALLS,
    &WINDOW_SLOW_CALLS,
    &WINDOW_FAILURE_RATIO,
    &WINDOW_SLOW_CALL_RATIO,
    &CONSECUTIVE_FAILURES,
    &BACKOFF,
    &RETRY_AFTER,
    &LAST_STATE_CHANGE,
    &THRESHOLD_RATIO,
    &THRESHOLD_CONSECUTIVE_FAILURES,
    &THRESHOLD_SLOW_CALL,
    &THRESHOLD_LEARNED,
    &CALL_DURATION,
];

/// A breaker registered with a [`Collector`](crate::Collector), with its
/// latency histograms if a [`LatencyRecorder`] listens to it.
#[derive(Clone)]
pub struct BreakerSource {
    breaker: Arc<CircuitBreaker>,
    latency: Option<LatencyRecorder>,
    fallbacks: Option<FallbackCount>,
}

/// Reads how many calls through a breaker a fallback answered, so far.
pub type FallbackCount = Arc<dyn Fn() -> u64 + Send + Sync>;

impl fmt::Debug for BreakerSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BreakerSource")
            .field("breaker", &self.breaker.name())
            .field("latency", &self.latency.is_some())
            .field("fallbacks", &self.fallbacks.is_some())
            .finish()
    }
}

impl BreakerSource {
    /// Reports `breaker`'s snapshot ([`CircuitBreaker::metrics`]).
    pub fn new(breaker: Arc<CircuitBreaker>) -> Self {
        Self {
            breaker,
            latency: None,
            fallbacks: None,
        }
    }

    /// Also reports `recorder`'s histograms as `circuit_breaker.call.duration`;
    /// `recorder` should be a listener of this breaker.
    #[must_use]
    pub fn with_latency(mut self, recorder: LatencyRecorder) -> Self {
        self.latency = Some(recorder);
        self
    }

    /// Also says how many of this breaker's calls a fallback answered
    /// (for a KOL client: `move || client.client_stats().fallback_responses`),
    /// so that the dashboard shows fallbacks per second. `count` must be
    /// cheap and never decrease; it is read about once a second.
    #[must_use]
    pub fn with_fallbacks(mut self, count: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        self.fallbacks = Some(Arc::new(count));
        self
    }

    /// The breaker.
    pub fn breaker(&self) -> &Arc<CircuitBreaker> {
        &self.breaker
    }

    /// Fallback answers so far, if [`with_fallbacks`](Self::with_fallbacks)
    /// said how to count them.
    pub fn fallbacks(&self) -> Option<u64> {
        self.fallbacks.as_ref().map(|count| count())
    }

    /// How to count fallback answers, for a reader that outlives this
    /// source (the dashboard keeps no breaker alive between sweeps).
    #[cfg(feature = "dashboard")]
    pub(crate) fn fallback_count(&self) -> Option<FallbackCount> {
        self.fallbacks.clone()
    }
}

impl MetricSource for BreakerSource {
    fn name(&self) -> Cow<'_, str> {
        Cow::Owned(format!("circuit_breaker/{}", self.breaker.name()))
    }

    fn collect(&self, out: &mut Vec<Sample>) {
        let metrics = self.breaker.metrics();
        let name = Cow::Owned(metrics.name.clone());
        breaker_samples(&metrics, self.latency.as_ref(), name, None, out);
    }

    fn as_breaker(&self) -> Option<&BreakerSource> {
        Some(self)
    }
}

/// The samples of one breaker snapshot, in [`BREAKER_METRICS`] order,
/// labelled `breaker` and, for a registry's breaker, `key`.
pub(crate) fn breaker_samples(
    m: &Metrics,
    latency: Option<&LatencyRecorder>,
    name: AttributeValue,
    key: Option<AttributeValue>,
    out: &mut Vec<Sample>,
) {
    let keyed = |sample: Sample| match &key {
        Some(key) => sample.with_label("key", key.clone()),
        None => sample,
    };
    let one =
        |d: &'static Descriptor, value: Value| keyed(Sample::new(d, vec![name.clone()], value));
    let two = |d: &'static Descriptor, second: &'static str, value: Value| {
        keyed(Sample::new(
            d,
            vec![name.clone(), Cow::Borrowed(second)],
            value,
        ))
    };
    let seconds = |d: Duration| Value::Gauge(d.as_secs_f64());

    for state in State::ALL {
        out.push(two(
            &STATE,
            state.as_str(),
            Value::Gauge(if state == m.state { 1.0 } else { 0.0 }),
        ));
    }
    let failures_only = m.total_failures.saturating_sub(m.timeout_count);
    for (outcome, count) in [
        ("success", m.total_successes),
        ("failure", failures_only),
        ("timeout", m.timeout_count),
        ("ignored", m.total_ignored),
        ("cancelled", m.total_cancelled),
    ] {
        out.push(two(&CALLS, outcome, Value::Counter(count)));
    }
    out.push(one(&REJECTED_CALLS, Value::Counter(m.total_rejected)));
    out.push(one(&SLOW_CALLS, Value::Counter(m.total_slow)));
    out.push(one(&TRIPS, Value::Counter(m.circuit_open_count)));
    out.push(one(&RECOVERY_ATTEMPTS, Value::Counter(m.recovery_attempts)));
    let window_successes = m.window.calls.saturating_sub(m.window.failures);
    out.push(two(
        &WINDOW_CALLS,
        "success",
        Value::Gauge(window_successes as f64),
    ));
    out.push(two(
        &WINDOW_CALLS,
        "failure",
        Value::Gauge(m.window.failures as f64),
    ));
    out.push(one(
        &WINDOW_SLOW_CALLS,
        Value::Gauge(m.window.slow_calls as f64),
    ));
    out.push(one(
        &WINDOW_FAILURE_RATIO,
        Value::Gauge(m.window.failure_rate),
    ));
    out.push(one(
        &WINDOW_SLOW_CALL_RATIO,
        Value::Gauge(m.window.slow_call_rate),
    ));
    out.push(one(
        &CONSECUTIVE_FAILURES,
        Value::Gauge(f64::from(m.consecutive_failures)),
    ));
    out.push(one(&BACKOFF, seconds(m.current_backoff)));
    out.push(one(
        &RETRY_AFTER,
        seconds(m.retry_after.unwrap_or_default()),
    ));
    let since_epoch = m
        .last_state_change
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    out.push(one(&LAST_STATE_CHANGE, seconds(since_epoch)));
    let t = &m.thresholds;
    out.push(two(
        &THRESHOLD_RATIO,
        "failure",
        Value::Gauge(t.failure_rate),
    ));
    if let Some(slow) = t.slow_call_rate {
        out.push(two(&THRESHOLD_RATIO, "slow_call", Value::Gauge(slow)));
    }
    out.push(one(
        &THRESHOLD_CONSECUTIVE_FAILURES,
        Value::Gauge(f64::from(t.max_failures)),
    ));
    out.push(one(&THRESHOLD_SLOW_CALL, seconds(t.slow_call)));
    out.push(one(
        &THRESHOLD_LEARNED,
        Value::Gauge(if t.learned { 1.0 } else { 0.0 }),
    ));
    if let Some(recorder) = latency {
        for (outcome, histogram) in recorder.snapshots() {
            out.push(two(
                &CALL_DURATION,
                outcome.as_str(),
                Value::Histogram(Arc::new(histogram)),
            ));
        }
    }
}

#[cfg(test)]
mod tests;
