//! Building a breaker: extension points and validation.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::{CircuitBreaker, Cold};
use crate::backoff::Backoff;
use crate::clock::{BreakerClock, Clock, duration_to_nanos};
use crate::counters::{Stripe, StripedCounters};
use crate::listener::EventListener;
use crate::permit::NO_PROBE;
use crate::policy::TripPolicy;
use crate::state::{Packed, State};
use crate::sync::{AtomicU32, AtomicU64, Mutex};
use crate::window::{Cumulative, Ring};
use crate::{Config, ConfigError};

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
        let cold = Cold {
            ring,
            trips: 0,
            current_backoff: Duration::ZERO,
            // Sized on the first HALF_OPEN: most breakers never get there.
            probes: Vec::new(),
            probe_successes: 0,
            next_ticket: NO_PROBE + 1,
            history: VecDeque::new(),
            last_change: clock.wall_now(),
            open_count: 0,
            recovery_attempts: 0,
        };
        Ok(CircuitBreaker {
            name: self.name.into_boxed_str(),
            slow_nanos: duration_to_nanos(self.config.slow_call_threshold),
            probe_timeout_nanos: duration_to_nanos(self.config.half_open_probe_timeout),
            recovery_nanos: duration_to_nanos(self.config.recovery_timeout),
            config: self.config,
            state: AtomicU64::new(Packed::new(State::Closed, 0).0),
            open_until: AtomicU64::new(0),
            bucket_end: AtomicU64::new(bucket_end),
            consecutive_failures: AtomicU32::new(0),
            success_base: AtomicU64::new(0),
            counters: StripedCounters::default(),
            off_window: Stripe::default(),
            cold: Mutex::new(cold),
            clock,
            policy: self.policy,
            backoff: self.backoff,
            listeners: self.listeners.into_boxed_slice(),
        })
    }
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
