//! One HTTP exchange: the request with its headers, under a timeout, and
//! the response handed to [`crate::response`].

use std::time::Duration;

use circuit_core::State;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};

use crate::ClientError;
use crate::classify::retry_after;
use crate::client::Inner;
use crate::operation::Endpoint;
use crate::request_id::RequestId;
use crate::response::{Limits, finish, transport_error};

/// Header carrying the breaker's state when the request left.
pub const CIRCUIT_STATE_HEADER: &str = "x-circuit-state";
/// Header carrying the request's ID, `<operation>-<unix-nanos>`.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

// Static names and values: inserting them allocates nothing.
const REQUEST_ID: HeaderName = HeaderName::from_static(REQUEST_ID_HEADER);
const CIRCUIT_STATE: HeaderName = HeaderName::from_static(CIRCUIT_STATE_HEADER);
const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Headers the HTTP stack adds to ours (`host`, `content-length`): the
/// header map is sized for them up front when ours would not leave room,
/// so it is allocated once and never regrown.
const STACK_HEADERS: usize = 2;

impl Inner {
    /// Sends one request and reads its answer, within `timeout` for the
    /// whole exchange.
    pub(crate) async fn send<E: Endpoint>(
        &self,
        id: RequestId,
        state: State,
        body: Option<Vec<u8>>,
        timeout: Duration,
    ) -> Result<E::Response, ClientError> {
        let url = self.urls[E::OPERATION as usize].clone();
        let mut request = reqwest::Request::new(E::OPERATION.method(), url);
        *request.timeout_mut() = Some(timeout);
        let headers = request.headers_mut();
        let ours = 3 + usize::from(self.auth.is_some()) + usize::from(body.is_some());
        // A map's first allocation holds 6 entries; only grow it once.
        if ours + STACK_HEADERS > 6 {
            headers.reserve(ours + STACK_HEADERS);
        }
        headers.insert(REQUEST_ID, id.header_value());
        headers.insert(CIRCUIT_STATE, HeaderValue::from_static(state.as_str()));
        headers.insert(ACCEPT, JSON);
        if let Some(auth) = &self.auth {
            headers.insert(AUTHORIZATION, auth.clone());
        }
        if let Some(body) = body {
            headers.insert(CONTENT_TYPE, JSON);
            *request.body_mut() = Some(body.into());
        }
        let response = self
            .http
            .execute(request)
            .await
            .map_err(|e| transport_error(e, id, timeout))?;
        let status = response.status();
        // Only an error status can carry a hint the client takes.
        let hint = if status.is_success() {
            None
        } else {
            retry_after(status, response.headers(), self.config.max_retry_after)
        };
        let limits = Limits {
            max_response_bytes: self.config.max_response_bytes,
            timeout,
        };
        finish(id, status, hint, response, limits).await
    }
}
