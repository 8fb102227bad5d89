//! [`FallbackGuard`]: the seed design's `WithFallback` around any call of
//! yours, outside the KOL client.

mod error;
mod gate;
mod timer;

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use circuit_core::{Classifier, Clock, DefaultClassifier, Outcome, SystemClock};

pub use error::{GuardError, Missed};
pub use gate::{Gate, Record, Rejection};
pub use timer::{Sleep, Timer};

use crate::{FallbackChain, FallbackReason, Provenance, Served};

/// How long a guard waits for its fallbacks unless told otherwise: 1 s. A
/// fallback should be local (a cache, a default); one that takes longer is
/// itself in trouble.
pub const DEFAULT_FALLBACK_DEADLINE: Duration = Duration::from_secs(1);

/// A breaker (or a [`Chain`](circuit_core::Chain)) and a
/// [`FallbackChain`] around any async call of yours.
///
/// [`call`](Self::call) asks the gate; if it admits the call, runs it and
/// records its outcome. The answer is a [`Served`], whose
/// [`Provenance`] says where it came from:
///
/// | what happened | answer |
/// |---|---|
/// | the call returned `Ok` | `Ok(Served)`, [`Provenance::Live`] (the classifier may still count it as a failure) |
/// | the gate rejected the call (it is not made) | the fallbacks, [`FallbackReason::CircuitOpen`] |
/// | `Err` counted as a failure | the fallbacks, [`FallbackReason::Failure`] with the error's text |
/// | `Err` counted as a timeout | the fallbacks, [`FallbackReason::Timeout`] with the call's duration |
/// | `Err` counted as ignored (the caller's mistake) | [`GuardError::Call`]: no fallback |
/// | every fallback declined | [`GuardError::Declined`] |
/// | no fallback answer within the [deadline](Self::deadline) | [`GuardError::FallbackTimedOut`]; the fallbacks are cancelled |
///
/// A fallback's answer never looks live: one that claims
/// [`Provenance::Live`] is relabelled `Provenance::Fallback` with the
/// chain's name. Fallback use is logged and counted by the chain
/// ([`FallbackChain::execute`]); a missed deadline counts as a decline
/// there, and in [`deadline_misses`](Self::deadline_misses).
///
/// The guard needs no runtime: the deadline sleeps on the [`Timer`] you
/// give (`tokio::time::sleep`, or any `Fn(Duration) -> impl Future`). The
/// deadline cuts short a fallback that *awaits* too long; a fallback that
/// blocks its thread cannot be interrupted by anything but that thread.
///
/// ```
/// use fallback_cache::{FallbackChain, FallbackGuard, FallbackReason, Provenance, Served, from_fn};
/// use circuit_core::CircuitBreaker;
/// use std::sync::Arc;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let breaker = Arc::new(CircuitBreaker::builder("kol-scores").build().unwrap());
/// let fallbacks = FallbackChain::new("kol-scores").then(from_fn("neutral", |_: &str, _: &FallbackReason| {
///     Ok(Served::new(0.5, Provenance::fallback("neutral-score")))
/// }));
/// let guard = FallbackGuard::new(breaker, fallbacks, tokio::time::sleep);
///
/// let live = guard.call("kol-7", || async { Ok::<_, String>(0.83) }).await.unwrap();
/// assert_eq!((live.response, live.provenance), (0.83, Provenance::Live));
///
/// let degraded = guard.call("kol-7", || async { Err("503 from the score service".to_owned()) }).await.unwrap();
/// assert_eq!(degraded.response, 0.5);
/// assert_eq!(degraded.provenance.label(), "neutral-score");
/// # }
/// ```
pub struct FallbackGuard<G, Req: ?Sized, Resp> {
    gate: G,
    fallbacks: FallbackChain<Req, Resp>,
    timer: Arc<dyn Timer>,
    deadline: Duration,
    clock: Arc<dyn Clock>,
    deadline_misses: Arc<AtomicU64>,
}

