//! The [`Fallback`] trait and the values it trades in.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::Provenance;

/// Why the live call did not happen or did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FallbackReason {
    /// The circuit breaker rejected the call.
    CircuitOpen {
        /// When the breaker will let a probe through.
        retry_after: Duration,
    },
    /// The call was made and failed.
    Failure {
        /// What went wrong, for logs (no secrets).
        description: String,
    },
    /// The call timed out.
    Timeout {
        /// How long the caller waited.
        after: Duration,
    },
}

impl FallbackReason {
    /// `circuit_open`, `failure` or `timeout`: a stable label for logs and
    /// metrics.
    pub fn label(&self) -> &'static str {
        match self {
            Self::CircuitOpen { .. } => "circuit_open",
            Self::Failure { .. } => "failure",
            Self::Timeout { .. } => "timeout",
        }
    }

    /// The breaker's retry-after, when the circuit is open.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::CircuitOpen { retry_after } => Some(*retry_after),
            _ => None,
        }
    }
}

impl fmt::Display for FallbackReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CircuitOpen { retry_after } => {
                write!(f, "circuit open, retry after {retry_after:?}")
            }
            Self::Failure { description } => write!(f, "call failed: {description}"),
            Self::Timeout { after } => write!(f, "call timed out after {after:?}"),
        }
    }
}

/// A response together with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Served<R> {
    /// The response to hand to the caller.
    pub response: R,
    /// Where it came from.
    pub provenance: Provenance,
}

impl<R> Served<R> {
    /// Pairs a response with its provenance.
    pub fn new(response: R, provenance: Provenance) -> Self {
        Self {
            response,
            provenance,
        }
    }

    /// A live response.
    pub fn live(response: R) -> Self {
        Self::new(response, Provenance::Live)
    }
}

/// Why a fallback produced nothing; the chain then tries the next one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Declined {
    /// The cache has no entry for this request.
    Miss,
    /// The cache has an entry, but it is past its maximum staleness.
    Expired {
        /// The entry's age.
        age: Duration,
    },
    /// This fallback does not apply (e.g. the request cannot be planned).
    NotApplicable(Cow<'static, str>),
    /// The chain has no fallbacks.
    NoFallback,
}

impl Declined {
    /// Whether this is a cache lookup that found nothing servable.
    pub fn is_cache_miss(&self) -> bool {
        matches!(self, Self::Miss | Self::Expired { .. })
    }
}

impl fmt::Display for Declined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Miss => f.write_str("no cached response"),
            Self::Expired { age } => write!(f, "cached response too old ({age:?})"),
            Self::NotApplicable(why) => write!(f, "fallback not applicable: {why}"),
            Self::NoFallback => f.write_str("no fallback configured"),
        }
    }
}

/// Produces a response when the live call did not happen, or declines.
///
/// Object-safe: chains hold `Arc<dyn Fallback<Req, Resp>>`. Implementations
/// should be cheap and must not call the backend whose failure they cover.
///
/// ```
/// use async_trait::async_trait;
/// use fallback_cache::{Declined, Fallback, FallbackReason, Provenance, Served};
///
/// #[derive(Debug)]
/// struct Greeting;
///
/// #[async_trait]
/// impl Fallback<String, String> for Greeting {
///     async fn fallback(&self, name: &String, _: &FallbackReason) -> Result<Served<String>, Declined> {
///         Ok(Served::new(format!("hello {name}"), Provenance::fallback("greeting")))
///     }
/// }
/// ```
#[async_trait]
pub trait Fallback<Req: ?Sized, Resp>: Send + Sync {
    /// Answers `request` in place of the live call, or declines.
    async fn fallback(
        &self,
        request: &Req,
        reason: &FallbackReason,
    ) -> Result<Served<Resp>, Declined>;

    /// A name for logs and `Debug`.
    fn name(&self) -> &str {
        std::any::type_name::<Self>()
    }
}

#[async_trait]
impl<Req, Resp, F> Fallback<Req, Resp> for Arc<F>
where
    Req: ?Sized + Sync,
    Resp: Send,
    F: Fallback<Req, Resp> + ?Sized,
{
    async fn fallback(
        &self,
        request: &Req,
        reason: &FallbackReason,
    ) -> Result<Served<Resp>, Declined> {
        (**self).fallback(request, reason).await
    }

    fn name(&self) -> &str {
        (**self).name()
    }
}
