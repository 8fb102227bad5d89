//! The service: asks the breaker in `call`, never in `poll_ready`.

use std::task::{Context, Poll};

use circuit_core::CallError;
use tower_service::Service;

use super::future::ResponseFuture;
use super::select::SelectBreaker;
use crate::Classify;

/// A service behind a circuit breaker; made by
/// [`CircuitBreakerLayer`](super::CircuitBreakerLayer).
#[derive(Debug, Clone)]
pub struct CircuitBreakerService<Inner, S, C> {
    inner: Inner,
    select: S,
    classifier: C,
}

impl<Inner, S, C> CircuitBreakerService<Inner, S, C> {
    /// `inner` behind the breakers `select` picks, judged by `classifier`.
    pub fn new(inner: Inner, select: S, classifier: C) -> Self {
        Self {
            inner,
            select,
            classifier,
        }
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &Inner {
        &self.inner
    }

    /// The wrapped service, mutably.
    pub fn get_mut(&mut self) -> &mut Inner {
        &mut self.inner
    }

    /// The wrapped service, unwrapped.
    pub fn into_inner(self) -> Inner {
        self.inner
    }
}

impl<Request, Inner, S, C> Service<Request> for CircuitBreakerService<Inner, S, C>
where
    Inner: Service<Request>,
    S: SelectBreaker<Request>,
    C: Classify<Inner::Response, Inner::Error> + Clone,
{
    type Response = Inner::Response;
    type Error = CallError<Inner::Error>;
    type Future = ResponseFuture<Inner::Future, C>;

    /// The inner service's readiness; reserves nothing in the breaker
    /// (see the [module documentation](super)).
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(CallError::Inner)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        match self.select.try_acquire(&request) {
            Ok(permit) => {
                ResponseFuture::admitted(self.inner.call(request), permit, self.classifier.clone())
            }
            Err(rejected) => ResponseFuture::rejected(rejected),
        }
    }
}
