//! Permits: the right to make one call, and the place its outcome comes back.

use std::fmt;
use std::sync::Arc;
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

/// What a permit knows about its call; shared by [`Permit`] and
/// [`OwnedPermit`].
#[derive(Debug)]
pub(crate) struct Ticket {
    pub(crate) epoch: u64,
    pub(crate) start: u64,
    pub(crate) probe: u64,
    latency: u64,
    retry_after: u64,
    done: bool,
}

/// How a finished call is handed to the breaker.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Finished {
    pub(crate) epoch: u64,
    pub(crate) start: u64,
    pub(crate) probe: u64,
    pub(crate) outcome: Outcome,
    /// When it ended on the breaker's clock: acquire time + latency. Read
    /// from the clock unless a latency was handed in; then it may lie past
    /// the clock's now until [`at_most`](Self::at_most) caps it.
    pub(crate) end: u64,
    /// Whether `end` was read from the clock (so is not in the future).
    pub(crate) end_is_now: bool,
    pub(crate) latency: u64,
    /// A Retry-After hint (ns), 0 for none.
    pub(crate) retry_after: u64,
}

impl Finished {
    /// Caps the end at `now`: a handed-in latency never dates an outcome
    /// past the clock's current time.
    #[inline]
    pub(crate) fn at_most(&mut self, now: impl FnOnce() -> u64) {
        if !self.end_is_now {
            self.end = self.end.min(now());
            self.end_is_now = true;
        }
    }
}

impl Ticket {
    #[inline]
    pub(crate) fn new(epoch: u64, start: u64, probe: u64) -> Self {
        Self {
            epoch,
            start,
            probe,
            latency: NO_LATENCY,
            retry_after: 0,
            done: false,
        }
    }

    #[inline]
    fn finish(&mut self, breaker: &CircuitBreaker, outcome: Outcome) {
        self.done = true;
        let (end, latency, end_is_now) = if self.latency == NO_LATENCY {
            let now = breaker.clock.now_nanos();
            (now, now.saturating_sub(self.start), true)
        } else {
            // No clock read on the fast path: the end is acquire time +
            // latency, capped at the clock's now wherever it could matter.
            (self.start.saturating_add(self.latency), self.latency, false)
        };
        breaker.finish(Finished {
            epoch: self.epoch,
            start: self.start,
            probe: self.probe,
            outcome,
            end,
            end_is_now,
            latency,
            retry_after: self.retry_after,
        });
    }
}

/// The methods both permit types share; each has a `breaker()` and a
/// `ticket` field.
macro_rules! permit_api {
    () => {
        /// Uses this latency instead of measuring one: the call is slow if
        /// it exceeds `slow_call_threshold`, and listeners see it. The
        /// outcome is dated acquire time + `latency`, which is when it
        /// happened, but never later than the clock's now: a latency longer
        /// than the permit was held cannot push the window or an open
        /// period into the future. A quick success then reads no clock at
        /// all.
        #[inline]
        pub fn set_latency(&mut self, latency: Duration) {
            self.ticket.latency = duration_to_nanos(latency).min(NO_LATENCY - 1);
        }

        /// A hint from the backend (e.g. HTTP `Retry-After`): if this call's
        /// failure opens the breaker, it stays open at least this long, up to
        /// [`Config::max_retry_after`](crate::Config::max_retry_after).
        #[inline]
        pub fn set_retry_after(&mut self, retry_after: Duration) {
            self.ticket.retry_after = duration_to_nanos(retry_after);
        }

        /// Whether this permit is a half-open probe.
        #[inline]
        pub fn is_probe(&self) -> bool {
            self.ticket.probe != NO_PROBE
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

        /// Records any outcome; [`Outcome::Cancelled`] is the same as
        /// dropping.
        #[inline]
        pub fn record(mut self, outcome: Outcome) {
            let breaker = &*self.breaker;
            self.ticket.finish(breaker, outcome);
        }
    };
}

/// The right to make one call through a breaker; borrows the breaker.
/// [`OwnedPermit`] holds an `Arc` instead, for futures that outlive a
/// borrow.
///
/// Report how the call went with one of the `record_*` methods. Dropping
/// the permit without recording (a cancelled future, an early `?`) counts
/// the call as cancelled: its half-open slot, if any, is released, and it is
/// neither a success nor a failure, unless it was held longer than
/// [`Config::abandoned_after`](crate::Config::abandoned_after), when it
/// counts as a timeout.
///
/// The call's latency runs from [`CircuitBreaker::try_acquire`] to the
/// record, on the breaker's clock; if you measured it yourself, hand it in
/// with [`set_latency`](Self::set_latency).
#[must_use = "dropping a permit without recording counts the call as cancelled"]
pub struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    pub(crate) ticket: Ticket,
}

impl<'a> Permit<'a> {
    #[inline]
    pub(crate) fn new(breaker: &'a CircuitBreaker, ticket: Ticket) -> Self {
        Self { breaker, ticket }
    }

    /// The breaker that admitted the call.
    pub fn breaker(&self) -> &'a CircuitBreaker {
        self.breaker
    }

    permit_api!();
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.ticket.done {
            self.ticket.finish(self.breaker, Outcome::Cancelled);
        }
    }
}

impl fmt::Debug for Permit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_permit(f, "Permit", self.breaker, &self.ticket)
    }
}

/// A [`Permit`] that owns a reference-counted breaker: `'static + Send`,
/// for futures and services that outlive a borrow (a tower `Service`'s
/// response future, a spawned task). Same rules as [`Permit`].
///
/// ```
/// use std::sync::Arc;
/// use circuit_core::CircuitBreaker;
///
/// let cb = Arc::new(CircuitBreaker::builder("kol-matcher").build().unwrap());
/// let permit = cb.try_acquire_owned().unwrap();
/// let handle = std::thread::spawn(move || permit.record_success());
/// handle.join().unwrap();
/// assert_eq!(cb.metrics().total_successes, 1);
/// ```
#[must_use = "dropping a permit without recording counts the call as cancelled"]
pub struct OwnedPermit {
    breaker: Arc<CircuitBreaker>,
    ticket: Ticket,
}

impl OwnedPermit {
    #[inline]
    pub(crate) fn new(breaker: Arc<CircuitBreaker>, ticket: Ticket) -> Self {
        Self { breaker, ticket }
    }

    /// The breaker that admitted the call.
    pub fn breaker(&self) -> &Arc<CircuitBreaker> {
        &self.breaker
    }

    permit_api!();
}

impl Drop for OwnedPermit {
    fn drop(&mut self) {
        if !self.ticket.done {
            self.ticket.finish(&self.breaker, Outcome::Cancelled);
        }
    }
}

impl fmt::Debug for OwnedPermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_permit(f, "OwnedPermit", &self.breaker, &self.ticket)
    }
}

fn debug_permit(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    breaker: &CircuitBreaker,
    ticket: &Ticket,
) -> fmt::Result {
    f.debug_struct(name)
        .field("breaker", &breaker.name())
        .field("epoch", &ticket.epoch)
        .field("probe", &(ticket.probe != NO_PROBE))
        .finish_non_exhaustive()
}
