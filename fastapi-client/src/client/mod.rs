//! The client: construction and the public calls.

mod builder;

use std::fmt;
use std::sync::Arc;

use circuit_core::{CircuitBreaker, Metrics, State};
use reqwest::Url;
use reqwest::header::HeaderValue;

use crate::admission::Endpoints;
use crate::fallback::{ClientFallbacks, Fallbacks};
use crate::health::HealthWatch;
use crate::lifecycle::Lifecycle;
use crate::operation::{HealthProbe, Operation};
use crate::stats::Counters;
pub use builder::ClientBuilder;

use crate::{
    ClientConfig, ClientError, ClientStats, HealthResponse, MatchKolsRequest, MatchKolsResponse,
    OptimizeBudgetRequest, OptimizeBudgetResponse,
};

/// A typed client for the KOL backend, with a circuit breaker and
/// fallbacks built in.
///
/// Cheap to clone: clones share one connection pool, breaker, cache and
/// set of counters. `Send + Sync`.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) config: ClientConfig,
    pub(crate) base_url: Url,
    /// Endpoint URLs, by [`Operation`] order.
    pub(crate) urls: [Url; 3],
    pub(crate) auth: Option<HeaderValue>,
    pub(crate) breaker: Arc<CircuitBreaker>,
    /// With `endpoint_circuit`: each operation's breaker, under `breaker`.
    pub(crate) endpoints: Option<Endpoints>,
    pub(crate) counters: Counters,
    pub(crate) lifecycle: Lifecycle,
    pub(crate) fallbacks: Fallbacks,
    pub(crate) closed: tokio::sync::OnceCell<Closed>,
    /// The active health check, with `health_check_interval`.
    pub(crate) health_watch: Option<Arc<HealthWatch>>,
}

/// How the one run of `close()` went.
#[derive(Debug, Clone)]
pub(crate) struct Closed {
    /// Calls still in flight when `close_timeout` passed.
    left_in_flight: Option<usize>,
    /// The first hook's error.
    flush_error: Option<Arc<str>>,
}

impl Client {
    /// A client with its own connection pool.
    ///
    /// # Errors
    /// [`ClientError::InvalidUrl`] for a base URL that is not `http` or
    /// `https`, [`ClientError::InvalidConfig`] or [`ClientError::Circuit`]
    /// for other unusable settings, [`ClientError::Build`] if the HTTP
    /// stack cannot start.
    pub fn new(config: ClientConfig) -> Result<Self, ClientError> {
        Self::builder(config).build()
    }

    /// A client that sends through `http`, a `reqwest::Client` you built
    /// (proxies, TLS roots, pool sizes). The per-request timeout from the
    /// config still applies.
    ///
    /// # Errors
    /// As [`Client::new`], except [`ClientError::Build`].
    pub fn with_http_client(
        config: ClientConfig,
        http: reqwest::Client,
    ) -> Result<Self, ClientError> {
        Self::builder(config).http_client(http).build()
    }

    /// Starts a [`ClientBuilder`] for the breaker's extension points
    /// (clock, event listeners).
    pub fn builder(config: ClientConfig) -> ClientBuilder {
        ClientBuilder::new(config)
    }

    /// Finds KOLs for a campaign.
    ///
    /// While the breaker is open (and, if configured, after a failure) the
    /// answer may come from a fallback; its `meta.algorithm_used` then says
    /// so (`fallback-cache`, `fallback-empty`).
    ///
    /// # Errors
    /// [`ClientError::InvalidRequest`] without sending; otherwise any
    /// [`ClientError`] a call can end with.
    pub async fn match_kols(
        &self,
        request: &MatchKolsRequest,
    ) -> Result<MatchKolsResponse, ClientError> {
        self.execute(request).await
    }

    /// Spreads a budget over KOLs.
    ///
    /// While the breaker is open (and, if configured, after a failure) the
    /// answer may be the conservative allocation
    /// (`meta.algorithm_used == "fallback-conservative"`).
    ///
    /// # Errors
    /// As [`match_kols`](Self::match_kols); an unknown KOL id is an
    /// [`ClientError::Api`] with status 404.
    pub async fn optimize_budget(
        &self,
        request: &OptimizeBudgetRequest,
    ) -> Result<OptimizeBudgetResponse, ClientError> {
        self.execute(request).await
    }

    /// Asks the backend how it is, through the breaker like any call (never
    /// answered by a fallback).
    ///
    /// # Errors
    /// Any [`ClientError`] a call can end with.
    pub async fn health_check(&self) -> Result<HealthResponse, ClientError> {
        self.execute(&HealthProbe).await
    }

    /// Whether the breaker lets calls through freely (CLOSED or
    /// FORCED_CLOSED) and the client is open. Sends nothing.
    pub fn is_healthy(&self) -> bool {
        !self.inner.lifecycle.is_closed() && self.inner.breaker.state().admits_all()
    }

    /// The breaker's state.
    pub fn circuit_state(&self) -> State {
        self.inner.breaker.state()
    }

    /// The breaker's metrics (the host breaker's, with
    /// [`endpoint_circuit`](ClientConfig::endpoint_circuit)).
    pub fn circuit_breaker_metrics(&self) -> Metrics {
        self.inner.breaker.metrics()
    }

    /// With [`endpoint_circuit`](ClientConfig::endpoint_circuit), the
    /// metrics of `operation`'s own breaker; `None` without.
    pub fn endpoint_breaker_metrics(&self, operation: Operation) -> Option<Metrics> {
        self.endpoint_breaker(operation).map(|b| b.metrics())
    }

