//! What a caller gets back when the breaker says no, or the call failed.

use std::fmt;
use std::time::Duration;

use crate::State;

/// The breaker rejected a call without running it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejected {
    state: State,
    retry_after: Duration,
}

impl Rejected {
    pub(crate) const fn new(state: State, retry_after: Duration) -> Self {
        Self { state, retry_after }
    }

    /// How long until the breaker will let a probe through.
    ///
    /// OPEN: the rest of the open period. HALF_OPEN with every probe slot
    /// taken: the time until the oldest probe's slot is reclaimed at the
    /// latest (a slot may free sooner). FORCED_OPEN: `Duration::MAX`, as
    /// only an operator's `reset()` or `force_closed()` lets calls through.
    pub const fn retry_after(&self) -> Duration {
        self.retry_after
    }

    /// The state that rejected the call.
    pub const fn state(&self) -> State {
        self.state
    }
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.retry_after == Duration::MAX {
            write!(
                f,
                "circuit breaker is {}: call rejected until reset",
                self.state
            )
        } else {
            write!(
                f,
                "circuit breaker is {}: call rejected, retry after {:?}",
                self.state, self.retry_after
            )
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
