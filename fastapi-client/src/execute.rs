//! The funnel: the one place every call goes through.
//!
//! Validation, the closed check, the request ID and its span, the breaker,
//! headers, timing, classification, stats and fallbacks all happen here
//! and nowhere else.

use std::time::{Duration, Instant};

use circuit_core::{Outcome, State};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use tracing::{Instrument, field};

use crate::body::{BodyError, read_capped};
use crate::classify::{outcome_of, retry_after};
use crate::detail::{ApiDetail, snippet};
use crate::fallback::{Trigger, reason_for};
use crate::operation::Endpoint;
use crate::request_id::next_request_id;
use crate::stats::Ending;
use crate::{Client, ClientError};

/// Header carrying the breaker's state when the request left.
pub const CIRCUIT_STATE_HEADER: &str = "x-circuit-state";
/// Header carrying the request's ID, `<operation>-<unix-nanos>`.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

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
        let request_id = next_request_id(E::OPERATION.name());
        let span = tracing::info_span!(
            "kol_request",
            request_id = %request_id,
            operation = E::OPERATION.name(),
            circuit_state = field::Empty,
            status = field::Empty,
            outcome = field::Empty,
        );
        self.execute_in_span(request, request_id, body)
            .instrument(span)
            .await
    }

    async fn execute_in_span<E: Endpoint>(
        &self,
        request: &E,
        request_id: String,
        body: Option<Vec<u8>>,
    ) -> Result<E::Response, ClientError> {
        let inner = &*self.inner;
        let span = tracing::Span::current();
        let mut tally = inner.counters.begin();

        let mut permit = match inner.breaker.try_acquire() {
            Ok(permit) => permit,
            Err(rejected) => {
                tally.set(Ending::Rejected);
                span.record("circuit_state", rejected.state().as_str());
                span.record("outcome", "rejected");
                let trigger = Trigger::CircuitOpen {
                    retry_after: rejected.retry_after(),
                };
                if inner.config.fallback.mode.on_open() {
                    if let Some(answer) = request.fall_back(&inner.fallbacks, &trigger).await {
                        tally.set_fallback();
                        return Ok(answer);
                    }
                }
                return Err(ClientError::CircuitOpen {
                    request_id,
                    state: rejected.state(),
                    retry_after: rejected.retry_after(),
                });
            }
        };
        // Read after admission: the first caller after the open period
        // moved the breaker to HALF_OPEN and is a probe.
        let state = inner.breaker.state();
        span.record("circuit_state", state.as_str());

        let started = Instant::now();
        let result = self.send::<E>(&request_id, state, body).await;
        let elapsed = started.elapsed();
        // The breaker takes our measurement instead of reading its clock.
        permit.set_latency(elapsed);
        if elapsed > inner.config.slow_request_threshold {
            tracing::warn!(
                duration_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
                circuit_state = state.as_str(),
                "Slow request detected"
            );
        }

        let error = match result {
            Ok(response) => {
                permit.record_success();
                span.record("outcome", Outcome::Success.as_str());
                tally.set(Ending::Success);
                request.remember(&inner.fallbacks, &response);
                return Ok(response);
            }
            Err(error) => error,
        };
        if let Some(hint) = error.retry_after() {
            permit.set_retry_after(hint);
        }
        let outcome = outcome_of(&error);
        permit.record(outcome);
        span.record("outcome", outcome.as_str());
        if let Some(status) = error.status() {
            span.record("status", status);
        }
        tally.set(if outcome == Outcome::Timeout {
            Ending::TimedOut
        } else {
            Ending::Failed
        });
        if outcome != Outcome::Ignored && inner.config.fallback.mode.on_failure() {
            let trigger = reason_for(&error);
            // The fallback chain logs its own use, with the reason.
            if let Some(answer) = request.fall_back(&inner.fallbacks, &trigger).await {
                tally.set_fallback();
                return Ok(answer);
            }
        }
        Err(error)
    }

    /// One HTTP exchange: send, read the body under the size cap, decode.
    async fn send<E: Endpoint>(
        &self,
        request_id: &str,
        state: State,
        body: Option<Vec<u8>>,
    ) -> Result<E::Response, ClientError> {
        let inner = &*self.inner;
        let config = &inner.config;
        let timeout = config.request_timeout;
        let mut builder = inner
            .http
            .request(E::OPERATION.method(), self.url(E::OPERATION).clone())
            .timeout(timeout)
            .header(REQUEST_ID_HEADER, request_id)
            .header(CIRCUIT_STATE_HEADER, state.as_str())
            .header(ACCEPT, "application/json");
        if let Some(auth) = &inner.auth {
            builder = builder.header(AUTHORIZATION, auth.clone());
        }
        if let Some(body) = body {
            builder = builder.header(CONTENT_TYPE, "application/json").body(body);
        }
        let response = builder
            .send()
            .await
            .map_err(|e| transport_error(e, request_id, timeout))?;

        let status = response.status();
        let hint = retry_after(status, response.headers(), config.max_retry_after);
        let bytes = read_capped(response, config.max_response_bytes)
            .await
            .map_err(|e| match e {
                BodyError::TooLarge { content_length } => ClientError::ResponseTooLarge {
                    request_id: request_id.to_owned(),
                    limit: config.max_response_bytes,
                    content_length,
                },
                BodyError::Http(e) => transport_error(e, request_id, timeout),
            })?;
        if !status.is_success() {
            return Err(ClientError::Api {
                request_id: request_id.to_owned(),
                status: status.as_u16(),
                detail: ApiDetail::parse(&bytes),
                retry_after: hint,
                body: snippet(&bytes),
            });
        }
        serde_json::from_slice(&bytes).map_err(|source| ClientError::Decode {
            request_id: request_id.to_owned(),
            status: status.as_u16(),
            snippet: snippet(&bytes),
            source,
        })
    }
}

fn transport_error(error: reqwest::Error, request_id: &str, timeout: Duration) -> ClientError {
    let request_id = request_id.to_owned();
    if error.is_timeout() {
        ClientError::Timeout {
            request_id,
            timeout,
        }
    } else if error.is_connect() {
        ClientError::Connect {
            request_id,
            source: error,
        }
    } else {
        ClientError::Transport {
            request_id,
            source: error,
        }
    }
}
