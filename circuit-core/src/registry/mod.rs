//! [`Registry`]: one breaker per key (host, route, tenant), created on
//! first use, bounded, forgetting idle CLOSED breakers.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::BreakerClock;
use crate::sync::{AtomicU64, Mutex, Ordering};
use crate::{CircuitBreaker, Config};

mod builder;
mod error;
mod evict;
mod make;
mod reconfigure;
mod shards;
mod slot;
mod write;

pub use builder::{DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_BREAKERS, RegistryBuilder};
pub use error::RegistryError;
use make::Make;
use shards::Shards;
use slot::Slot;

type ConfigFn<K> = dyn Fn(&K) -> Config + Send + Sync;

/// Circuit breakers by key, created on first use.
///
/// ```
/// use circuit_core::{Config, Registry, State};
///
/// # fn main() -> Result<(), circuit_core::RegistryError> {
/// let hosts: Registry<String> = Registry::builder()
///     .config(Config { max_failures: 2, ..Config::default() })
///     .max_breakers(500)
///     .build()?;
///
/// let api = hosts.get("https://api.example.com:443");
/// for _ in 0..2 {
///     api.try_acquire().expect("closed").record_failure();
/// }
/// // Same key, same breaker; other keys are not affected.
/// assert_eq!(hosts.get("https://api.example.com:443").state(), State::Open);
/// assert_eq!(hosts.get("https://cdn.example.com:443").state(), State::Closed);
/// assert_eq!(hosts.len(), 2);
/// # Ok(())
/// # }
/// ```
///
/// # Lookups
/// The keys live in shards, a power of two of them (one per 16 keys of
/// `max_breakers`, at most 4096), picked by the key's hash. Each shard is
/// an immutable hash table behind its own `ArcSwap`: looking up a key that
/// has a breaker takes no lock, hashes the key once (foldhash, seeded per
/// process), reads one shard pointer and clones an `Arc`. Creating,
/// removing or evicting a breaker copies only the shards it changes, under
/// a writer lock that lookups never take, so filling a registry with
/// 100 000 keys copies about 16 entries (a key and an `Arc`) per new key,
/// not 50 000. The shard is one more pointer on a lookup than a single
/// map: about 3 ns (`cargo bench -p circuit-core --bench registry`).
///
/// # Bounds and eviction
/// The registry holds at most `max_breakers` breakers. A breaker may be
/// forgotten only when it is CLOSED and no caller holds it: an OPEN,
/// HALF_OPEN or forced breaker is never evicted, because forgetting an
/// outage would send traffic straight back to a dead host, and a breaker
/// someone still holds an `Arc` of would split its key's counts in two.
///
/// * **Idle eviction.** A breaker that may be forgotten and was not looked
///   up for `idle_timeout` goes when the next breaker is created in its
///   shard, when the registry is full, or when
///   [`evict_idle`](Self::evict_idle) is called (the registry spawns no
///   thread; call it from your own timer if keys stop arriving).
/// * **At the bound.** Creating a breaker first forgets the idle ones of
///   the new key's shard; if the registry is still full, the least
///   recently used breaker of that shard that may be forgotten goes, and
///   if that shard has none, the idle ones of every shard go, or else the
///   least recently used one of the whole registry. The bound is exact
///   across shards. If no breaker may go, the key gets no breaker of its own:
///   [`try_get`](Self::try_get) returns [`RegistryError::Full`], and
///   [`get`](Self::get) returns a single shared *overflow* breaker (named
///   `"overflow"` unless set otherwise, with the default config), so calls
///   stay protected and memory stays bounded. [`overflowed`](Self::overflowed)
///   counts those answers.
///
/// # Listeners and clock
/// The builder's listeners and clock are given to every breaker the
/// registry creates; listeners tell breakers apart by name (the key's
/// `Display` unless [`names`](RegistryBuilder::names) says otherwise).
pub struct Registry<K> {
    shards: Shards<K>,
    /// Creation, eviction and reconfiguration: never taken by a lookup.
    writer: Mutex<Writer<K>>,
    /// Breakers held, changed only under the writer lock.
    len: AtomicU64,
    make: Make<K>,
    /// Shared by the keys that find the registry full; built up front so
    /// that a full registry never has to build anything.
    overflow: Arc<CircuitBreaker>,
    clock: BreakerClock,
    max_breakers: usize,
    idle_timeout: Duration,
    idle_nanos: u64,
    touch_every: u64,
    overflowed: AtomicU64,
}

/// What only changes under the writer lock.
struct Writer<K> {
    default: Config,
    config_for: Option<Arc<ConfigFn<K>>>,
    /// Configs given for one key, kept so that a breaker evicted and
    /// created again gets its config back.
    overrides: HashMap<K, Config>,
}

impl<K> Writer<K>
where
    K: Eq + Hash,
{
    fn config_of(&self, key: &K) -> Config {
        if let Some(config) = self.overrides.get(key) {
            return config.clone();
        }
        match &self.config_for {
            Some(config_for) => config_for(key),
            None => self.default.clone(),
        }
    }
}

/// How often a lookup records that a key was used: a sixteenth of the
/// idle timeout, between 1 ms and 1 s. Idle times are judged to within it.
fn touch_granularity(idle_nanos: u64) -> u64 {
    (idle_nanos / 16).clamp(1_000_000, 1_000_000_000)
}

/// What to do when a key finds the registry full.
#[derive(Clone, Copy, PartialEq, Eq)]
enum WhenFull {
    Overflow,
    Fail,
}