    /// With [`endpoint_circuit`](ClientConfig::endpoint_circuit),
    /// `operation`'s own breaker (for manual control or a metrics
    /// collector); `None` without.
    pub fn endpoint_breaker(&self, operation: Operation) -> Option<&Arc<CircuitBreaker>> {
        self.inner
            .endpoints
            .as_ref()
            .map(|e| &e.breakers[operation as usize])
    }

    /// The client's counters, with every breaker's metrics inside.
    pub fn client_stats(&self) -> ClientStats {
        let endpoints = self
            .inner
            .endpoints
            .as_ref()
            .map(|e| e.breakers.iter().map(|b| b.metrics()).collect())
            .unwrap_or_default();
        self.inner.counters.snapshot(
            self.inner.breaker.metrics(),
            endpoints,
            self.inner.config.base_url.clone(),
            self.inner.fallbacks.counts(),
        )
    }

    /// The fallbacks: the last-good match cache, last known scores, the
    /// chains and their counts.
    pub fn fallbacks(&self) -> &ClientFallbacks {
        &self.inner.fallbacks.0
    }

    /// The breaker itself, shared: for manual control (`force_open`,
    /// `force_closed`), its transition history, or registering it with a
    /// metrics collector (`circuit_metrics::BreakerSource::new(client.circuit_breaker().clone())`).
    pub fn circuit_breaker(&self) -> &Arc<CircuitBreaker> {
        &self.inner.breaker
    }

    /// Back to CLOSED with a fresh window and no backoff: the breaker,
    /// and every endpoint breaker.
    pub fn reset_circuit_breaker(&self) {
        self.inner.breaker.reset();
        if let Some(endpoints) = &self.inner.endpoints {
            endpoints.breakers.iter().for_each(|b| b.reset());
        }
    }

    /// The configuration the client runs with.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// Stops the client: new calls (on this handle and every clone) get
    /// [`ClientError::Closed`], the active health check stops, calls in
    /// flight finish normally, and once
    /// the last has (or [`close_timeout`](ClientConfig::close_timeout) has
    /// passed), the fallback cache is saved (with the `persist` feature and
    /// a [`cache_file`](crate::FallbackConfig)) and the
    /// [`on_close`](ClientConfig::on_close) hooks run, once. Calling it
    /// again waits for the same and returns the same result.
    ///
    /// Dropping the last handle without calling it loses that work: the
    /// cache is not saved and the hooks do not run (a `warn` says so).
    ///
    /// # Errors
    /// [`ClientError::CloseTimedOut`] when calls were still in flight at
    /// the deadline (the cache was saved and the hooks ran all the same),
    /// else [`ClientError::Flush`] with the first hook error (every hook
    /// still runs).
    pub async fn close(&self) -> Result<(), ClientError> {
        let inner = &*self.inner;
        let closed = inner
            .closed
            .get_or_init(|| async {
                // Closed first, so that a woken poller sees it and ends.
                inner.lifecycle.refuse_new();
                if let Some(watch) = &inner.health_watch {
                    watch.stop();
                }
                let waited = inner.lifecycle.close(inner.config.close_timeout).await;
                if let Err(in_flight) = waited {
                    tracing::warn!(
                        in_flight,
                        timeout_ms = u64::try_from(inner.config.close_timeout.as_millis())
                            .unwrap_or(u64::MAX),
                        "Client close timed out with calls in flight"
                    );
                }
                Closed {
                    left_in_flight: waited.err(),
                    flush_error: self.flush_hooks().err(),
                }
            })
            .await;
        if let Some(in_flight) = closed.left_in_flight {
            return Err(ClientError::CloseTimedOut {
                timeout: inner.config.close_timeout,
                in_flight,
            });
        }
        closed.flush_error.as_ref().map_or(Ok(()), |message| {
            Err(ClientError::Flush {
                message: message.to_string(),
            })
        })
    }

    fn flush_hooks(&self) -> Result<(), Arc<str>> {
        let mut first_error: Option<Arc<str>> = None;
        #[cfg(feature = "persist")]
        if let Some(path) = &self.inner.config.fallback.cache_file {
            if let Err(error) = self.inner.fallbacks.0.save(path) {
                tracing::warn!(path = %path.display(), %error, "Saving the fallback cache failed");
                first_error = Some(Arc::from(format!("saving the fallback cache: {error}")));
            }
        }
        for hook in &self.inner.config.on_close {
            if let Err(error) = hook.flush() {
                tracing::warn!(hook = ?hook, error = %error, "Flush on close failed");
                first_error.get_or_insert_with(|| Arc::from(format!("{hook:?}: {error}")));
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// The last handle is gone. Without `close()`, what it would have done is
/// lost; say so once, so that a missing `close()` is found.
impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(watch) = &self.health_watch {
            watch.stop();
        }
        if self.lifecycle.is_closed() {
            return;
        }
        #[cfg(feature = "persist")]
        let unsaved_cache = self.config.fallback.cache_file.is_some();
        #[cfg(not(feature = "persist"))]
        let unsaved_cache = false;
        tracing::warn!(
            breaker = %self.config.breaker_name,
            on_close_hooks_not_run = self.config.on_close.len(),
            unsaved_cache,
            "Client dropped without close(): the fallback cache was not saved and the on_close hooks did not run"
        );
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url.as_str())
            .field("state", &self.inner.breaker.state())
            .field("in_flight", &self.inner.lifecycle.in_flight())
            .field("closed", &self.inner.lifecycle.is_closed())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod fake_backend;
#[cfg(test)]
mod tests;
