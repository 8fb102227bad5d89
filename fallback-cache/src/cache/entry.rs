//! How old an entry may be, and what a lookup finds.

use std::sync::Arc;
use std::time::Duration;

use crate::{Freshness, Provenance};

/// How long entries stay fresh, and how much longer they may be served
/// stale when the live call fails (RFC 5861 `stale-if-error`).
///
/// Windows are half-open: with age `a`, an entry is fresh when
/// `a < fresh_for`, stale-servable when `fresh_for <= a < fresh_for +
/// stale_if_error`, and expired from `fresh_for + stale_if_error` on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Staleness {
    /// The freshness lifetime.
    pub fresh_for: Duration,
    /// How long past `fresh_for` an entry may still be served as a fallback.
    pub stale_if_error: Duration,
}

impl Staleness {
    /// The age from which nothing is served: `fresh_for + stale_if_error`.
    pub fn max_age(&self) -> Duration {
        self.fresh_for.saturating_add(self.stale_if_error)
    }

    /// Fresh, stale, or `None` when expired.
    pub fn classify(&self, age: Duration) -> Option<Freshness> {
        if age < self.fresh_for {
            Some(Freshness::Fresh)
        } else if age < self.max_age() {
            Some(Freshness::Stale)
        } else {
            None
        }
    }
}

/// A cached value with its age at the time of the lookup.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit<V> {
    /// The value (shared, never copied by the cache).
    pub value: Arc<V>,
    /// The entry's age at lookup.
    pub age: Duration,
    /// Fresh or stale at that age.
    pub freshness: Freshness,
    /// The age from which the entry is never served (its cache's
    /// [`Staleness::max_age`]).
    pub max_age: Duration,
}

impl<V> Hit<V> {
    /// The provenance of a response served from this hit.
    pub fn provenance(&self) -> Provenance {
        Provenance::Cache {
            age: self.age,
            freshness: self.freshness,
            max_age: self.max_age,
        }
    }
}

/// What a lookup found.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup<V> {
    /// A fresh entry.
    Fresh(Hit<V>),
    /// A stale entry, servable only as a fallback.
    Stale(Hit<V>),
    /// An entry too old to serve.
    Expired {
        /// Its age.
        age: Duration,
    },
    /// No entry.
    Miss,
}

impl<V> Lookup<V> {
    /// The hit if fresh or stale: what a fallback may serve.
    pub fn servable(self) -> Option<Hit<V>> {
        match self {
            Self::Fresh(hit) | Self::Stale(hit) => Some(hit),
            Self::Expired { .. } | Self::Miss => None,
        }
    }
}
