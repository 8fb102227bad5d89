//! The layer: cheap to clone, makes one [`CircuitBreakerService`] per
//! inner service.

use std::hash::Hash;
use std::sync::Arc;

use circuit_core::{CircuitBreaker, Registry};
use tower_layer::Layer;

use super::select::{PerKey, PerOrigin};
use super::service::CircuitBreakerService;
use crate::HttpClassifier;

/// Puts a circuit breaker in front of a tower service: see the [module
/// documentation](super).
///
/// The classifier defaults to [`HttpClassifier`], which fits services
/// answering `http::Response`s; give any other service its own with
/// [`classifier`](Self::classifier) (a closure over
/// `&Result<Response, Error>` returning an [`Outcome`](circuit_core::Outcome)
/// does, or [`OkIsSuccess`](crate::OkIsSuccess)).
#[derive(Debug, Clone)]
pub struct CircuitBreakerLayer<S = Arc<CircuitBreaker>, C = HttpClassifier> {
    select: S,
    classifier: C,
}

impl CircuitBreakerLayer {
    /// Every request goes through `breaker`.
    pub fn new(breaker: Arc<CircuitBreaker>) -> Self {
        Self {
            select: breaker,
            classifier: HttpClassifier::new(),
        }
    }
}

impl CircuitBreakerLayer<PerOrigin> {
    /// Each HTTP request goes through the breaker of its URI's
    /// `scheme://host:port`, created on first use in `registry`.
    pub fn per_origin(registry: Arc<Registry<String>>) -> Self {
        Self {
            select: PerOrigin { registry },
            classifier: HttpClassifier::new(),
        }
    }
}

impl<K, F> CircuitBreakerLayer<PerKey<K, F>> {
    /// Each request goes through the breaker of `key(&request)` (a route,
    /// a tenant, a method), created on first use in `registry`.
    pub fn per_key<Request>(registry: Arc<Registry<K>>, key: F) -> Self
    where
        K: Eq + Hash + Clone + Send + Sync + 'static,
        F: Fn(&Request) -> K,
    {
        Self {
            select: PerKey { registry, key },
            classifier: HttpClassifier::new(),
        }
    }
}

impl<S, C> CircuitBreakerLayer<S, C> {
    /// Judges results with `classifier` instead.
    pub fn classifier<D>(self, classifier: D) -> CircuitBreakerLayer<S, D> {
        CircuitBreakerLayer {
            select: self.select,
            classifier,
        }
    }
}

impl<Inner, S: Clone, C: Clone> Layer<Inner> for CircuitBreakerLayer<S, C> {
    type Service = CircuitBreakerService<Inner, S, C>;

    fn layer(&self, inner: Inner) -> Self::Service {
        CircuitBreakerService::new(inner, self.select.clone(), self.classifier.clone())
    }
}
