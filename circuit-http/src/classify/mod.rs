//! What an answer means for the breaker: the [`Classify`] trait, HTTP
//! status rules and `Retry-After`. Runtime-free: depends on `http` only.

mod retry_after;
mod status;

use std::time::Duration;

use circuit_core::Outcome;

pub use retry_after::{DEFAULT_RETRY_AFTER_CAP, parse_retry_after, retry_after, retry_after_at};
pub use status::{HttpClassifier, default_outcome};

/// What a finished call means for its breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// How the call counts.
    pub outcome: Outcome,
    /// How long the server asked to be left alone: if this call's failure
    /// opens the breaker, it stays open at least this long
    /// ([`Permit::set_retry_after`](circuit_core::Permit::set_retry_after)).
    pub retry_after: Option<Duration>,
}

impl From<Outcome> for Verdict {
    fn from(outcome: Outcome) -> Self {
        Self {
            outcome,
            retry_after: None,
        }
    }
}

/// Turns a call's result into a [`Verdict`].
///
/// Any `Fn(&Result<T, E>) -> V` where `V` is an [`Outcome`] or a
/// [`Verdict`] is a classifier, so a closure does:
///
/// ```
/// use circuit_core::Outcome;
/// use circuit_http::Classify;
///
/// // A cache lookup: a miss is not the cache's failure.
/// let classifier = |result: &Result<Option<u32>, String>| match result {
///     Ok(_) => Outcome::Success,
///     Err(e) if e.starts_with("bad key") => Outcome::Ignored,
///     Err(_) => Outcome::Failure,
/// };
/// assert_eq!(classifier.classify(&Ok(None)).outcome, Outcome::Success);
/// assert_eq!(classifier.classify(&Err("bad key: ''".into())).outcome, Outcome::Ignored);
/// ```
pub trait Classify<T, E> {
    /// The verdict on `result`.
    fn classify(&self, result: &Result<T, E>) -> Verdict;
}

impl<T, E, F, V> Classify<T, E> for F
where
    F: Fn(&Result<T, E>) -> V,
    V: Into<Verdict>,
{
    fn classify(&self, result: &Result<T, E>) -> Verdict {
        self(result).into()
    }
}

/// `Ok` is a success, `Err` a failure: the classifier for services whose
/// errors all mean the callee is unwell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OkIsSuccess;

impl<T, E> Classify<T, E> for OkIsSuccess {
    fn classify(&self, result: &Result<T, E>) -> Verdict {
        if result.is_ok() {
            Outcome::Success.into()
        } else {
            Outcome::Failure.into()
        }
    }
}
