//! Building a breaker: extension points and validation.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::{CircuitBreaker, Cold, Hooks};
use crate::backoff::Backoff;
use crate::clock::{BreakerClock, Clock, duration_to_nanos};
use crate::counters::{Counters, FailureRun};
use crate::listener::EventListener;
use crate::policy::TripPolicy;
use crate::state::{Packed, State};
use crate::sync::{AtomicU64, Mutex, SwapCell};
use crate::window::{Cumulative, Ring};
use crate::{Config, ConfigError, Outcome};

impl CircuitBreaker {
    /// Starts building a breaker named `name`.
    pub fn builder(name: impl Into<String>) -> Builder {
        Builder {
            name: name.into(),
            config: Config::default(),
            clock: None,
            listeners: Vec::new(),
            policy: None,
            backoff: None,
        }
    }

    /// A breaker with this config, the system clock and no listener.
    ///
    /// # Errors
    /// [`ConfigError`] if the config breaks a rule.
    pub fn new(name: impl Into<String>, config: Config) -> Result<Self, ConfigError> {
        Self::builder(name).config(config).build()
    }
}

/// Builds a [`CircuitBreaker`]; see [`CircuitBreaker::builder`].
#[must_use]
pub struct Builder {
    name: String,
    config: Config,
    clock: Option<Arc<dyn Clock>>,
    listeners: Vec<Arc<dyn EventListener>>,
    policy: Option<Arc<dyn TripPolicy>>,
    backoff: Option<Arc<dyn Backoff>>,
}

impl Builder {
    /// The configuration (default: [`Config::default`]).
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// The clock (default: [`SystemClock`](crate::SystemClock)).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Adds an event listener; call again to add more (all are called, in
    /// order).
    pub fn listener(mut self, listener: impl EventListener + 'static) -> Self {
        self.listeners.push(Arc::new(listener));
        self
    }

    /// Replaces the trip decision (default: [`DefaultTripPolicy`](crate::DefaultTripPolicy)).
    pub fn trip_policy(mut self, policy: impl TripPolicy + 'static) -> Self {
        self.policy = Some(Arc::new(policy));
        self
    }

    /// Replaces the backoff (default: [`ExponentialBackoff`](crate::ExponentialBackoff) from the
    /// config's `base_backoff` and `max_backoff`).
    pub fn backoff(mut self, backoff: impl Backoff + 'static) -> Self {
        self.backoff = Some(Arc::new(backoff));
        self
    }

    /// Validates the config and builds the breaker.
    ///
    /// # Errors
    /// [`ConfigError`] naming the first field that breaks a rule.
    pub fn build(self) -> Result<CircuitBreaker, ConfigError> {
        self.config.validate()?;
        let clock = match self.clock {
            Some(clock) => BreakerClock::Custom(clock),
            None => BreakerClock::System,
        };
        let now = clock.now_nanos();
        let ring = Ring::new(
            duration_to_nanos(self.config.monitor_window),
            now,
            Cumulative::default(),
        );
        let bucket_end = ring.current_bucket_end();
        let cold = Cold::new(ring, clock.wall_now());
        let mut listeners = self.listeners;
        if let Some(policy) = self.policy.as_ref().filter(|p| p.wants_latencies()) {
            // Decided once: a policy that wants no latencies adds nothing
            // to the call path.
            listeners.insert(0, Arc::new(LatencyTap(Arc::clone(policy))));
        }
        let breaker = CircuitBreaker {
            name: self.name.into_boxed_str(),
            config: SwapCell::new(shared(self.config)),
            // Armed: the first success is judged (a policy may trip on it,
            // with a zero threshold say), and that judgment decides again.
            state: AtomicU64::new(Packed::new(State::Closed, 0).with_armed(true).0),
            open_until: AtomicU64::new(0),
            bucket_end: AtomicU64::new(bucket_end),
            run: FailureRun::default(),
            slow_nanos: AtomicU64::new(0),
            abandoned_nanos: AtomicU64::new(0),
            stale_successes: AtomicU64::new(0),
            counters: Counters::new(),
            cold: Mutex::new(cold),
            clock,
            hooks: (self.policy.is_some() || self.backoff.is_some()).then(|| {
                Box::new(Hooks {
                    policy: self.policy,
                    backoff: self.backoff,
                })
            }),
            call_listeners: listeners.iter().any(|l| l.wants_calls()),
            listeners: listeners.into_boxed_slice(),
        };
        let config = breaker.config.load();
        breaker.cache_hot_values(&config, breaker.policy_slow_nanos(&config));
        Ok(breaker)
    }
}

/// Hands every finished call's latency to a trip policy that asked for
/// them, as the first listener (listeners run outside the lock).
#[derive(Debug)]
struct LatencyTap(Arc<dyn TripPolicy>);

impl EventListener for LatencyTap {
    fn on_call(&self, _breaker: &str, outcome: Outcome, latency: Duration) {
        self.0.record_latency(outcome, latency);
    }
}

/// Breakers built with the default config share one copy of it.
fn shared(config: Config) -> Arc<Config> {
    #[cfg(not(loom))]
    {
        static DEFAULT: std::sync::OnceLock<Arc<Config>> = std::sync::OnceLock::new();
        if config == Config::default() {
            return Arc::clone(DEFAULT.get_or_init(|| Arc::new(Config::default())));
        }
    }
    Arc::new(config)
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("name", &self.name)
            .field("config", &self.config)
            .field("clock", &self.clock)
            .field("listeners", &self.listeners.len())
            .field("policy", &self.policy)
            .field("backoff", &self.backoff)
            .finish()
    }
}
