//! Client settings.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::ApiKey;
use crate::fallback::FallbackConfig;

/// Default [`ClientConfig::request_timeout`].
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Default [`ClientConfig::slow_request_threshold`].
pub const DEFAULT_SLOW_REQUEST_THRESHOLD: Duration = Duration::from_secs(5);
/// Default [`ClientConfig::max_response_bytes`]: 10 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 10 * 1024 * 1024;
/// Default [`ClientConfig::max_retry_after`].
pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(300);
/// Default [`ClientConfig::breaker_name`].
pub const DEFAULT_BREAKER_NAME: &str = "kol-backend";
/// Default [`ClientConfig::health_check_timeout`].
pub const DEFAULT_HEALTH_CHECK_TIMEOUT: Duration = Duration::from_secs(2);
/// Default [`ClientConfig::close_timeout`].
pub const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(30);

/// How a [`Client`](crate::Client) talks to the backend.
///
/// All fields are public; start from [`ClientConfig::new`] and change what
/// you need:
///
/// ```
/// use std::time::Duration;
/// use fastapi_client::{ApiKey, ClientConfig};
///
/// let mut config = ClientConfig::new("http://localhost:8000");
/// config.request_timeout = Duration::from_secs(3);
/// config.circuit = circuit_core::Config::critical();
/// config.api_key = Some(ApiKey::new("secret"));
/// assert!(!format!("{config:?}").contains("secret"));
/// ```
#[derive(Clone)]
pub struct ClientConfig {
    /// The backend's root, e.g. `http://localhost:8000` (`http` or
    /// `https`; a path prefix such as `/kol` is kept). Credentials, a query
    /// or a fragment are refused (and redacted in `Debug` and in the
    /// error).
    pub base_url: String,
    /// Limit for a whole call: connecting, sending and reading the full
    /// body (default 10 s).
    pub request_timeout: Duration,
    /// The circuit breaker's rules (the host breaker's, with
    /// [`endpoint_circuit`](Self::endpoint_circuit)).
    pub circuit: circuit_core::Config,
    /// With `Some`, each operation (`match_kols`, `optimize_budget`,
    /// `health_check`) also gets its own breaker with these rules, named
    /// `<breaker_name>:<operation>`, chained under the client's breaker
    /// ([`circuit_core::Chain`]): a 5xx from one endpoint trips only that
    /// endpoint while the others stay live; refused connections, cut
    /// exchanges and timeouts count on both levels, so a dead backend
    /// trips the host breaker and fails every endpoint fast. Default `None`:
    /// one breaker for everything.
    pub endpoint_circuit: Option<circuit_core::Config>,
    /// The breaker's name in metrics and logs (default `kol-backend`).
    pub breaker_name: String,
    /// Calls slower than this log a `warn` "Slow request detected"
    /// (default 5 s). The breaker's own slow-call counting uses
    /// `circuit.slow_call_threshold`.
    pub slow_request_threshold: Duration,
    /// Largest response body read (default 10 MiB); a larger one is a
    /// [`ClientError::ResponseTooLarge`](crate::ClientError::ResponseTooLarge).
    pub max_response_bytes: usize,
    /// Longest `Retry-After` honoured (default 5 min), so that a
    /// misbehaving backend cannot hold the breaker open for days.
    pub max_retry_after: Duration,
    /// Sent as `Authorization: Bearer <key>`; redacted in `Debug`.
    pub api_key: Option<ApiKey>,
    /// What to answer when the backend cannot.
    pub fallback: FallbackConfig,
    /// Run by [`Client::close`](crate::Client::close) once the last call
    /// has finished, in order: exporters to flush, caches to persist.
    pub on_close: Vec<Arc<dyn Flush>>,
    /// Longest [`Client::close`](crate::Client::close) waits for calls in
    /// flight before it saves the cache, runs the hooks and returns
    /// [`ClientError::CloseTimedOut`](crate::ClientError::CloseTimedOut)
    /// (default 30 s).
    pub close_timeout: Duration,
    /// Before a call admitted as the half-open probe is sent, ask
    /// `GET /health` (within
    /// [`health_check_timeout`](Self::health_check_timeout)); if the
    /// backend is unhealthy or unreachable the probe fails, the real
    /// request is never sent and the caller gets the fallback (default
    /// true). Counted in [`HealthStats`](crate::HealthStats).
    pub probe_health_first: bool,
    /// While the breaker is OPEN, poll `GET /health` this often; once it
    /// answers healthy, the open period ends early so that the next call
    /// may probe at once. It never closes the breaker by itself, and stops
    /// when the client closes. Default `None` (no polling). Polls run on
    /// the tokio runtime of the call that tripped the breaker.
    pub health_check_interval: Option<Duration>,
    /// Limit for the client's own health checks (before a probe and while
    /// open), capped at `request_timeout` (default 2 s).
    pub health_check_timeout: Duration,
}

impl ClientConfig {
    /// The defaults, talking to `base_url`. The URL is checked by
    /// [`Client::new`](crate::Client::new).
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            circuit: circuit_core::Config::default(),
            endpoint_circuit: None,
            breaker_name: DEFAULT_BREAKER_NAME.to_owned(),
            slow_request_threshold: DEFAULT_SLOW_REQUEST_THRESHOLD,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
            api_key: None,
            fallback: FallbackConfig::default(),
            on_close: Vec::new(),
            close_timeout: DEFAULT_CLOSE_TIMEOUT,
            probe_health_first: true,
            health_check_interval: None,
            health_check_timeout: DEFAULT_HEALTH_CHECK_TIMEOUT,
        }
    }

    /// The timeout of the client's own health checks.
    pub(crate) fn health_timeout(&self) -> Duration {
        self.health_check_timeout.min(self.request_timeout)
    }
}

/// `base_url` redacted, as in errors; everything else as it is (the API
/// key redacts itself).
impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &crate::url::redact(&self.base_url))
            .field("request_timeout", &self.request_timeout)
            .field("circuit", &self.circuit)
            .field("endpoint_circuit", &self.endpoint_circuit)
            .field("breaker_name", &self.breaker_name)
            .field("slow_request_threshold", &self.slow_request_threshold)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("max_retry_after", &self.max_retry_after)
            .field("api_key", &self.api_key)
            .field("fallback", &self.fallback)
            .field("on_close", &self.on_close)
            .field("close_timeout", &self.close_timeout)
            .field("probe_health_first", &self.probe_health_first)
            .field("health_check_interval", &self.health_check_interval)
            .field("health_check_timeout", &self.health_check_timeout)
            .finish()
    }
}

/// Work to finish when the client closes: flush an exporter, persist a
/// cache. Object-safe so any number of them can be registered.
pub trait Flush: Send + Sync + fmt::Debug {
    /// Flushes; called once, after the last in-flight call has finished.
    ///
    /// # Errors
    /// Whatever went wrong; [`Client::close`](crate::Client::close) reports
    /// the first error after running every hook.
    fn flush(&self) -> Result<(), Box<dyn std::error::Error + Send + Sync>>;
}
