//! A registry of breakers per key as a metric source: every key with a
//! `key` label, under a cardinality bound.

mod select;

use std::borrow::Cow;
use std::fmt;
use std::hash::Hash;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use circuit_core::{CircuitBreaker, Registry, State};

use crate::breaker::breaker_samples;
use crate::model::{AttributeValue, Descriptor, Kind, Sample, Unit, Value};
use crate::source::MetricSource;

pub(crate) use select::severity;
pub use select::{EMPTY_KEY, OVERFLOW_KEY};
use select::{count_states, key_label, select};

/// Keys of a registry that get series of their own unless told otherwise
/// ([`RegistrySource::max_keys`]): about 2 800 series of breaker metrics.
pub const DEFAULT_MAX_KEYS: usize = 100;

/// Keys in a registry by state, every key counted (the overflow breaker
/// aside).
pub static REGISTRY_KEYS: Descriptor = Descriptor::new(
    "circuit_breaker.registry.keys",
    Kind::Gauge,
    Unit::Count("key"),
    "Keys of the registry by the state of their breaker.",
    &["breaker", "state"],
);
/// Keys left out of the per-key series by the bound, by state.
pub static REGISTRY_HIDDEN_KEYS: Descriptor = Descriptor::new(
    "circuit_breaker.registry.hidden_keys",
    Kind::Gauge,
    Unit::Count("key"),
    "Keys of the registry without series of their own (past the metrics bound), by state.",
    &["breaker", "state"],
);
/// Lookups answered with the shared overflow breaker because the registry
/// was full ([`Registry::overflowed`]).
pub static REGISTRY_OVERFLOWED: Descriptor = Descriptor::new(
    "circuit_breaker.registry.overflowed",
    Kind::Counter,
    Unit::Count("lookup"),
    "Lookups the full registry answered with its shared overflow breaker.",
    &["breaker"],
);

/// The metrics a [`RegistrySource`] reports about the registry itself,
/// besides [`BREAKER_METRICS`](crate::BREAKER_METRICS) per key.
pub static REGISTRY_METRICS: [&Descriptor; 3] =
    [&REGISTRY_KEYS, &REGISTRY_HIDDEN_KEYS, &REGISTRY_OVERFLOWED];

/// A [`circuit_core::Registry`] as a metric source (and, with the
/// `dashboard` feature, as what a dashboard lists): the breaker of every
/// key with a `key` label, up to a bound.
///
/// Samples of a key's breaker are those of [`BREAKER_METRICS`], with
/// `breaker` set to the registry's name (given here) and an extra `key`
/// label: the breaker's own name, which the registry derives from the key
/// (its `Display`, or the `names` function given to its builder). A key
/// whose name starts with `__` gets one more `_` in front, so that it
/// cannot pass for the reserved [`OVERFLOW_KEY`] and [`EMPTY_KEY`].
///
/// # The bound
/// At most [`max_keys`](Self::max_keys) keys (default
/// [`DEFAULT_MAX_KEYS`]) get series of their own: the worst first (forced
/// open, open, half-open, forced closed, closed), then by name. An OPEN key
/// is therefore never left out while a CLOSED one is shown, and the choice
/// does not change between scrapes unless states do. The keys left out
/// have no series and are not summed into one either (a sum of lifetime
/// counters over a changing set of keys goes down, which Prometheus reads
/// as a counter reset): they are counted, by state, in
/// [`REGISTRY_HIDDEN_KEYS`], beside [`REGISTRY_KEYS`] (every key by state).
/// The first time keys are left out a warning is logged (feature
/// `tracing`). A key that leaves the registry (evicted, removed) or falls
/// out of the bound has no sample in the next collection: pull exporters
/// stop reporting it at once, so no series stays behind.
///
/// The shared overflow breaker is reported with `key="__overflow__"` once
/// the registry has used it, whatever the bound; [`REGISTRY_OVERFLOWED`]
/// counts the lookups it answered.
///
/// # Cost
/// A collection lists the registry ([`Registry::entries`]) and reads every
/// key's state (one atomic load each), then takes a full metrics snapshot
/// of the keys it shows only. While the list is held no breaker can be
/// evicted, so it is dropped before the snapshots are taken.
///
/// ```
/// use std::sync::Arc;
/// use circuit_core::{Config, Registry};
/// use circuit_metrics::{Collector, RegistrySource, Value};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let hosts: Arc<Registry<String>> = Arc::new(Registry::new(Config::default())?);
/// let collector = Collector::new();
/// collector.register(RegistrySource::new("upstreams", Arc::clone(&hosts)).max_keys(500));
///
/// hosts.get("api.example.com").try_acquire()?.record_success();
/// let snapshot = collector.snapshot();
/// let calls = snapshot.find(
///     "circuit_breaker.calls",
///     &[("breaker", "upstreams"), ("key", "api.example.com"), ("outcome", "success")],
/// );
/// assert_eq!(calls.map(|s| &s.value), Some(&Value::Counter(1)));
/// # Ok(())
/// # }
/// ```
///
/// [`BREAKER_METRICS`]: crate::BREAKER_METRICS
#[derive(Clone)]
pub struct RegistrySource {
    name: Arc<str>,
    registry: Arc<dyn Keys>,
    max_keys: usize,
    /// Whether the bound has been reached once (and said so).
    warned: Arc<AtomicBool>,
}

