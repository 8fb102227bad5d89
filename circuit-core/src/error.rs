//! What a caller gets back when the breaker says no, or the call failed.

use std::fmt;
use std::time::Duration;

use crate::State;

/// Why a call was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RejectReason {
    /// The breaker is OPEN: the open period has not passed.
    Open,
    /// An operator holds the breaker open ([`force_open`](crate::CircuitBreaker::force_open)).
    ForcedOpen,
    /// HALF_OPEN, and every probe slot is taken.
    HalfOpenFull,
    /// CLOSED during a recovery ramp, and this call is above the share
    /// admitted now ([`Config::recovery_ramp`](crate::Config::recovery_ramp)).
    Ramping,
}

impl RejectReason {
    /// `open`, `forced-open`, `half-open-full` or `ramping`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::ForcedOpen => "forced-open",
            Self::HalfOpenFull => "half-open-full",
            Self::Ramping => "ramping",
        }
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The breaker rejected a call without running it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejected {
    reason: RejectReason,
    retry_after: Duration,
}

impl Rejected {
    pub(crate) const fn new(reason: RejectReason, retry_after: Duration) -> Self {
        Self {
            reason,
            retry_after,
        }
    }

    /// Why the call was rejected.
    pub const fn reason(&self) -> RejectReason {
        self.reason
    }

    /// How long until the breaker will let a call through.
    ///
    /// OPEN: the rest of the open period. HALF_OPEN with every probe slot
    /// taken: the time until the oldest probe's slot is reclaimed at the
    /// latest (a slot may free sooner). FORCED_OPEN: `Duration::MAX`, as
    /// only an operator's `reset()` or `force_closed()` lets calls through.
    /// Ramping: zero, as the next call may be within the share admitted.
    pub const fn retry_after(&self) -> Duration {
        self.retry_after
    }

    /// The state that rejected the call (CLOSED for a ramping rejection).
    pub const fn state(&self) -> State {
        match self.reason {
            RejectReason::Open => State::Open,
            RejectReason::ForcedOpen => State::ForcedOpen,
            RejectReason::HalfOpenFull => State::HalfOpen,
            RejectReason::Ramping => State::Closed,
        }
    }
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason {
            RejectReason::Ramping => f.write_str(
                "circuit breaker is closed and ramping up after recovery: call rejected",
            ),
            RejectReason::HalfOpenFull => write!(
                f,
                "circuit breaker is half-open and every probe slot is taken: call rejected, retry after {:?}",
                self.retry_after
            ),
            _ if self.retry_after == Duration::MAX => write!(
                f,
                "circuit breaker is {}: call rejected until reset",
                self.state()
            ),
            _ => write!(
                f,
                "circuit breaker is {}: call rejected, retry after {:?}",
                self.state(),
                self.retry_after
            ),
        }
    }
}

impl std::error::Error for Rejected {}

/// The result of [`CircuitBreaker::call`](crate::CircuitBreaker::call): the
/// breaker rejected the call, or the call itself failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError<E> {
    /// Rejected without running.
    Rejected(Rejected),
    /// The call ran and returned this error.
    Inner(E),
}

impl<E> CallError<E> {
    /// The inner error, if the call ran.
    pub fn into_inner(self) -> Option<E> {
        match self {
            Self::Inner(e) => Some(e),
            Self::Rejected(_) => None,
        }
    }

    /// Whether the breaker rejected the call.
    pub const fn is_rejected(&self) -> bool {
        matches!(self, Self::Rejected(_))
    }
}

impl<E> From<Rejected> for CallError<E> {
    fn from(r: Rejected) -> Self {
        Self::Rejected(r)
    }
}

impl<E: fmt::Display> fmt::Display for CallError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rejected(r) => r.fmt(f),
            Self::Inner(e) => e.fmt(f),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for CallError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        // Display already shows the wrapped error, so hand on its source.
        match self {
            Self::Rejected(_) => None,
            Self::Inner(e) => e.source(),
        }
    }
}