impl<G, Req, Resp> FallbackGuard<G, Req, Resp>
where
    G: Gate,
    Req: ?Sized + Sync,
    Resp: Send,
{
    /// Guards calls with `gate`, answering for them with `fallbacks`
    /// within [`DEFAULT_FALLBACK_DEADLINE`], timed by `timer`.
    pub fn new(gate: G, fallbacks: FallbackChain<Req, Resp>, timer: impl Timer + 'static) -> Self {
        Self {
            gate,
            fallbacks,
            timer: Arc::new(timer),
            deadline: DEFAULT_FALLBACK_DEADLINE,
            clock: Arc::new(SystemClock),
            deadline_misses: Arc::new(AtomicU64::new(0)),
        }
    }

    /// How long the fallbacks may take (default
    /// [`DEFAULT_FALLBACK_DEADLINE`]). `Duration::ZERO` still lets a
    /// fallback that answers without waiting answer.
    #[must_use]
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Measures a timed-out call's duration on `clock` (default: the
    /// system's monotonic clock), for [`FallbackReason::Timeout`].
    #[must_use]
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The breaker or chain.
    pub fn gate(&self) -> &G {
        &self.gate
    }

    /// The fallbacks, with their [`stats`](FallbackChain::stats).
    pub fn fallbacks(&self) -> &FallbackChain<Req, Resp> {
        &self.fallbacks
    }

    /// The fallback deadline.
    pub fn fallback_deadline(&self) -> Duration {
        self.deadline
    }

    /// How many times the fallbacks missed the deadline.
    pub fn deadline_misses(&self) -> u64 {
        self.deadline_misses.load(Ordering::Relaxed)
    }

    /// Runs `call` if the gate admits it (`Ok` is a success, `Err` a
    /// failure); otherwise, or if it fails, answers with the fallbacks.
    /// `request` is what the fallbacks see (a cache key, the campaign).
    ///
    /// If the returned future is dropped before `call` finishes, the call
    /// counts as cancelled.
    ///
    /// # Errors
    /// As the table on [`FallbackGuard`] says.
    pub async fn call<E, F, Fut>(
        &self,
        request: &Req,
        call: F,
    ) -> Result<Served<Resp>, GuardError<E>>
    where
        E: fmt::Display,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Resp, E>>,
    {
        self.call_with(&DefaultClassifier, request, call).await
    }

    /// [`call`](Self::call), with `classifier` deciding what the call's
    /// result counts as (an `Err` it counts as `Ignored` is returned as
    /// [`GuardError::Call`] without asking the fallbacks).
    ///
    /// # Errors
    /// As the table on [`FallbackGuard`] says.
    pub async fn call_with<E, C, F, Fut>(
        &self,
        classifier: &C,
        request: &Req,
        call: F,
    ) -> Result<Served<Resp>, GuardError<E>>
    where
        E: fmt::Display,
        C: Classifier<Resp, E> + ?Sized,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Resp, E>>,
    {
        let permit = match self.gate.admit() {
            Ok(permit) => permit,
            Err(rejection) => {
                let reason = FallbackReason::CircuitOpen {
                    retry_after: rejection.retry_after(),
                };
                return self
                    .answer(request, reason, Missed::Rejected(rejection))
                    .await;
            }
        };
        let started = self.clock.now();
        let result = call().await;
        let outcome = classifier.classify(&result);
        permit.record(outcome);
        let error = match result {
            Ok(response) => return Ok(Served::live(response)),
            Err(error) => error,
        };
        match outcome {
            Outcome::Failure => {
                let reason = FallbackReason::Failure {
                    description: error.to_string(),
                };
                self.answer(request, reason, Missed::Failed(error)).await
            }
            Outcome::Timeout => {
                let after = self.clock.now().saturating_sub(started);
                let reason = FallbackReason::Timeout { after };
                self.answer(request, reason, Missed::TimedOut(error)).await
            }
            _ => Err(GuardError::Call(error)),
        }
    }

    async fn answer<E>(
        &self,
        request: &Req,
        reason: FallbackReason,
        missed: Missed<E>,
    ) -> Result<Served<Resp>, GuardError<E>> {
        let execution = self.fallbacks.execute(request, &reason);
        match timer::before(execution, self.timer.sleep(self.deadline)).await {
            Some(Ok(mut served)) => {
                if !served.provenance.is_degraded() {
                    served.provenance = Provenance::Fallback {
                        kind: Cow::Owned(self.fallbacks.name().to_owned()),
                    };
                }
                Ok(served)
            }
            Some(Err(declined)) => Err(GuardError::Declined { missed, declined }),
            None => {
                self.fallbacks.counters().decline();
                self.deadline_misses.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    chain = self.fallbacks.name(),
                    reason = reason.label(),
                    deadline_ms = u64::try_from(self.deadline.as_millis()).unwrap_or(u64::MAX),
                    "fallback missed its deadline"
                );
                Err(GuardError::FallbackTimedOut {
                    missed,
                    deadline: self.deadline,
                })
            }
        }
    }
}

impl<G: Clone, Req: ?Sized, Resp> Clone for FallbackGuard<G, Req, Resp> {
    fn clone(&self) -> Self {
        Self {
            gate: self.gate.clone(),
            fallbacks: self.fallbacks.clone(),
            timer: Arc::clone(&self.timer),
            deadline: self.deadline,
            clock: Arc::clone(&self.clock),
            deadline_misses: Arc::clone(&self.deadline_misses),
        }
    }
}

impl<G: fmt::Debug, Req: ?Sized, Resp> fmt::Debug for FallbackGuard<G, Req, Resp> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FallbackGuard")
            .field("gate", &self.gate)
            .field("fallbacks", &self.fallbacks)
            .field("deadline", &self.deadline)
            .field(
                "deadline_misses",
                &self.deadline_misses.load(Ordering::Relaxed),
            )
            .finish_non_exhaustive()
    }
}
