//! What the cache stores, how old it is, and what a lookup finds.

use std::sync::Arc;
use std::time::{Duration, Instant};

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
}

impl<V> Hit<V> {
    /// The provenance of a response served from this hit.
    pub fn provenance(&self) -> Provenance {
        Provenance::Cache {
            age: self.age,
            freshness: self.freshness,
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

/// The stored entry; cloned out of moka as a whole, so readers never see
/// half of one write and half of another.
#[derive(Debug)]
pub(crate) struct Entry<V> {
    pub(crate) value: Arc<V>,
    /// Age the value already had when stored (non-zero for loaded entries).
    pub(crate) age_at_insert: Duration,
    /// Our clock's reading when stored.
    pub(crate) inserted_at: Duration,
}

impl<V> Clone for Entry<V> {
    fn clone(&self) -> Self {
        Self {
            value: Arc::clone(&self.value),
            age_at_insert: self.age_at_insert,
            inserted_at: self.inserted_at,
        }
    }
}

impl<V> Entry<V> {
    pub(crate) fn age(&self, now: Duration) -> Duration {
        self.age_at_insert
            .saturating_add(now.saturating_sub(self.inserted_at))
    }
}

/// moka's own clock cannot be driven by ours, so its per-entry TTL is only a
/// memory bound: the remaining servable life plus this grace, so moka never
/// drops an entry that our clock still considers servable because the two
/// clocks were read a moment apart.
const MOKA_GRACE: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub(crate) struct ExpireAfterMaxAge(pub(crate) Duration);

impl ExpireAfterMaxAge {
    fn remaining<V>(&self, entry: &Entry<V>) -> Duration {
        self.0
            .saturating_sub(entry.age_at_insert)
            .saturating_add(MOKA_GRACE)
    }
}

impl<K, V> moka::Expiry<K, Entry<V>> for ExpireAfterMaxAge {
    fn expire_after_create(&self, _: &K, entry: &Entry<V>, _: Instant) -> Option<Duration> {
        Some(self.remaining(entry))
    }

    fn expire_after_update(
        &self,
        _: &K,
        entry: &Entry<V>,
        _: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(self.remaining(entry))
    }
}