/// What a source needs of a registry, whatever its key type.
trait Keys: Send + Sync + fmt::Debug {
    fn breakers(&self) -> Vec<Arc<CircuitBreaker>>;
    fn overflow(&self) -> Arc<CircuitBreaker>;
    fn overflowed(&self) -> u64;
}

impl<K> Keys for Registry<K>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
{
    fn breakers(&self) -> Vec<Arc<CircuitBreaker>> {
        self.entries().into_iter().map(|(_, b)| b).collect()
    }

    fn overflow(&self) -> Arc<CircuitBreaker> {
        self.overflow_breaker()
    }

    fn overflowed(&self) -> u64 {
        Registry::overflowed(self)
    }
}

/// One reading of a registry: the keys to show, and counts.
pub(crate) struct Selection {
    /// The breakers to show, worst first, with their `key` labels.
    pub(crate) shown: Vec<(Arc<CircuitBreaker>, AttributeValue)>,
    /// Every key by state, [`State::ALL`] order.
    pub(crate) keys: [usize; 5],
    /// The keys left out by state.
    pub(crate) hidden: [usize; 5],
    /// The overflow breaker, once the registry has used it.
    pub(crate) overflow: Option<Arc<CircuitBreaker>>,
    pub(crate) overflowed: u64,
}

impl RegistrySource {
    /// Reports `registry` under the name `name` (the `breaker` label of
    /// its samples), at most [`DEFAULT_MAX_KEYS`] keys with series of
    /// their own.
    pub fn new<K>(name: impl Into<String>, registry: Arc<Registry<K>>) -> Self
    where
        K: Eq + Hash + Clone + Send + Sync + 'static,
    {
        Self {
            name: name.into().into(),
            registry,
            max_keys: DEFAULT_MAX_KEYS,
            warned: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Gives at most `max_keys` keys series (and dashboard cards) of their
    /// own; see [the bound](Self#the-bound). 0 reports the counts only.
    #[must_use]
    pub fn max_keys(mut self, max_keys: usize) -> Self {
        self.max_keys = max_keys;
        self
    }

    /// The registry's name, the `breaker` label of its samples.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The bound on keys with series of their own.
    pub fn key_bound(&self) -> usize {
        self.max_keys
    }

    /// Reads the registry: which keys to show, and how many of each state
    /// there are. The list of every breaker is dropped before this returns.
    pub(crate) fn select(&self) -> Selection {
        let all: Vec<(Arc<CircuitBreaker>, State)> = self
            .registry
            .breakers()
            .into_iter()
            .map(|b| {
                let state = b.state();
                (b, state)
            })
            .collect();
        let keys = count_states(all.iter().map(|(_, s)| *s));
        let (shown, hidden) = select(all, self.max_keys, |(_, s)| severity(*s), |(b, _)| b.name());
        let hidden_counts = count_states(hidden.iter().map(|(_, s)| *s));
        drop(hidden);
        if hidden_counts.iter().any(|n| *n > 0) && !self.warned.swap(true, Ordering::Relaxed) {
            #[cfg(feature = "tracing")]
            tracing::warn!(
                target: "circuit_metrics",
                registry = %self.name,
                keys = keys.iter().sum::<usize>(),
                max_keys = self.max_keys,
                "the registry has more keys than the metrics bound: the healthiest have no \
                 series of their own and are counted in circuit_breaker.registry.hidden_keys"
            );
        }
        let overflowed = self.registry.overflowed();
        Selection {
            shown: shown
                .into_iter()
                .map(|(b, _)| {
                    let label = Cow::Owned(key_label(b.name()).into_owned());
                    (b, label)
                })
                .collect(),
            keys,
            hidden: hidden_counts,
            overflow: (overflowed > 0).then(|| self.registry.overflow()),
            overflowed,
        }
    }
}

impl fmt::Debug for RegistrySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistrySource")
            .field("name", &self.name)
            .field("registry", &self.registry)
            .field("max_keys", &self.max_keys)
            .finish()
    }
}

impl MetricSource for RegistrySource {
    fn name(&self) -> Cow<'_, str> {
        Cow::Owned(format!("circuit_breaker_registry/{}", self.name))
    }

    fn collect(&self, out: &mut Vec<Sample>) {
        let selection = self.select();
        let registry: AttributeValue = Cow::Owned(self.name.to_string());
        let overflow = selection
            .overflow
            .iter()
            .map(|b| (b, Cow::Borrowed(OVERFLOW_KEY)));
        for (breaker, key) in selection
            .shown
            .iter()
            .map(|(b, k)| (b, k.clone()))
            .chain(overflow)
        {
            breaker_samples(&breaker.metrics(), None, registry.clone(), Some(key), out);
        }
        for (descriptor, counts) in [
            (&REGISTRY_KEYS, selection.keys),
            (&REGISTRY_HIDDEN_KEYS, selection.hidden),
        ] {
            for (state, count) in State::ALL.iter().zip(counts) {
                out.push(Sample::new(
                    descriptor,
                    vec![registry.clone(), Cow::Borrowed(state.as_str())],
                    Value::Gauge(count as f64),
                ));
            }
        }
        out.push(Sample::new(
            &REGISTRY_OVERFLOWED,
            vec![registry],
            Value::Counter(selection.overflowed),
        ));
    }

    fn as_registry(&self) -> Option<&RegistrySource> {
        Some(self)
    }
}

#[cfg(test)]
pub(crate) mod tests;
