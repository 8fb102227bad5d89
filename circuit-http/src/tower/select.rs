//! Which breaker a request goes through.

use std::fmt;
use std::hash::Hash;
use std::sync::Arc;

use circuit_core::{CircuitBreaker, OwnedPermit, Registry, Rejected};

use crate::origin::{parts, with_origin_breaker};

/// Picks the breaker a request goes through and asks it for a permit.
pub trait SelectBreaker<Request> {
    /// A permit from `request`'s breaker, or its rejection.
    ///
    /// # Errors
    /// The breaker's [`Rejected`].
    fn try_acquire(&self, request: &Request) -> Result<OwnedPermit, Rejected>;
}

/// One breaker for every request.
impl<Request> SelectBreaker<Request> for Arc<CircuitBreaker> {
    #[inline]
    fn try_acquire(&self, _: &Request) -> Result<OwnedPermit, Rejected> {
        self.try_acquire_owned()
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
    fn try_acquire(&self, request: &http::Request<B>) -> Result<OwnedPermit, Rejected> {
        with_origin_breaker(&self.registry, parts(request.uri()), |breaker| {
            breaker.try_acquire_owned()
        })
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
    fn try_acquire(&self, request: &Request) -> Result<OwnedPermit, Rejected> {
        self.registry
            .with_breaker(&(self.key)(request), |breaker| breaker.try_acquire_owned())
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
