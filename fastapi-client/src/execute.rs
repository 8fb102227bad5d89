//! The funnel: the one place every call goes through.
//!
//! Validation, the closed check, the request ID and its span, the breaker,
//! the health check before a probe, timing, classification, stats and
//! fallbacks all happen here and nowhere else; [`crate::send`] makes the
//! HTTP exchange itself.

use std::time::Instant;

use circuit_core::{Outcome, State};
use tracing::{Instrument, field};

use crate::admission::Admitted;
use crate::classify::outcome_of;
use crate::client::Inner;
use crate::fallback::{Trigger, reason_for};
use crate::operation::{Endpoint, HealthProbe, Operation};
use crate::request_id::RequestId;
use crate::stats::{Ending, Tally};
use crate::{Client, ClientError};

impl Client {
    pub(crate) async fn execute<E: Endpoint>(
        &self,
        request: &E,
    ) -> Result<E::Response, ClientError> {
        let inner = &*self.inner;
        let _in_flight = inner.lifecycle.enter()?;
        let body = match request.validate().and_then(|()| request.body()) {
            Ok(body) => body,
            Err(invalid) => {
                inner.counters.invalid();
                return Err(ClientError::InvalidRequest(invalid));
            }
        };
        let id = RequestId::next(E::OPERATION);
        let span = tracing::info_span!(
            "kol_request",
            request_id = %id,
            operation = E::OPERATION.name(),
            circuit_state = field::Empty,
            status = field::Empty,
            outcome = field::Empty,
        );
        // The funnel records into the span through a handle of its own:
        // cheaper than asking tracing for the current span.
        inner
            .execute_in_span(request, id, body, span.clone())
            .instrument(span)
            .await
    }
}

impl Inner {
    async fn execute_in_span<E: Endpoint>(
        &self,
        request: &E,
        id: RequestId,
        body: Option<Vec<u8>>,
        span: tracing::Span,
    ) -> Result<E::Response, ClientError> {
        let mut tally = self.counters.begin();

        let mut permit = match self.admit(E::OPERATION) {
            Ok(permit) => permit,
            Err(refused) => {
                tally.set(Ending::Rejected);
                span.record("circuit_state", refused.state.as_str());
                span.record("outcome", "rejected");
                let trigger = Trigger::CircuitOpen {
                    retry_after: refused.retry_after,
                };
                let error = ClientError::CircuitOpen {
                    request_id: id.to_string(),
                    state: refused.state,
                    retry_after: refused.retry_after,
                };
                return self
                    .answer_refused(request, &trigger, &mut tally, error)
                    .await;
            }
        };
        // Read after admission: the first caller after the open period
        // moved the breaker to HALF_OPEN and is a probe.
        let state = self.guard_state(E::OPERATION);
        span.record("circuit_state", state.as_str());

        if permit.is_probe()
            && self.config.probe_health_first
            && E::OPERATION != Operation::HealthCheck
        {
            if let Err(cause) = self.health_before_probe(&mut permit).await {
                // The probe failed without the real request being sent:
                // against every breaker the call went through.
                let outcome = outcome_of(&cause);
                let error = ClientError::ProbeUnhealthy {
                    request_id: id.to_string(),
                    cause: Box::new(cause),
                };
                permit.record_error(outcome, &error);
                tally.set(Ending::HeldBack);
                span.record("outcome", "held_back");
                let trigger = Trigger::CircuitOpen {
                    retry_after: self.breaker.metrics().retry_after.unwrap_or_default(),
                };
                return self
                    .answer_refused(request, &trigger, &mut tally, error)
                    .await;
            }
        }

        let started = Instant::now();
        let result = self
            .send::<E>(id, state, body, self.config.request_timeout)
            .await;
        let elapsed = started.elapsed();
        // The breaker takes our measurement instead of reading its clock.
        permit.set_latency(elapsed);
        if elapsed > self.config.slow_request_threshold {
            tracing::warn!(
                duration_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
                circuit_state = state.as_str(),
                "Slow request detected"
            );
        }

        let error = match result {
            Ok(response) => {
                permit.record(Outcome::Success);
                span.record("outcome", Outcome::Success.as_str());
                tally.set(Ending::Success);
                request.remember(&self.fallbacks, &response);
                return Ok(response);
            }
            Err(error) => error,
        };
        let outcome = outcome_of(&error);
        permit.record_error(outcome, &error);
        span.record("outcome", outcome.as_str());
        if let Some(status) = error.status() {
            span.record("status", status);
        }
        tally.set(if outcome == Outcome::Timeout {
            Ending::TimedOut
        } else {
            Ending::Failed
        });
        if outcome != Outcome::Ignored && self.config.fallback.mode.on_failure() {
            let trigger = reason_for(&error);
            // The fallback chain logs its own use, with the reason.
            if let Some(answer) = request.fall_back(&self.fallbacks, &trigger).await {
                tally.set_fallback();
                return Ok(answer);
            }
        }
        Err(error)
    }

    /// A call that was not sent (the breaker refused it, or the health
    /// check before its probe failed): the fallback's answer when the mode
    /// allows one, else `error`.
    async fn answer_refused<E: Endpoint>(
        &self,
        request: &E,
        trigger: &Trigger,
        tally: &mut Tally<'_>,
        error: ClientError,
    ) -> Result<E::Response, ClientError> {
        if self.config.fallback.mode.on_open() {
            if let Some(answer) = request.fall_back(&self.fallbacks, trigger).await {
                tally.set_fallback();
                return Ok(answer);
            }
        }
        Err(error)
    }

    /// `GET /health` before the real request of a half-open probe. An
    /// unhealthy or unreachable backend fails the probe; a `/health` that
    /// cannot tell (a caller-error status such as 404: the backend has no
    /// such endpoint) lets the real request be the probe.
    async fn health_before_probe(&self, permit: &mut Admitted<'_>) -> Result<(), ClientError> {
        self.counters.probe_check();
        let started = Instant::now();
        let result = self
            .check_health(RequestId::next(Operation::HealthCheck), State::HalfOpen)
            .await;
        permit.set_latency(started.elapsed());
        match result {
            Err(cause) if cause.is_backend_failure() => Err(cause),
            _ => Ok(()),
        }
    }

    /// One `GET /health` outside the breaker, within the health check
    /// timeout: `Ok` when the backend says `ok`.
    pub(crate) async fn check_health(
        &self,
        id: RequestId,
        state: State,
    ) -> Result<(), ClientError> {
        let health = self
            .send::<HealthProbe>(id, state, None, self.config.health_timeout())
            .await?;
        if health.is_ok() {
            Ok(())
        } else {
            Err(ClientError::Unhealthy {
                request_id: id.to_string(),
                status: health.status,
            })
        }
    }
}
