//! Which breaker a request goes through.

use std::fmt;
use std::hash::Hash;
use std::sync::Arc;

use circuit_core::{CircuitBreaker, Registry};

use crate::origin::{breaker_of, parts};

/// Picks the breaker a request goes through.
pub trait SelectBreaker<Request> {
    /// The breaker for `request`.
    fn select(&self, request: &Request) -> Arc<CircuitBreaker>;
}

/// One breaker for every request.
impl<Request> SelectBreaker<Request> for Arc<CircuitBreaker> {
    #[inline]
    fn select(&self, _: &Request) -> Arc<CircuitBreaker> {
        Arc::clone(self)
    }
}

/// One breaker per `scheme://host:port` of an HTTP request's URI, from a
/// registry ([`CircuitBreakerLayer::per_origin`](super::CircuitBreakerLayer::per_origin)).
///
/// Client stacks (hyper-util) see absolute URIs; a request without scheme
/// or host goes through the breaker of [`NO_ORIGIN`](crate::NO_ORIGIN).
#[derive(Debug, Clone)]
pub struct PerOrigin {
    pub(super) registry: Arc<Registry<String>>,
}

impl<B> SelectBreaker<http::Request<B>> for PerOrigin {
    fn select(&self, request: &http::Request<B>) -> Arc<CircuitBreaker> {
        breaker_of(&self.registry, parts(request.uri()))
    }
}

/// One breaker per key that a function of the request gives (a route, a
/// tenant, a gRPC method), from a registry
/// ([`CircuitBreakerLayer::per_key`](super::CircuitBreakerLayer::per_key)).
pub struct PerKey<K, F> {
    pub(super) registry: Arc<Registry<K>>,
    pub(super) key: F,
}

impl<Request, K, F> SelectBreaker<Request> for PerKey<K, F>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    F: Fn(&Request) -> K,
{
    fn select(&self, request: &Request) -> Arc<CircuitBreaker> {
        self.registry.get(&(self.key)(request))
    }
}

impl<K, F: Clone> Clone for PerKey<K, F> {
    fn clone(&self) -> Self {
        Self {
            registry: Arc::clone(&self.registry),
            key: self.key.clone(),
        }
    }
}

impl<K, F> fmt::Debug for PerKey<K, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PerKey")
            .field("registry", &self.registry)
            .finish_non_exhaustive()
    }
}
