//! The response future: holds the permit until the inner future is done.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use circuit_core::{CallError, OwnedPermit, Rejected};
use pin_project_lite::pin_project;

use crate::Classify;

pin_project! {
    /// The future of a [`CircuitBreakerService`](super::CircuitBreakerService)
    /// call: the inner call holding its permit, or a rejection ready at
    /// once.
    ///
    /// Dropping it before it finishes drops the permit, which counts the
    /// call as cancelled.
    #[derive(Debug)]
    pub struct ResponseFuture<F, C> {
        #[pin]
        state: State<F, C>,
    }
}

pin_project! {
    #[project = StateProj]
    #[derive(Debug)]
    enum State<F, C> {
        Admitted {
            #[pin]
            future: F,
            permit: Option<OwnedPermit>,
            classifier: C,
        },
        Rejected {
            rejected: Rejected,
        },
    }
}

impl<F, C> ResponseFuture<F, C> {
    pub(super) fn admitted(future: F, permit: OwnedPermit, classifier: C) -> Self {
        Self {
            state: State::Admitted {
                future,
                permit: Some(permit),
                classifier,
            },
        }
    }

    pub(super) fn rejected(rejected: Rejected) -> Self {
        Self {
            state: State::Rejected { rejected },
        }
    }
}

impl<F, C, T, E> Future for ResponseFuture<F, C>
where
    F: Future<Output = Result<T, E>>,
    C: Classify<T, E>,
{
    type Output = Result<T, CallError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Admitted {
                future,
                permit,
                classifier,
            } => {
                let result = ready!(future.poll(cx));
                if let Some(mut permit) = permit.take() {
                    let verdict = classifier.classify(&result);
                    if let Some(wait) = verdict.retry_after {
                        permit.set_retry_after(wait);
                    }
                    permit.record(verdict.outcome);
                }
                Poll::Ready(result.map_err(CallError::Inner))
            }
            StateProj::Rejected { rejected } => Poll::Ready(Err(CallError::Rejected(*rejected))),
        }
    }
}
