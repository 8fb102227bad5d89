//! Building a registry: how its breakers are made, and its bounds.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use super::shards::{Shards, shard_count};
use super::{Make, Registry, Writer, touch_granularity};
use crate::clock::{BreakerClock, duration_to_nanos};
use crate::sync::{AtomicU64, Mutex};
use crate::{Builder, Clock, Config, EventListener};

use super::RegistryError;

/// Breakers a registry holds at most unless told otherwise.
pub const DEFAULT_MAX_BREAKERS: usize = 1024;
/// How long a CLOSED breaker may go without a lookup before the registry
/// forgets it, unless told otherwise.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(10 * 60);

type ConfigFn<K> = dyn Fn(&K) -> Config + Send + Sync;
type NameFn<K> = dyn Fn(&K) -> String + Send + Sync;
type CustomizeFn<K> = dyn Fn(&K, Builder) -> Builder + Send + Sync;

/// Builds a [`Registry`]; see [`Registry::builder`].
#[must_use]
pub struct RegistryBuilder<K> {
    config: Config,
    config_for: Option<Arc<ConfigFn<K>>>,
    names: Arc<NameFn<K>>,
    listeners: Vec<Arc<dyn EventListener>>,
    clock: Option<Arc<dyn Clock>>,
    customize: Option<Arc<CustomizeFn<K>>>,
    max_breakers: usize,
    idle_timeout: Duration,
    overflow_name: String,
}

impl<K> RegistryBuilder<K>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
{
    pub(super) fn new(names: Arc<NameFn<K>>) -> Self {
        Self {
            config: Config::default(),
            config_for: None,
            names,
            listeners: Vec::new(),
            clock: None,
            customize: None,
            max_breakers: DEFAULT_MAX_BREAKERS,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            overflow_name: "overflow".to_owned(),
        }
    }

    /// The config of every breaker (default: [`Config::default`]), unless
    /// [`config_for`](Self::config_for) says otherwise for a key.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// The config of each key's breaker, asked once when the breaker is
    /// created. A config that breaks a rule is refused by
    /// [`Registry::try_get`]; [`Registry::get`] then uses the default
    /// config for that key (and logs an error with the `tracing` feature).
    pub fn config_for(mut self, config: impl Fn(&K) -> Config + Send + Sync + 'static) -> Self {
        self.config_for = Some(Arc::new(config));
        self
    }

    /// How a key's breaker is named (default: the key's `Display`).
    pub fn names(mut self, names: impl Fn(&K) -> String + Send + Sync + 'static) -> Self {
        self.names = Arc::new(names);
        self
    }

    /// A listener attached to every breaker the registry creates; call
    /// again to add more. It tells breakers apart by their names.
    pub fn listener(mut self, listener: impl EventListener + 'static) -> Self {
        self.listeners.push(Arc::new(listener));
        self
    }

    /// The clock of every breaker, also used to tell idle breakers
    /// (default: [`SystemClock`](crate::SystemClock)).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// A last word on each breaker before it is built: a trip policy, a
    /// backoff or a listener for some keys only.
    pub fn customize(
        mut self,
        customize: impl Fn(&K, Builder) -> Builder + Send + Sync + 'static,
    ) -> Self {
        self.customize = Some(Arc::new(customize));
        self
    }

    /// The most breakers the registry holds (default
    /// [`DEFAULT_MAX_BREAKERS`]); see [`Registry`] for what happens at the
    /// bound. It also sizes the registry's shards (one per 16 breakers, at
    /// most 4096), so a bound far above the keys you expect costs a little
    /// memory up front: 8 bytes per shard.
    pub fn max_breakers(mut self, max_breakers: usize) -> Self {
        self.max_breakers = max_breakers;
        self
    }

    /// How long a CLOSED breaker may go without a lookup before the
    /// registry forgets it (default [`DEFAULT_IDLE_TIMEOUT`];
    /// `Duration::MAX` never forgets an idle breaker, though the bound
    /// still may).
    pub fn idle_timeout(mut self, idle_timeout: Duration) -> Self {
        self.idle_timeout = idle_timeout;
        self
    }

    /// The name of the breaker shared by keys that find the registry full
    /// (default `"overflow"`).
    pub fn overflow_name(mut self, name: impl Into<String>) -> Self {
        self.overflow_name = name.into();
        self
    }

    /// Validates the settings and the default config.
    ///
    /// # Errors
    /// [`RegistryError::Config`] if the default config breaks a rule;
    /// [`RegistryError::Setting`] if `max_breakers` or `idle_timeout` is
    /// zero.
    pub fn build(self) -> Result<Registry<K>, RegistryError> {
        self.config.validate().map_err(RegistryError::Config)?;
        if self.max_breakers == 0 {
            return Err(RegistryError::Setting {
                setting: "max_breakers",
                rule: "must be at least 1",
            });
        }
        if self.idle_timeout.is_zero() {
            return Err(RegistryError::Setting {
                setting: "idle_timeout",
                rule: "must be longer than zero",
            });
        }
        let idle_nanos = duration_to_nanos(self.idle_timeout);
        let make = Make {
            names: self.names,
            listeners: self.listeners.into_boxed_slice(),
            clock: self.clock.clone(),
            customize: self.customize,
            overflow_name: self.overflow_name,
        };
        let overflow = make
            .overflow(self.config.clone())
            .map_err(RegistryError::Config)?;
        Ok(Registry {
            shards: Shards::new(shard_count(self.max_breakers)),
            len: AtomicU64::new(0),
            writer: Mutex::new(Writer {
                default: self.config,
                config_for: self.config_for,
                overrides: HashMap::new(),
            }),
            make,
            overflow: Arc::new(overflow),
            clock: match self.clock {
                Some(clock) => BreakerClock::Custom(clock),
                None => BreakerClock::System,
            },
            max_breakers: self.max_breakers,
            idle_timeout: self.idle_timeout,
            idle_nanos,
            touch_every: touch_granularity(idle_nanos),
            overflowed: AtomicU64::new(0),
        })
    }
}

impl<K> fmt::Debug for RegistryBuilder<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistryBuilder")
            .field("config", &self.config)
            .field("config_for", &self.config_for.is_some())
            .field("listeners", &self.listeners.len())
            .field("clock", &self.clock)
            .field("customize", &self.customize.is_some())
            .field("max_breakers", &self.max_breakers)
            .field("idle_timeout", &self.idle_timeout)
            .field("overflow_name", &self.overflow_name)
            .finish()
    }
}
