//! [`Registry`]: one breaker per key (host, route, tenant), created on
//! first use, bounded, forgetting idle CLOSED breakers.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::BreakerClock;
use crate::sync::{AtomicU64, Mutex, Ordering, SwapCell, lock};
use crate::{CircuitBreaker, Config};

mod builder;
mod error;
mod evict;
mod make;
mod reconfigure;
mod slot;

pub use builder::{DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_BREAKERS, RegistryBuilder};
pub use error::RegistryError;
use make::Make;
use slot::Slot;

/// foldhash rather than SipHash: a lookup hashes its key every time, and
/// SipHash was half of a lookup's cost (22 of 44 ns for a 31-byte host key,
/// 16 ns in all with foldhash: `cargo bench -p circuit-core --bench
/// registry`). foldhash is seeded per
/// process and only minimally resistant to crafted collisions; the map
/// never holds more than `max_breakers` keys, which bounds what such an
/// attack could slow down.
type Map<K> = HashMap<K, Arc<Slot>, foldhash::fast::RandomState>;
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
/// The keys live in an immutable map behind an `ArcSwap`: looking up a
/// key that has a breaker takes no lock, reads one snapshot pointer, hashes
/// the key (with foldhash, seeded per process) and clones an `Arc`. Creating a breaker copies the map under a
/// writer lock that lookups never take, so it costs O(breakers): keys are
/// meant to be few and long-lived (hosts, routes), not one per request.
///
/// # Bounds and eviction
/// The registry holds at most `max_breakers` breakers. A breaker may be
/// forgotten only when it is CLOSED and no caller holds it: an OPEN,
/// HALF_OPEN or forced breaker is never evicted, because forgetting an
/// outage would send traffic straight back to a dead host, and a breaker
/// someone still holds an `Arc` of would split its key's counts in two.
///
/// * **Idle eviction.** A breaker that may be forgotten and was not looked
///   up for `idle_timeout` goes when the next breaker is created, or when
///   [`evict_idle`](Self::evict_idle) is called (the registry spawns no
///   thread; call it from your own timer if keys stop arriving).
/// * **At the bound.** Creating a breaker first forgets the idle ones; if
///   the registry is still full, the least recently used breaker that may
///   be forgotten goes. If none may, the key gets no breaker of its own:
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
    map: SwapCell<Map<K>>,
    /// Creation, eviction and reconfiguration: never taken by a lookup.
    writer: Mutex<Writer<K>>,
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
            let map = self.map.peek();
            if let Some(slot) = map.get(key) {
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
        let map = self.map.peek();
        let slot = map.get(key)?;
        slot.touch(self.clock.now_nanos(), self.touch_every);
        Some(Arc::clone(&slot.breaker))
    }

    fn create<Q>(&self, key: &Q, when_full: WhenFull) -> Result<Arc<CircuitBreaker>, RegistryError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        let writer = lock(&self.writer);
        let current = self.map.load();
        // Another caller may have created it while this one waited.
        if let Some(slot) = current.get(key) {
            return Ok(Arc::clone(&slot.breaker));
        }
        let now = self.clock.now_nanos();
        let victims = if current.len() < self.max_breakers {
            evict::idle(&current, now, self.idle_nanos)
        } else {
            evict::make_room(&current, now, self.idle_nanos, self.max_breakers).ok_or(
                RegistryError::Full {
                    max_breakers: self.max_breakers,
                },
            )?
        };
        let key = key.to_owned();
        let breaker = match self.make.breaker(&key, writer.config_of(&key)) {
            Ok(breaker) => breaker,
            Err(source) => {
                let breaker = self.make.name(&key);
                let error = RegistryError::KeyConfig { breaker, source };
                if when_full == WhenFull::Fail {
                    return Err(error);
                }
                #[cfg(feature = "tracing")]
                tracing::error!(%error, "using the registry's default config instead");
                self.make
                    .breaker(&key, writer.default.clone())
                    .map_err(RegistryError::Config)?
            }
        };
        let breaker = Arc::new(breaker);
        let mut next = Map::clone(&current);
        for victim in &victims {
            next.remove::<K>(victim);
        }
        next.insert(key, Arc::new(Slot::new(Arc::clone(&breaker), now)));
        self.map.swap(Arc::new(next));
        Ok(breaker)
    }

    fn overflow(&self) -> Arc<CircuitBreaker> {
        self.overflowed.fetch_add(1, Ordering::Relaxed);
        Arc::clone(&self.overflow)
    }

    /// Forgets the breakers that may be evicted (CLOSED, held by no caller)
    /// and were not looked up for `idle_timeout`; returns how many.
    pub fn evict_idle(&self) -> usize {
        let _writer = lock(&self.writer);
        let current = self.map.load();
        let victims = evict::idle(&current, self.clock.now_nanos(), self.idle_nanos);
        if !victims.is_empty() {
            let mut next = Map::clone(&current);
            for victim in &victims {
                next.remove::<K>(victim);
            }
            self.map.swap(Arc::new(next));
        }
        victims.len()
    }

    /// Forgets `key`'s breaker whatever its state, and returns it. A config
    /// given for the key with [`reconfigure_key`](Self::reconfigure_key) is
    /// kept.
    pub fn remove<Q>(&self, key: &Q) -> Option<Arc<CircuitBreaker>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let _writer = lock(&self.writer);
        let current = self.map.load();
        current.get(key)?;
        let mut next = Map::clone(&current);
        let slot = next.remove(key)?;
        self.map.swap(Arc::new(next));
        Some(Arc::clone(&slot.breaker))
    }

    /// Every key and its breaker, at one instant, in no particular order.
    pub fn entries(&self) -> Vec<(K, Arc<CircuitBreaker>)> {
        self.map
            .peek()
            .iter()
            .map(|(key, slot)| (key.clone(), Arc::clone(&slot.breaker)))
            .collect()
    }

    /// How many breakers the registry holds (the overflow breaker aside).
    pub fn len(&self) -> usize {
        self.map.peek().len()
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
            .field("breakers", &self.map.peek().len())
            .field("max_breakers", &self.max_breakers)
            .field("idle_timeout", &self.idle_timeout)
            .field("overflowed", &self.overflowed.load(Ordering::Relaxed))
            .field("make", &self.make)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
