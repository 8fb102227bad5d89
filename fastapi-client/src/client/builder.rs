//! Building a client: checking the config, wiring breaker and fallbacks.

use std::fmt;
use std::sync::Arc;

use circuit_core::{CircuitBreaker, Clock, EventListener, TripPolicy};

use super::{Client, Inner};
use crate::admission::Endpoints;
use crate::fallback::Fallbacks;
use crate::health::{HealthWatch, OnOpen};
use crate::lifecycle::Lifecycle;
use crate::operation::Operation;
use crate::stats::Counters;
use crate::{ClientConfig, ClientError};

/// Builds a [`Client`] with the breaker's extension points; see
/// [`Client::builder`].
#[must_use]
pub struct ClientBuilder {
    config: ClientConfig,
    http: Option<reqwest::Client>,
    clock: Option<Arc<dyn Clock>>,
    listeners: Vec<Arc<dyn EventListener>>,
    policy: Option<Arc<dyn TripPolicy>>,
}

impl ClientBuilder {
    pub(super) fn new(config: ClientConfig) -> Self {
        Self {
            config,
            http: None,
            clock: None,
            listeners: Vec::new(),
            policy: None,
        }
    }

    /// Sends through this `reqwest::Client` instead of a new one.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// The clock of the breaker and of the fallback cache's ages (default:
    /// the system's monotonic clock); e.g. `circuit_core::ManualClock` in
    /// tests. A [`custom`](crate::FallbackConfig::custom) fallback bundle
    /// keeps its own clock.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Adds a breaker event listener (metrics exporters, alerting).
    pub fn listener(mut self, listener: impl EventListener + 'static) -> Self {
        self.listeners.push(Arc::new(listener));
        self
    }

    /// Replaces the breaker's trip decision (default: the config's
    /// thresholds), e.g. with `circuit_core::AdaptivePolicy`. A learning
    /// policy serves one breaker: give each client its own, and keep an
    /// `Arc` of it to read what it learned.
    pub fn trip_policy(mut self, policy: impl TripPolicy + 'static) -> Self {
        self.policy = Some(Arc::new(policy));
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// # Errors
    /// As [`Client::new`].
    pub fn build(self) -> Result<Client, ClientError> {
        let config = self.config;
        let base_url = crate::url::parse_base(&config.base_url)?;
        crate::url::check_config(&config)?;
        let urls = Operation::ALL.map(|op| crate::url::endpoint(&base_url, op));
        let auth = config
            .api_key
            .as_ref()
            .map(crate::url::bearer)
            .transpose()?;
        let http = match self.http {
            Some(http) => http,
            None => {
                if let Some(reason) = crate::tls::unreachable(base_url.scheme(), crate::tls::HTTPS)
                {
                    return Err(ClientError::InvalidUrl {
                        url: crate::url::redact(&config.base_url),
                        reason: reason.to_owned(),
                    });
                }
                crate::tls::prepare();
                // A redirect would turn a POST into a body-less GET (301,
                // 302, 303) and hide where the answer came from: a 3xx is
                // returned as a failure instead.
                reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .map_err(ClientError::Build)?
            }
        };
        let new_breaker = |name: String, rules: &circuit_core::Config| {
            let mut breaker = CircuitBreaker::builder(name).config(rules.clone());
            if let Some(clock) = &self.clock {
                breaker = breaker.clock(SharedClock(Arc::clone(clock)));
            }
            for listener in &self.listeners {
                breaker = breaker.listener(Arc::clone(listener));
            }
            breaker
        };
        let mut host = new_breaker(config.breaker_name.clone(), &config.circuit);
        // Only the host's opening says the backend may be down.
        let watch = config.health_check_interval.map(HealthWatch::new);
        if let Some(watch) = &watch {
            host = host.listener(OnOpen(Arc::clone(watch)));
        }
        // A learning policy serves one breaker: the host's.
        if let Some(policy) = self.policy {
            host = host.trip_policy(policy);
        }
        let breaker = Arc::new(host.build()?);
        let endpoints = match &config.endpoint_circuit {
            None => None,
            Some(rules) => {
                let [a, b, c] = Operation::ALL.map(|op| {
                    new_breaker(format!("{}:{}", config.breaker_name, op.name()), rules).build()
                });
                Some(Endpoints::new(
                    &breaker,
                    [Arc::new(a?), Arc::new(b?), Arc::new(c?)],
                ))
            }
        };
        let fallbacks = Fallbacks(crate::fallback::build(&config.fallback, self.clock)?);
        let inner = Arc::new(Inner {
            http,
            base_url,
            urls,
            auth,
            breaker,
            endpoints,
            counters: Counters::default(),
            lifecycle: Lifecycle::default(),
            fallbacks,
            closed: tokio::sync::OnceCell::new(),
            health_watch: watch,
            config,
        });
        if let Some(watch) = &inner.health_watch {
            watch.attach(&inner);
        }
        Ok(Client { inner })
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("config", &self.config)
            .field("http", &self.http.is_some())
            .field("clock", &self.clock)
            .field("listeners", &self.listeners)
            .field("policy", &self.policy)
            .finish()
    }
}

/// A shared clock handed to the breaker builder, which takes clocks by
/// value.
#[derive(Debug)]
struct SharedClock(Arc<dyn Clock>);

impl Clock for SharedClock {
    fn now(&self) -> std::time::Duration {
        self.0.now()
    }

    fn wall_now(&self) -> std::time::SystemTime {
        self.0.wall_now()
    }
}
