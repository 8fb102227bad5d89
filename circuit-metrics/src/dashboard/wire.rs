//! The JSON the dashboard serves: `/api/breakers` and the `data` of each
//! server-sent event. `docs/dashboard.md` describes every field.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use circuit_core::{Config, State, TransitionReason, TransitionRecord};
use serde::Serialize;

/// A breaker as of the last one-second tick: the `tick` event's entries,
/// and the head of each `/api/breakers` entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(super) struct Live {
    pub(super) name: String,
    /// `closed`, `open`, `half-open`, `forced-open`, `forced-closed`.
    pub(super) state: State,
    /// The worst state seen during the last second (so a short open
    /// period still shows on the strip).
    pub(super) worst: State,
    pub(super) failure_rate: f64,
    pub(super) slow_call_rate: f64,
    pub(super) window_calls: u64,
    pub(super) calls_per_s: u64,
    pub(super) failures_per_s: u64,
    pub(super) rejections_per_s: u64,
    /// `None` when no fallback count is registered for this breaker.
    pub(super) fallbacks_per_s: Option<u64>,
    pub(super) backoff_ms: u64,
    /// While open: time until a probe is allowed.
    pub(super) retry_after_ms: Option<u64>,
    /// In half-open: probes that succeeded so far (of `max_requests`).
    pub(super) probe_successes: u32,
    /// The share of calls admitted: 1 outside a recovery ramp.
    pub(super) admitted_share: f64,
    pub(super) consecutive_failures: u32,
    pub(super) trips: u64,
    pub(super) rejected_total: u64,
}

/// The thresholds a breaker trips at, from its current config.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(super) struct Thresholds {
    pub(super) failure_rate: f64,
    /// `None` when the slow-call trigger is off.
    pub(super) slow_call_rate: Option<f64>,
    pub(super) slow_call_ms: u64,
    pub(super) min_requests: u32,
    pub(super) max_failures: u32,
    pub(super) max_requests: u32,
    pub(super) recovery_timeout_ms: u64,
}

impl Thresholds {
    pub(super) fn of(config: &Config) -> Self {
        Self {
            failure_rate: config.failure_threshold,
            slow_call_rate: config.slow_call_rate_threshold,
            slow_call_ms: millis(config.slow_call_threshold),
            min_requests: config.min_requests,
            max_failures: config.max_failures,
            max_requests: config.max_requests,
            recovery_timeout_ms: millis(config.recovery_timeout),
        }
    }
}

/// One transition: the `transition` event, and the entries of each
/// breaker's `transitions` list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(super) struct Transition {
    pub(super) name: String,
    pub(super) from: State,
    pub(super) to: State,
    /// In words (`tripped: failure rate 60.0% >= 50.0%`).
    pub(super) reason: String,
    /// The same, structured as circuit-core serialises it.
    pub(super) cause: TransitionReason,
    /// Wall-clock time, Unix milliseconds.
    pub(super) at_ms: u64,
}

impl Transition {
    pub(super) fn of(name: &str, record: &TransitionRecord) -> Self {
        Self {
            name: name.to_owned(),
            from: record.from,
            to: record.to,
            reason: record.reason.to_string(),
            cause: record.reason.clone(),
            at_ms: unix_millis(record.wall_time),
        }
    }
}

/// Calls rejected since the last `rejections` event of this breaker.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(super) struct Rejections {
    pub(super) name: String,
    pub(super) count: u64,
    pub(super) state: State,
    /// `open`, `forced-open`, `half-open-full` or `ramping`
    /// (circuit-core's `RejectReason`, inferred from the state).
    pub(super) reason: &'static str,
}

/// The `reconfigured` event: `reconfigure` swapped in a new config.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(super) struct Reconfigured {
    pub(super) name: String,
    /// The fields that differ, in declaration order.
    pub(super) changed: Vec<&'static str>,
    pub(super) thresholds: Thresholds,
    /// The whole new config, with human durations.
    pub(super) config: Arc<Config>,
}

/// The last five minutes of a breaker, one entry per second, oldest
/// first; the newest second ended at `end_ms`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(super) struct History {
    pub(super) end_ms: u64,
    /// Worst state of each second as a digit: 0 closed, 1 open,
    /// 2 half-open, 3 forced-open, 4 forced-closed.
    pub(super) states: String,
    pub(super) calls: Vec<u32>,
    pub(super) failures: Vec<u32>,
    pub(super) rejections: Vec<u32>,
    pub(super) fallbacks: Option<Vec<u32>>,
}

/// One entry of `/api/breakers`.
#[derive(Debug, Clone, Serialize)]
pub(super) struct BreakerView<'a> {
    #[serde(flatten)]
    pub(super) live: &'a Live,
    pub(super) thresholds: Thresholds,
    /// The current config, with human durations (what `reconfigure`
    /// takes, field by field).
    pub(super) config: Arc<Config>,
    /// The last transitions, oldest first.
    pub(super) transitions: Vec<Transition>,
    pub(super) history: History,
}

/// `/api/breakers`.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Snapshot<'a> {
    pub(super) generated_ms: u64,
    /// Whether control actions are enabled (they still need the token).
    pub(super) control: bool,
    pub(super) tick_ms: u64,
    pub(super) history_seconds: usize,
    pub(super) breakers: Vec<BreakerView<'a>>,
    pub(super) hidden: Hidden,
}

/// The `tick` event.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Tick<'a> {
    pub(super) t_ms: u64,
    pub(super) breakers: Vec<&'a Live>,
    pub(super) hidden: Hidden,
}

/// Breakers the set left out of `breakers` to stay under its bound (the
/// keys of a registry past `max_keys`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub(super) struct Hidden {
    pub(super) count: usize,
    /// Of those, how many are not CLOSED (only when more breakers are
    /// unhealthy than the bound lets the page list).
    pub(super) not_closed: usize,
}

/// The `breakers` event: the set changed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(super) struct Membership {
    pub(super) added: Vec<String>,
    pub(super) removed: Vec<String>,
}

/// The `control` event, and the answer to a control action.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(super) struct ControlDone {
    pub(super) name: String,
    pub(super) action: &'static str,
    pub(super) from: State,
    pub(super) to: State,
    /// For `reconfigure`: the config fields it changed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) changed: Vec<&'static str>,
    pub(super) peer: String,
}

/// A refused control action's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(super) struct Refusal {
    pub(super) error: String,
}

pub(super) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

pub(super) fn unix_millis(t: SystemTime) -> u64 {
    millis(t.duration_since(UNIX_EPOCH).unwrap_or_default())
}
