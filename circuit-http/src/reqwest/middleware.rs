//! The middleware: pick the host's breaker, ask it, send, classify, record.

use std::fmt;
use std::sync::Arc;

use circuit_core::{CircuitBreaker, OwnedPermit, Registry, Rejected};
use http::Extensions;
use reqwest::{Request, Response, Url};
use reqwest_middleware::{Middleware, Next};

use crate::origin::{key, with_origin_breaker};
use crate::{Classify, HttpClassifier};

type KeyFn = dyn Fn(&Request) -> reqwest_middleware::Result<OwnedPermit> + Send + Sync;

/// Where a request's breaker comes from.
#[derive(Clone)]
enum Breakers {
    One(Arc<CircuitBreaker>),
    PerOrigin(Arc<Registry<String>>),
    PerKey(Arc<KeyFn>),
}

/// A reqwest-middleware 0.5 middleware that sends a request only if its
/// breaker admits it, and tells the breaker how it went.
///
/// * **Which breaker:** by default one per `scheme://host:port` of the
///   request's URL ([`new`](Self::new), see [`origin_of`]), created on
///   first use by a [`Registry`]; or one for every request
///   ([`one`](Self::one)); or any key of yours ([`per_key`](Self::per_key)).
/// * **Outcome:** [`HttpClassifier`] by default (5xx, 408, 429 and errors
///   fail; other 4xx are ignored; 3xx fails, though reqwest follows
///   redirects before the middleware sees the answer); a 429's or 503's
///   `Retry-After` keeps an opening breaker open at least that long.
/// * **Rejection:** the request is not sent; the error is
///   `reqwest_middleware::Error::Middleware` around a
///   [`Rejected`]: see [`rejection`](super::rejection).
///
/// The permit is held while the rest of the chain runs: a request future
/// dropped before it finishes counts as cancelled, not as a failure.
#[derive(Clone)]
pub struct CircuitBreakerMiddleware<C = HttpClassifier> {
    breakers: Breakers,
    classifier: C,
}

impl CircuitBreakerMiddleware {
    /// One breaker per `scheme://host:port`, from `registry`.
    pub fn new(registry: Arc<Registry<String>>) -> Self {
        Self {
            breakers: Breakers::PerOrigin(registry),
            classifier: HttpClassifier::new(),
        }
    }

    /// One breaker for every request, whatever its host.
    pub fn one(breaker: Arc<CircuitBreaker>) -> Self {
        Self {
            breakers: Breakers::One(breaker),
            classifier: HttpClassifier::new(),
        }
    }

    /// One breaker per `key(request)` (a route, a tenant…), from
    /// `registry`.
    pub fn per_key<K>(
        registry: Arc<Registry<K>>,
        key: impl Fn(&Request) -> K + Send + Sync + 'static,
    ) -> Self
    where
        K: Eq + std::hash::Hash + Clone + Send + Sync + 'static,
    {
        Self {
            breakers: Breakers::PerKey(Arc::new(move |request| {
                registry.with_breaker(&key(request), acquire)
            })),
            classifier: HttpClassifier::new(),
        }
    }
}

impl<C> CircuitBreakerMiddleware<C> {
    /// Uses `classifier` instead of [`HttpClassifier`] (e.g. an
    /// `HttpClassifier` with other rules, or a closure over the result).
    pub fn classifier<D>(self, classifier: D) -> CircuitBreakerMiddleware<D>
    where
        D: Classify<Response, reqwest_middleware::Error>,
    {
        CircuitBreakerMiddleware {
            breakers: self.breakers,
            classifier,
        }
    }

    /// A permit from the breaker `request` goes through, or the error a
    /// rejection returns.
    fn try_acquire(&self, request: &Request) -> reqwest_middleware::Result<OwnedPermit> {
        match &self.breakers {
            Breakers::One(breaker) => acquire(breaker),
            Breakers::PerOrigin(registry) => {
                let url = request.url();
                let origin = url
                    .host_str()
                    .zip(url.port_or_known_default())
                    .map(|(host, port)| (url.scheme(), host, port));
                with_origin_breaker(registry, origin, acquire)
            }
            Breakers::PerKey(acquire_for) => acquire_for(request),
        }
    }
}

/// The `scheme://host:port` key [`CircuitBreakerMiddleware::new`] gives a
/// URL (the port spelled out), or `None` without a host.
///
/// ```
/// use circuit_http::reqwest::origin_of;
///
/// let url = "https://Api.Example.com/v1?x=1".parse().unwrap();
/// assert_eq!(origin_of(&url).as_deref(), Some("https://api.example.com:443"));
/// ```
pub fn origin_of(url: &Url) -> Option<String> {
    let mut out = String::new();
    key(
        &mut out,
        url.scheme(),
        url.host_str()?,
        url.port_or_known_default()?,
    );
    Some(out)
}

/// A permit from `breaker`, or the error a rejected request returns.
fn acquire(breaker: &Arc<CircuitBreaker>) -> reqwest_middleware::Result<OwnedPermit> {
    breaker
        .try_acquire_owned()
        .map_err(|rejection| rejected(breaker, rejection))
}

/// The error a rejected request returns.
fn rejected(breaker: &CircuitBreaker, rejected: Rejected) -> reqwest_middleware::Error {
    let context = format!("circuit breaker `{}` rejected the request", breaker.name());
    reqwest_middleware::Error::Middleware(anyhow::Error::new(rejected).context(context))
}

#[async_trait::async_trait]
impl<C> Middleware for CircuitBreakerMiddleware<C>
where
    C: Classify<Response, reqwest_middleware::Error> + Send + Sync + 'static,
{
    async fn handle(
        &self,
        request: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        let mut permit = self.try_acquire(&request)?;
        let result = next.run(request, extensions).await;
        let verdict = self.classifier.classify(&result);
        if let Some(wait) = verdict.retry_after {
            permit.set_retry_after(wait);
        }
        permit.record(verdict.outcome);
        result
    }
}

impl fmt::Debug for Breakers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::One(breaker) => f.debug_tuple("One").field(&breaker.name()).finish(),
            Self::PerOrigin(registry) => f.debug_tuple("PerOrigin").field(registry).finish(),
            Self::PerKey(_) => f.write_str("PerKey"),
        }
    }
}

impl<C: fmt::Debug> fmt::Debug for CircuitBreakerMiddleware<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreakerMiddleware")
            .field("breakers", &self.breakers)
            .field("classifier", &self.classifier)
            .finish()
    }
}
