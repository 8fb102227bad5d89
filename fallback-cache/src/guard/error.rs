//! Why a guarded call has no answer.

use std::fmt;
use std::time::Duration;

use super::Rejection;
use crate::Declined;

/// Why the live answer is missing: the call was not made, or it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Missed<E> {
    /// The breaker (or a link of the chain) rejected the call; it was not
    /// made.
    Rejected(Rejection),
    /// The call returned an error the classifier counted as a failure.
    Failed(E),
    /// The call returned an error the classifier counted as a timeout.
    TimedOut(E),
}

impl<E> Missed<E> {
    /// The call's own error, if it was made.
    pub fn into_error(self) -> Option<E> {
        match self {
            Self::Rejected(_) => None,
            Self::Failed(error) | Self::TimedOut(error) => Some(error),
        }
    }

    /// The rejection, if the call was not made.
    pub fn rejection(&self) -> Option<Rejection> {
        match self {
            Self::Rejected(rejection) => Some(*rejection),
            _ => None,
        }
    }
}

impl<E: fmt::Display> fmt::Display for Missed<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rejected(rejection) => write!(f, "not sent: {rejection}"),
            Self::Failed(error) => write!(f, "failed: {error}"),
            Self::TimedOut(error) => write!(f, "timed out: {error}"),
        }
    }
}

/// A guarded call that ends without an answer, live or fallback.
///
/// Nothing is lost: the call's own error (if it was made) is in every
/// variant.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GuardError<E> {
    /// The call failed with an error the classifier did not count against
    /// the callee (`Outcome::Ignored`: the caller's mistake). It is
    /// returned as is; no fallback is asked.
    #[error("call failed: {0}")]
    Call(E),
    /// The call was rejected or failed, and every fallback declined.
    #[error("call {missed}; no fallback answered: {declined}")]
    Declined {
        /// Why the live answer is missing.
        missed: Missed<E>,
        /// The last fallback's reason.
        declined: Declined,
    },
    /// The call was rejected or failed, and the fallbacks did not answer
    /// within the deadline (they were cancelled).
    #[error("call {missed}; the fallback did not answer within {deadline:?}")]
    FallbackTimedOut {
        /// Why the live answer is missing.
        missed: Missed<E>,
        /// The guard's fallback deadline.
        deadline: Duration,
    },
}

impl<E> GuardError<E> {
    /// The call's own error, if it was made.
    pub fn into_error(self) -> Option<E> {
        match self {
            Self::Call(error) => Some(error),
            Self::Declined { missed, .. } | Self::FallbackTimedOut { missed, .. } => {
                missed.into_error()
            }
        }
    }

    /// The rejection, if the breaker did not let the call through.
    pub fn rejection(&self) -> Option<Rejection> {
        match self {
            Self::Call(_) => None,
            Self::Declined { missed, .. } | Self::FallbackTimedOut { missed, .. } => {
                missed.rejection()
            }
        }
    }
}
