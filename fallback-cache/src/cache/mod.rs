//! A bounded cache of last-good responses that knows each entry's age.

mod builder;
mod entry;
#[cfg(feature = "persist")]
mod persist;
mod refresh;
mod slot;
#[cfg(test)]
mod tests;

use std::borrow::Borrow;
use std::fmt;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use circuit_core::Clock;

pub use builder::CacheBuilder;
pub use entry::{Hit, Lookup, Staleness};
#[cfg(feature = "persist")]
pub use persist::{LoadReport, SaveReport};
pub use refresh::Refresh;
use slot::Slot;

/// Last-good responses keyed by canonical request, on [`moka`].
///
/// Ages are measured with the injected [`Clock`] on every read; moka's own
/// expiry (on moka's clock) only bounds memory: it drops an entry left
/// untouched for longer than the maximum age, never one our clock still
/// calls servable. Clones share the entries.
///
/// After each live success, [`refresh`](Self::refresh) is the cheap way to
/// keep an entry current: when the cached value equals the live one it only
/// renews the entry's time, copying and writing nothing.
///
/// ```
/// use fallback_cache::{Freshness, Lookup, ResponseCache};
/// use std::time::Duration;
///
/// let cache = ResponseCache::<String, u32>::builder()
///     .fresh_for(Duration::from_secs(30))
///     .stale_if_error(Duration::from_secs(600))
///     .build()
///     .unwrap();
/// cache.insert("k".to_owned(), 7);
/// let Lookup::Fresh(hit) = cache.lookup("k") else { panic!("just inserted") };
/// assert_eq!((*hit.value, hit.freshness), (7, Freshness::Fresh));
/// ```
pub struct ResponseCache<K, V> {
    inner: moka::sync::Cache<K, Arc<Slot<V>>>,
    staleness: Staleness,
    clock: Arc<dyn Clock>,
}

impl<K, V> ResponseCache<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    /// A builder with the defaults of [`CacheBuilder`].
    pub fn builder() -> CacheBuilder<K, V> {
        CacheBuilder::default()
    }

    /// Stores a live response (age zero), replacing any older one. See
    /// [`refresh`](Self::refresh) to skip the write when the value is
    /// unchanged.
    pub fn insert(&self, key: K, value: V) {
        self.insert_arc(key, Arc::new(value));
    }

    /// [`insert`](Self::insert) for a value that is already shared.
    pub fn insert_arc(&self, key: K, value: Arc<V>) {
        self.put(key, value, Duration::ZERO, self.clock.now());
    }

    /// Stores a value that is already `age` old (e.g. from an upstream
    /// `Age` header). Returns `false`, storing nothing, if it is too old to
    /// ever be served.
    pub fn insert_with_age(&self, key: K, value: V, age: Duration) -> bool {
        if self.staleness.classify(age).is_none() {
            return false;
        }
        self.put(key, Arc::new(value), age, self.clock.now());
        true
    }

    /// Looks `key` up and classifies the entry by its age now.
    pub fn lookup<Q>(&self, key: &Q) -> Lookup<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let Some(slot) = self.inner.get(key) else {
            return Lookup::Miss;
        };
        let age = slot.age(self.clock.now());
        let max_age = self.staleness.max_age();
        match self.staleness.classify(age) {
            Some(freshness @ crate::Freshness::Fresh) => Lookup::Fresh(Hit {
                value: Arc::clone(slot.value()),
                age,
                freshness,
                max_age,
            }),
            Some(freshness @ crate::Freshness::Stale) => Lookup::Stale(Hit {
                value: Arc::clone(slot.value()),
                age,
                freshness,
                max_age,
            }),
            None => Lookup::Expired { age },
        }
    }

    /// A fresh entry only: for callers that read the cache before the
    /// backend.
    pub fn fresh<Q>(&self, key: &Q) -> Option<Hit<V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        match self.lookup(key) {
            Lookup::Fresh(hit) => Some(hit),
            _ => None,
        }
    }

    /// A fresh or stale entry: what may be served when the live call failed.
    pub fn stale_if_error<Q>(&self, key: &Q) -> Option<Hit<V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.lookup(key).servable()
    }

    /// Every servable entry with its age now, in no particular order.
    pub fn entries(&self) -> Vec<(Arc<K>, Hit<V>)> {
        let now = self.clock.now();
        self.inner
            .iter()
            .filter_map(|(key, slot)| {
                let age = slot.age(now);
                let freshness = self.staleness.classify(age)?;
                Some((
                    key,
                    Hit {
                        value: Arc::clone(slot.value()),
                        age,
                        freshness,
                        max_age: self.staleness.max_age(),
                    },
                ))
            })
            .collect()
    }

    /// Removes one entry.
    pub fn invalidate<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.inner.invalidate(key);
    }

    /// Removes every entry.
    pub fn invalidate_all(&self) {
        self.inner.invalidate_all();
    }

    /// Entries held (including expired ones moka has not dropped yet); exact
    /// only after [`run_pending_tasks`](Self::run_pending_tasks).
    pub fn entry_count(&self) -> u64 {
        self.inner.entry_count()
    }

    /// Total weight held; see [`entry_count`](Self::entry_count).
    pub fn weighted_size(&self) -> u64 {
        self.inner.weighted_size()
    }

    /// Runs moka's deferred maintenance (evictions, expiry) now.
    pub fn run_pending_tasks(&self) {
        self.inner.run_pending_tasks();
    }

    /// The freshness windows.
    pub fn staleness(&self) -> Staleness {
        self.staleness
    }

    /// The clock ages are measured with.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    fn put(&self, key: K, value: Arc<V>, age: Duration, now: Duration) {
        self.inner.insert(key, Arc::new(Slot::new(value, age, now)));
    }
}

impl<K, V> Clone for ResponseCache<K, V> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            staleness: self.staleness,
            clock: Arc::clone(&self.clock),
        }
    }
}

impl<K, V> fmt::Debug for ResponseCache<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseCache")
            .field("entry_count", &self.inner.entry_count())
            .field("max_capacity", &self.inner.policy().max_capacity())
            .field("staleness", &self.staleness)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}
