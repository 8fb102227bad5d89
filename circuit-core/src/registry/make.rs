//! Making a key's breaker: its name, the registry's clock and listeners,
//! the user's last word.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::{Builder, CircuitBreaker, Clock, Config, ConfigError, EventListener};

type NameFn<K> = dyn Fn(&K) -> String + Send + Sync;
type CustomizeFn<K> = dyn Fn(&K, Builder) -> Builder + Send + Sync;

/// What every breaker of a registry is made with.
pub(super) struct Make<K> {
    pub(super) names: Arc<NameFn<K>>,
    pub(super) listeners: Box<[Arc<dyn EventListener>]>,
    pub(super) clock: Option<Arc<dyn Clock>>,
    pub(super) customize: Option<Arc<CustomizeFn<K>>>,
    pub(super) overflow_name: String,
}

impl<K> Make<K> {
    pub(super) fn name(&self, key: &K) -> String {
        (self.names)(key)
    }

    /// The breaker for `key`.
    pub(super) fn breaker(&self, key: &K, config: Config) -> Result<CircuitBreaker, ConfigError> {
        let mut builder = self.common(self.name(key), config);
        if let Some(customize) = &self.customize {
            builder = customize(key, builder);
        }
        builder.build()
    }

    /// The breaker shared by keys that find the registry full.
    pub(super) fn overflow(&self, config: Config) -> Result<CircuitBreaker, ConfigError> {
        self.common(self.overflow_name.clone(), config).build()
    }

    fn common(&self, name: String, config: Config) -> Builder {
        let mut builder = CircuitBreaker::builder(name).config(config);
        if let Some(clock) = &self.clock {
            builder = builder.clock(SharedClock(Arc::clone(clock)));
        }
        for listener in &self.listeners {
            builder = builder.listener(Arc::clone(listener));
        }
        builder
    }
}

impl<K> fmt::Debug for Make<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Make")
            .field("listeners", &self.listeners)
            .field("clock", &self.clock)
            .field("customize", &self.customize.is_some())
            .field("overflow_name", &self.overflow_name)
            .finish_non_exhaustive()
    }
}

/// The registry's clock, shared by all its breakers.
#[derive(Debug)]
struct SharedClock(Arc<dyn Clock>);

impl Clock for SharedClock {
    fn now(&self) -> Duration {
        self.0.now()
    }

    fn wall_now(&self) -> SystemTime {
        self.0.wall_now()
    }
}
