//! What a learning policy sees of the breaker, and what it reports back.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::WindowSnapshot;
use crate::metrics::duration_nanos;
use crate::{Config, State};

/// A bucket of the window that has just closed, as
/// [`TripPolicy::observe`](super::TripPolicy::observe) sees it.
///
/// The window is a ring of ten buckets of `monitor_window / 10`; a bucket
/// closes when the first outcome of a later bucket arrives (so a quiet
/// breaker reports nothing until its next call), or when a fresh window
/// starts (a close, a reset, a new `monitor_window`), which closes the
/// bucket in progress early.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Observation {
    /// Clock time (since the clock's origin) when the bucket began.
    pub start: Duration,
    /// Time from `start` to the start of the next bucket that has a call:
    /// the bucket itself plus the quiet buckets after it (a rotation can
    /// skip many at once). Shorter than a bucket when a fresh window ends
    /// the bucket early.
    pub span: Duration,
    /// The bucket's own counts; `consecutive_failures` is the failure run
    /// when it closed.
    pub bucket: WindowSnapshot,
    /// The window as the breaker last judged it in this bucket: this
    /// bucket and the ones before it still in the window.
    pub window: WindowSnapshot,
    /// The breaker's state when the bucket closed.
    pub state: State,
    /// Whether a recovery ramp was running (only part of the traffic was
    /// admitted).
    pub ramping: bool,
    /// Whether the breaker was CLOSED with full traffic through the whole
    /// bucket: no transition, no recovery ramp, no forced state. Only such
    /// a bucket shows the backend's normal.
    pub steady: bool,
    /// Whether a fresh window starts after this bucket (a close, a reset,
    /// a new `monitor_window`): this bucket and the ones before it leave
    /// the window at once. Otherwise the window keeps the buckets of the
    /// last `monitor_window` (ten buckets, this one included, until they
    /// age out).
    pub restarts_window: bool,
}

/// The thresholds a breaker judges its window by, as its trip policy
/// reports them ([`TripPolicy::thresholds`](super::TripPolicy::thresholds))
/// and [`Metrics::thresholds`](crate::Metrics::thresholds) shows them.
///
/// For [`DefaultTripPolicy`](super::DefaultTripPolicy) they are the
/// config's; a learning policy reports the ones it has learned, for a
/// window holding as many calls as the current one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Thresholds {
    /// Consecutive failures that open the breaker.
    pub max_failures: u32,
    /// The window's failure rate at or above which it opens.
    pub failure_rate: f64,
    /// Calls the window needs before a rate can open it.
    pub min_requests: u32,
    /// A call slower than this is slow (integer nanoseconds in JSON).
    #[serde(with = "duration_nanos")]
    pub slow_call: Duration,
    /// The window's slow-call rate at or above which it opens; `None`:
    /// slow calls never open it.
    pub slow_call_rate: Option<f64>,
    /// Whether these were learned from the backend's traffic (`false`:
    /// they are the config's).
    pub learned: bool,
}

impl Thresholds {
    /// The config's own thresholds.
    pub fn of(config: &Config) -> Self {
        Self {
            max_failures: config.max_failures,
            failure_rate: config.failure_threshold,
            min_requests: config.min_requests,
            slow_call: config.slow_call_threshold,
            slow_call_rate: config.slow_call_rate_threshold,
            learned: false,
        }
    }
}

/// The default config's thresholds (what a snapshot written before
/// thresholds were reported reads as).
impl Default for Thresholds {
    fn default() -> Self {
        Self::of(&Config::default())
    }
}
