//! Wrapping a whole call: acquire, run, classify, record.

use std::future::Future;

use crate::{CallError, CircuitBreaker, Outcome};

/// Turns a call's result into an [`Outcome`].
///
/// Any `Fn(&Result<T, E>) -> Outcome` is a classifier, so a closure does:
///
/// ```
/// use circuit_core::{CircuitBreaker, Outcome};
///
/// let cb = CircuitBreaker::builder("kol-matcher").build().unwrap();
/// // A "not found" is the caller's problem, not the backend's.
/// let neutral_404 = |r: &Result<u32, u16>| match r {
///     Ok(_) => Outcome::Success,
///     Err(404) => Outcome::Ignored,
///     Err(_) => Outcome::Failure,
/// };
/// let result = cb.call_sync_with(&neutral_404, || Err::<u32, u16>(404));
/// assert_eq!(result.unwrap_err().into_inner(), Some(404));
/// assert_eq!(cb.metrics().total_failures, 0);
/// ```
pub trait Classifier<T, E> {
    /// The outcome of `result`.
    fn classify(&self, result: &Result<T, E>) -> Outcome;
}

/// `Ok` is a success, `Err` a failure.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultClassifier;

impl<T, E> Classifier<T, E> for DefaultClassifier {
    fn classify(&self, result: &Result<T, E>) -> Outcome {
        if result.is_ok() {
            Outcome::Success
        } else {
            Outcome::Failure
        }
    }
}

impl<T, E, F: Fn(&Result<T, E>) -> Outcome> Classifier<T, E> for F {
    fn classify(&self, result: &Result<T, E>) -> Outcome {
        self(result)
    }
}

impl CircuitBreaker {
    /// Runs `f` if the breaker admits it and records its outcome (`Ok` is a
    /// success, `Err` a failure). Works on any executor: the breaker never
    /// spawns, sleeps or registers a waker.
    ///
    /// If the returned future is dropped before `f`'s future finishes, the
    /// call counts as cancelled.
    ///
    /// # Errors
    /// [`CallError::Rejected`] without running `f`, or
    /// [`CallError::Inner`] with `f`'s error.
    pub async fn call<T, E, F, Fut>(&self, f: F) -> Result<T, CallError<E>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        self.call_with(&DefaultClassifier, f).await
    }

    /// [`call`](Self::call) with a custom [`Classifier`].
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn call_with<T, E, C, F, Fut>(&self, classifier: &C, f: F) -> Result<T, CallError<E>>
    where
        C: Classifier<T, E> + ?Sized,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let permit = self.try_acquire()?;
        let result = f().await;
        permit.record(classifier.classify(&result));
        result.map_err(CallError::Inner)
    }

    /// The blocking counterpart of [`call`](Self::call).
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub fn call_sync<T, E>(&self, f: impl FnOnce() -> Result<T, E>) -> Result<T, CallError<E>> {
        self.call_sync_with(&DefaultClassifier, f)
    }

    /// The blocking counterpart of [`call_with`](Self::call_with).
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub fn call_sync_with<T, E, C>(
        &self,
        classifier: &C,
        f: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, CallError<E>>
    where
        C: Classifier<T, E> + ?Sized,
    {
        let permit = self.try_acquire()?;
        let result = f();
        permit.record(classifier.classify(&result));
        result.map_err(CallError::Inner)
    }
}
