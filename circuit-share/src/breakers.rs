//! [`Breakers`]: where received news finds the local breaker of a name.

use std::sync::Arc;

use circuit_core::{CircuitBreaker, Registry};

/// The local breakers that peers' news applies to, by name.
///
/// Implemented for a [`Registry<String>`] whose breakers are named by their
/// keys (the default), for a `Vec` of breakers, and for an `Arc` of either.
pub trait Breakers: Send + Sync + 'static {
    /// The breaker for `name`, created if this set creates breakers on
    /// demand (a registry does, so that a replica which has not called a
    /// backend yet still starts OPEN for it). `None` if there is none.
    fn for_open(&self, name: &str) -> Option<Arc<CircuitBreaker>>;

    /// The breaker for `name` if it exists; never creates one (news of a
    /// recovery concerns only breakers that exist).
    fn existing(&self, name: &str) -> Option<Arc<CircuitBreaker>>;
}

/// A registry creates the breaker a peer opened; when it is full, the
/// news is not applied (the shared overflow breaker is never opened for
/// one name).
impl Breakers for Registry<String> {
    fn for_open(&self, name: &str) -> Option<Arc<CircuitBreaker>> {
        self.try_get(name).ok()
    }

    fn existing(&self, name: &str) -> Option<Arc<CircuitBreaker>> {
        self.lookup(name)
    }
}

impl Breakers for Vec<Arc<CircuitBreaker>> {
    fn for_open(&self, name: &str) -> Option<Arc<CircuitBreaker>> {
        self.existing(name)
    }

    fn existing(&self, name: &str) -> Option<Arc<CircuitBreaker>> {
        self.iter().find(|b| b.name() == name).cloned()
    }
}

impl<B: Breakers + ?Sized> Breakers for Arc<B> {
    fn for_open(&self, name: &str) -> Option<Arc<CircuitBreaker>> {
        (**self).for_open(name)
    }

    fn existing(&self, name: &str) -> Option<Arc<CircuitBreaker>> {
        (**self).existing(name)
    }
}