impl<K> Registry<K>
where
    K: Eq + Hash + Clone + fmt::Display + Send + Sync + 'static,
{
    /// Starts building a registry whose breakers are named by their keys'
    /// `Display`.
    pub fn builder() -> RegistryBuilder<K> {
        RegistryBuilder::new(Arc::new(|key: &K| key.to_string()))
    }

    /// A registry whose breakers all get `config`, with the default bounds.
    ///
    /// # Errors
    /// [`RegistryError::Config`] if `config` breaks a rule.
    pub fn new(config: Config) -> Result<Self, RegistryError> {
        Self::builder().config(config).build()
    }
}

impl<K> Registry<K>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
{
    /// Starts building a registry for keys without `Display`, naming each
    /// key's breaker with `names`.
    pub fn builder_with_names(
        names: impl Fn(&K) -> String + Send + Sync + 'static,
    ) -> RegistryBuilder<K> {
        RegistryBuilder::new(Arc::new(names))
    }

    /// The breaker for `key`, created on first use.
    ///
    /// Never fails: where [`try_get`](Self::try_get) would, it answers with
    /// the shared overflow breaker (registry full) or a breaker with the
    /// default config (the key's config breaks a rule); see [`Registry`].
    pub fn get<Q>(&self, key: &Q) -> Arc<CircuitBreaker>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        if let Some(breaker) = self.lookup(key) {
            return breaker;
        }
        match self.create(key, WhenFull::Overflow) {
            Ok(breaker) => breaker,
            Err(_) => self.overflow(),
        }
    }

    /// The breaker for `key`, created on first use, or why the key cannot
    /// have one.
    ///
    /// # Errors
    /// [`RegistryError::Full`] if the registry holds `max_breakers`
    /// breakers and none may be evicted; [`RegistryError::KeyConfig`] if
    /// the config given for this key breaks a rule.
    pub fn try_get<Q>(&self, key: &Q) -> Result<Arc<CircuitBreaker>, RegistryError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        if let Some(breaker) = self.lookup(key) {
            return Ok(breaker);
        }
        self.create(key, WhenFull::Fail)
    }

    /// Runs `f` on the breaker for `key`, created on first use, as
    /// [`get`](Self::get) does, but without cloning its `Arc` when the key
    /// has a breaker: `f` runs on the registry's snapshot. For a call path
    /// that only needs the breaker for a moment, e.g. to take an
    /// [`OwnedPermit`](crate::OwnedPermit) (which holds its own `Arc`):
    ///
    /// ```
    /// use circuit_core::{Config, Registry};
    ///
    /// let hosts: Registry<String> = Registry::new(Config::default()).unwrap();
    /// let permit = hosts.with_breaker("https://api.example.com:443", |b| b.try_acquire_owned());
    /// permit.expect("a new breaker is closed").record_success();
    /// ```
    #[inline]
    pub fn with_breaker<Q, R>(&self, key: &Q, f: impl FnOnce(&Arc<CircuitBreaker>) -> R) -> R
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        {
            let hash = self.shards.hash(key);
            let table = self.shards.cell_of(hash).peek();
            if let Some(slot) = shards::find(&table, hash, key) {
                slot.touch(self.clock.now_nanos(), self.touch_every);
                return f(&slot.breaker);
            }
        }
        f(&self.get(key))
    }

    /// The breaker for `key` if it has one; creates nothing.
    #[inline]
    pub fn lookup<Q>(&self, key: &Q) -> Option<Arc<CircuitBreaker>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.shards.hash(key);
        let table = self.shards.cell_of(hash).peek();
        let slot = shards::find(&table, hash, key)?;
        slot.touch(self.clock.now_nanos(), self.touch_every);
        Some(Arc::clone(&slot.breaker))
    }

    /// Every key and its breaker, in no particular order. Each shard is
    /// read at one instant; a breaker created or evicted meanwhile may or
    /// may not be listed.
    pub fn entries(&self) -> Vec<(K, Arc<CircuitBreaker>)> {
        self.slots()
            .into_iter()
            .map(|(key, slot)| (key, Arc::clone(&slot.breaker)))
            .collect()
    }

    /// Every key and slot, each shard read at one instant.
    fn slots(&self) -> Vec<(K, Arc<Slot>)> {
        let mut slots = Vec::with_capacity(self.len());
        for (_, table) in self.shards.current() {
            slots.extend(
                table
                    .iter()
                    .map(|entry| (entry.key.clone(), Arc::clone(&entry.slot))),
            );
        }
        slots
    }

    /// How many breakers the registry holds (the overflow breaker aside).
    pub fn len(&self) -> usize {
        usize::try_from(self.len.load(Ordering::Relaxed)).unwrap_or(usize::MAX)
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bound on [`len`](Self::len).
    pub fn max_breakers(&self) -> usize {
        self.max_breakers
    }

    /// How long a CLOSED breaker may go without a lookup before it may be
    /// forgotten.
    pub fn idle_timeout(&self) -> Duration {
        self.idle_timeout
    }

    /// The breaker shared by keys that find the registry full (see
    /// [`Registry`]); not among [`entries`](Self::entries).
    pub fn overflow_breaker(&self) -> Arc<CircuitBreaker> {
        Arc::clone(&self.overflow)
    }

    /// How many [`get`](Self::get) calls found the registry full and were
    /// answered with the shared overflow breaker.
    pub fn overflowed(&self) -> u64 {
        self.overflowed.load(Ordering::Relaxed)
    }
}

impl<K> fmt::Debug for Registry<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("breakers", &self.len.load(Ordering::Relaxed))
            .field("shards", &self.shards.count())
            .field("max_breakers", &self.max_breakers)
            .field("idle_timeout", &self.idle_timeout)
            .field("overflowed", &self.overflowed.load(Ordering::Relaxed))
            .field("make", &self.make)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
