//! Permits: the right to make one call, and the place its outcome comes back.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::CircuitBreaker;
use crate::clock::duration_to_nanos;

/// How a call ended, as the breaker counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It worked.
    Success,
    /// It failed; counts towards tripping.
    Failure,
    /// It timed out: a failure that also counts in `timeout_count`.
    Timeout,
    /// Neutral: counted, but neither success nor failure (e.g. the caller's
    /// own 4xx).
    Ignored,
    /// The permit was dropped without an outcome (a cancelled future, an
    /// early return). Never a success or a failure.
    Cancelled,
}

impl Outcome {
    /// The outcome's name: `success`, `failure`, `timeout`, `ignored`,
    /// `cancelled`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Timeout => "timeout",
            Self::Ignored => "ignored",
            Self::Cancelled => "cancelled",
        }
    }

    /// Whether it counts in the failure rate's denominator.
    pub(crate) const fn is_judged(self) -> bool {
        matches!(self, Self::Success | Self::Failure | Self::Timeout)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// No probe ticket: the permit was admitted by a CLOSED or FORCED_CLOSED
/// breaker. Probe tickets start at 1.
pub(crate) const NO_PROBE: u64 = 0;
/// No latency handed in: the breaker measures it.
const NO_LATENCY: u64 = u64::MAX;

/// The right to make one call through a breaker.
///
/// Report how the call went with one of the `record_*` methods. Dropping
/// the permit without recording (a cancelled future, an early `?`) counts
/// the call as cancelled: its half-open slot, if any, is released, and it is
/// neither a success nor a failure.
///
/// The call's latency runs from [`CircuitBreaker::try_acquire`] to the
/// record, on the breaker's clock; if you measured it yourself, hand it in
/// with [`set_latency`](Self::set_latency) and the breaker reads no clock at
/// record time.
#[must_use = "dropping a permit without recording counts the call as cancelled"]
pub struct Permit<'a> {
    pub(crate) breaker: &'a CircuitBreaker,
    pub(crate) epoch: u64,
    pub(crate) start: u64,
    pub(crate) probe: u64,
    latency: u64,
    retry_after: u64,
    done: bool,
}

impl<'a> Permit<'a> {
    #[inline]
    pub(crate) fn new(breaker: &'a CircuitBreaker, epoch: u64, start: u64, probe: u64) -> Self {
        Self {
            breaker,
            epoch,
            start,
            probe,
            latency: NO_LATENCY,
            retry_after: 0,
            done: false,
        }
    }

    /// Uses this latency instead of measuring one.
    ///
    /// The breaker then reads no clock at record time: the outcome is dated
    /// acquire time + `latency`, which is when it happened. With a
    /// manual clock that has not moved, that date lies in
    /// the clock's future, so e.g. an open period started by this outcome
    /// ends `latency` later than one started at the clock's now.
    #[inline]
    pub fn set_latency(&mut self, latency: Duration) {
        self.latency = duration_to_nanos(latency).min(NO_LATENCY - 1);
    }

    /// A hint from the backend (e.g. HTTP `Retry-After`): if this call's
    /// failure opens the breaker, it stays open at least this long.
    #[inline]
    pub fn set_retry_after(&mut self, retry_after: Duration) {
        self.retry_after = duration_to_nanos(retry_after);
    }

    /// Whether this permit is a half-open probe.
    #[inline]
    pub fn is_probe(&self) -> bool {
        self.probe != NO_PROBE
    }

    /// The call succeeded.
    #[inline]
    pub fn record_success(self) {
        self.record(Outcome::Success);
    }

    /// The call failed.
    #[inline]
    pub fn record_failure(self) {
        self.record(Outcome::Failure);
    }

    /// The call timed out (a failure that is also counted as a timeout).
    #[inline]
    pub fn record_timeout(self) {
        self.record(Outcome::Timeout);
    }

    /// The call's outcome says nothing about the backend's health.
    #[inline]
    pub fn record_ignored(self) {
        self.record(Outcome::Ignored);
    }

    /// Records any outcome; [`Outcome::Cancelled`] is the same as dropping.
    #[inline]
    pub fn record(mut self, outcome: Outcome) {
        self.finish(outcome);
    }

    #[inline]
    fn finish(&mut self, outcome: Outcome) {
        self.done = true;
        let (end, latency) = if self.latency == NO_LATENCY {
            let now = self.breaker.clock.now_nanos();
            (now, now.saturating_sub(self.start))
        } else {
            (self.start.saturating_add(self.latency), self.latency)
        };
        let retry_after = (self.retry_after != 0).then_some(self.retry_after);
        self.breaker
            .finish(self, outcome, end, latency, retry_after);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.finish(Outcome::Cancelled);
        }
    }
}

impl fmt::Debug for Permit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit")
            .field("breaker", &self.breaker.name())
            .field("epoch", &self.epoch)
            .field("probe", &self.is_probe())
            .finish_non_exhaustive()
    }
}
