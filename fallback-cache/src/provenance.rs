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
///
/// The default is [`Provenance::Live`]: what a client decodes from the
/// backend.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Provenance {
    /// The backend answered.
    #[default]
    Live,
    /// A cached last-good response.
    Cache {
        /// Age of the entry when it was served.
        age: Duration,
        /// Fresh or stale at that age.
        freshness: Freshness,
        /// The age from which the entry is never served (`fresh_for +
        /// stale_if_error` of its cache).
        max_age: Duration,
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

    /// How much of an answer's confidence its age leaves: 1 for live and
    /// fallback answers; for a cached one `1 - age / max_age`, from 1 when
    /// just stored down to 0 when it can no longer be served. A client
    /// multiplies the producer's confidence by it, so a cached answer's
    /// confidence says how old it is.
    ///
    /// ```
    /// use fallback_cache::{Freshness, Provenance};
    /// use std::time::Duration;
    ///
    /// let half_way = Provenance::Cache {
    ///     age: Duration::from_secs(30 * 60),
    ///     freshness: Freshness::Stale,
    ///     max_age: Duration::from_secs(60 * 60),
    /// };
    /// assert_eq!(half_way.confidence_factor(), 0.5);
    /// assert_eq!(Provenance::Live.confidence_factor(), 1.0);
    /// ```
    pub fn confidence_factor(&self) -> f64 {
        match self {
            Self::Cache { age, max_age, .. } if !max_age.is_zero() => {
                (1.0 - age.as_secs_f64() / max_age.as_secs_f64()).clamp(0.0, 1.0)
            }
            Self::Cache { .. } => 0.0,
            Self::Live | Self::Fallback { .. } => 1.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cached(age_secs: u64, max_age_secs: u64) -> Provenance {
        Provenance::Cache {
            age: Duration::from_secs(age_secs),
            freshness: Freshness::Fresh,
            max_age: Duration::from_secs(max_age_secs),
        }
    }

    #[test]
    fn confidence_falls_with_age_and_never_leaves_the_unit_interval() {
        assert_eq!(cached(0, 100).confidence_factor(), 1.0);
        assert_eq!(cached(25, 100).confidence_factor(), 0.75);
        assert_eq!(cached(100, 100).confidence_factor(), 0.0);
        assert_eq!(cached(500, 100).confidence_factor(), 0.0);
        assert_eq!(cached(0, 0).confidence_factor(), 0.0);
        assert!(cached(10, 100).confidence_factor() > cached(20, 100).confidence_factor());
        assert_eq!(Provenance::fallback(kind::EMPTY).confidence_factor(), 1.0);
        assert_eq!(Provenance::default(), Provenance::Live);
    }
}
