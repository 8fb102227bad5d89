//! Where a response came from.

use std::borrow::Cow;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Labels for the built-in fallbacks; they double as the wire contract's
/// `meta.algorithm_used` values.
pub mod kind {
    /// A cached last-good response.
    pub const CACHE: &str = "fallback-cache";
    /// An empty KOL match list.
    pub const EMPTY: &str = "fallback-empty";
    /// The conservative budget allocation.
    pub const CONSERVATIVE: &str = "fallback-conservative";
}

/// How old a cached entry is relative to its freshness lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Freshness {
    /// Younger than the fresh window: fine for normal cached reads.
    Fresh,
    /// Past the fresh window but within `stale_if_error`: served only as a
    /// fallback.
    Stale,
}

/// Where a response came from, so callers can tell a degraded answer from a
/// live one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Provenance {
    /// The backend answered.
    Live,
    /// A cached last-good response.
    Cache {
        /// Age of the entry when it was served.
        age: Duration,
        /// Fresh or stale at that age.
        freshness: Freshness,
    },
    /// Produced by a fallback without the backend or the cache.
    Fallback {
        /// What produced it, e.g. [`kind::EMPTY`] or [`kind::CONSERVATIVE`].
        kind: Cow<'static, str>,
    },
}

impl Provenance {
    /// A fallback provenance with a static kind label.
    pub const fn fallback(kind: &'static str) -> Self {
        Self::Fallback {
            kind: Cow::Borrowed(kind),
        }
    }

    /// `"live"`, [`kind::CACHE`], or the fallback's kind: the value a client
    /// puts in `meta.algorithm_used` for a degraded response.
    pub fn label(&self) -> &str {
        match self {
            Self::Live => "live",
            Self::Cache { .. } => kind::CACHE,
            Self::Fallback { kind } => kind,
        }
    }

    /// Whether this is anything but a live answer.
    pub fn is_degraded(&self) -> bool {
        !matches!(self, Self::Live)
    }

    /// The cache entry's age, for cached responses.
    pub fn age(&self) -> Option<Duration> {
        match self {
            Self::Cache { age, .. } => Some(*age),
            _ => None,
        }
    }
}
