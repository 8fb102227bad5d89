//! Configuring a [`ResponseCache`].

use std::fmt;
use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use circuit_core::{Clock, SystemClock};

use super::ResponseCache;
use super::entry::Staleness;
use super::slot::Slot;
use crate::Error;

type Weigher<K, V> = Arc<dyn Fn(&K, &V) -> u32 + Send + Sync>;
type Sizer<K, V> = Arc<dyn Fn(&K, &V) -> usize + Send + Sync>;

/// Builds a [`ResponseCache`]. Defaults: 10 000 entries, fresh for 60 s,
/// stale-if-error for one more hour, the system clock.
pub struct CacheBuilder<K, V> {
    max_capacity: u64,
    weigher: Option<Weigher<K, V>>,
    max_bytes: Option<(u64, Sizer<K, V>)>,
    staleness: Staleness,
    clock: Arc<dyn Clock>,
    _types: PhantomData<fn(K, V)>,
}

impl<K, V> Default for CacheBuilder<K, V> {
    fn default() -> Self {
        Self {
            max_capacity: 10_000,
            weigher: None,
            max_bytes: None,
            staleness: Staleness {
                fresh_for: Duration::from_secs(60),
                stale_if_error: Duration::from_secs(3600),
            },
            clock: Arc::new(SystemClock),
            _types: PhantomData,
        }
    }
}

impl<K, V> CacheBuilder<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    /// Bounds the cache to `max` entries (together with
    /// [`max_bytes`](Self::max_bytes), if set).
    #[must_use]
    pub fn max_entries(mut self, max: u64) -> Self {
        self.max_capacity = max;
        self.weigher = None;
        self
    }

    /// Bounds the cache to a total weight of `max`, each entry weighing
    /// `weigher(key, value)`, instead of by entries and bytes.
    #[must_use]
    pub fn max_weight(
        mut self,
        max: u64,
        weigher: impl Fn(&K, &V) -> u32 + Send + Sync + 'static,
    ) -> Self {
        self.max_capacity = max;
        self.weigher = Some(Arc::new(weigher));
        self.max_bytes = None;
        self
    }

    /// Bounds the cache to about `max` bytes as well as to its entry count,
    /// each entry's size estimated by `size_of(key, value)`.
    ///
    /// Both bounds hold at once: each entry is weighed at its size, but at
    /// least `max / max_entries` bytes, and the total weight may not pass
    /// `max`. So the cache never holds more than `max` bytes (as
    /// estimated), nor more than `max_entries` entries; many small entries
    /// hit the entry bound, a few huge ones the byte bound. An entry
    /// larger than `max` on its own is not kept.
    ///
    /// ```
    /// use fallback_cache::ResponseCache;
    ///
    /// let cache = ResponseCache::<String, String>::builder()
    ///     .max_entries(1_000)
    ///     .max_bytes(1024 * 1024, |k, v| k.len() + v.len())
    ///     .build()
    ///     .unwrap();
    /// cache.insert("k".to_owned(), "x".repeat(2 * 1024 * 1024));
    /// cache.run_pending_tasks();
    /// assert!(cache.lookup("k").servable().is_none(), "larger than the whole cache");
    /// ```
    #[must_use]
    pub fn max_bytes(
        mut self,
        max: u64,
        size_of: impl Fn(&K, &V) -> usize + Send + Sync + 'static,
    ) -> Self {
        self.max_bytes = Some((max, Arc::new(size_of)));
        self.weigher = None;
        self
    }

    /// How long an entry is fresh.
    #[must_use]
    pub fn fresh_for(mut self, fresh_for: Duration) -> Self {
        self.staleness.fresh_for = fresh_for;
        self
    }

    /// How long past freshness an entry may still be served as a fallback.
    #[must_use]
    pub fn stale_if_error(mut self, stale_if_error: Duration) -> Self {
        self.staleness.stale_if_error = stale_if_error;
        self
    }

    /// Both windows at once.
    #[must_use]
    pub fn staleness(mut self, staleness: Staleness) -> Self {
        self.staleness = staleness;
        self
    }

    /// The clock ages are measured with (a manual clock in tests).
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Builds the cache.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a zero capacity, a zero byte bound or a
    /// zero maximum age.
    pub fn build(self) -> Result<ResponseCache<K, V>, Error> {
        if self.max_capacity == 0 {
            return Err(Error::InvalidConfig("capacity must be at least 1"));
        }
        if self.max_bytes.as_ref().is_some_and(|(max, _)| *max == 0) {
            return Err(Error::InvalidConfig("max_bytes must be at least 1"));
        }
        if self.staleness.max_age().is_zero() {
            return Err(Error::InvalidConfig(
                "fresh_for + stale_if_error must be greater than zero",
            ));
        }
        let mut inner = moka::sync::Cache::builder();
        if let Some(idle) = moka_idle_limit(self.staleness) {
            inner = inner.time_to_idle(idle);
        }
        if let Some((max_bytes, size_of)) = self.max_bytes {
            // Each entry weighs at least its share of the byte bound, so
            // the weight bound also caps the entry count.
            let floor = (max_bytes / self.max_capacity).max(1);
            inner = inner
                .max_capacity(max_bytes)
                .weigher(move |k: &K, slot: &Arc<Slot<V>>| {
                    let size = u64::try_from(size_of(k, slot.value())).unwrap_or(u64::MAX);
                    u32::try_from(size.max(floor)).unwrap_or(u32::MAX)
                });
        } else {
            inner = inner.max_capacity(self.max_capacity);
        }
        if let Some(weigher) = self.weigher {
            inner = inner.weigher(move |k: &K, slot: &Arc<Slot<V>>| weigher(k, slot.value()));
        }
        Ok(ResponseCache {
            inner: inner.build(),
            staleness: self.staleness,
            clock: self.clock,
        })
    }
}

/// moka's own clock cannot be driven by ours, so its expiry only bounds
/// memory: it drops an entry that has been neither written, refreshed nor
/// read for the maximum age plus this grace. A refresh finds its entry by a
/// read, so an entry our clock still calls servable (age below the maximum
/// since its last store or refresh) is never dropped, even though the two
/// clocks are read a moment apart.
const MOKA_GRACE: Duration = Duration::from_secs(1);

/// The longest idle time moka accepts (it panics beyond 1000 years).
const MOKA_MAX_IDLE: Duration = Duration::from_secs(1000 * 365 * 24 * 3600);

/// `None` (no time bound, only the capacity) when the windows are longer
/// than moka can time.
fn moka_idle_limit(staleness: Staleness) -> Option<Duration> {
    Some(staleness.max_age().saturating_add(MOKA_GRACE)).filter(|idle| *idle <= MOKA_MAX_IDLE)
}

impl<K, V> fmt::Debug for CacheBuilder<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheBuilder")
            .field("max_capacity", &self.max_capacity)
            .field("weighted", &self.weigher.is_some())
            .field("max_bytes", &self.max_bytes.as_ref().map(|(max, _)| max))
            .field("staleness", &self.staleness)
            .field("clock", &self.clock)
            .finish()
    }
}
