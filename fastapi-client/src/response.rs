//! From a response's status, `Retry-After` and body to a typed answer or
//! a typed error: the client's whole decode path, separate from the
//! network so that the fuzz harness drives exactly this code.

use std::time::Duration;

use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use crate::ClientError;
use crate::body::{BodyError, Chunks, read_capped};
use crate::detail::{ApiDetail, snippet};
use crate::request_id::RequestId;

/// What bounds the reading of one response.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) max_response_bytes: usize,
    /// The exchange's timeout, named in a [`ClientError::Timeout`] when
    /// the body stalls past it.
    pub(crate) timeout: Duration,
}

/// Reads `body` under the size cap and decodes it: `T` for a 2xx with the
/// expected JSON, [`ClientError::Api`] (with FastAPI's `detail` and the
/// `Retry-After` hint) for any other status, [`ClientError::Decode`] for a
/// 2xx that is not `T`.
pub(crate) async fn finish<T: DeserializeOwned>(
    id: RequestId,
    status: StatusCode,
    retry_after: Option<Duration>,
    body: impl Chunks,
    limits: Limits,
) -> Result<T, ClientError> {
    let bytes = read_capped(body, limits.max_response_bytes)
        .await
        .map_err(|e| match e {
            BodyError::TooLarge { content_length } => ClientError::ResponseTooLarge {
                request_id: id.to_string(),
                limit: limits.max_response_bytes,
                content_length,
            },
            BodyError::Http(e) => transport_error(e, id, limits.timeout),
        })?;
    decode(id, status, retry_after, &bytes)
}

/// Decodes a body read in full.
pub(crate) fn decode<T: DeserializeOwned>(
    id: RequestId,
    status: StatusCode,
    retry_after: Option<Duration>,
    bytes: &[u8],
) -> Result<T, ClientError> {
    if !status.is_success() {
        return Err(ClientError::Api {
            request_id: id.to_string(),
            status: status.as_u16(),
            detail: ApiDetail::parse(bytes),
            retry_after,
            body: snippet(bytes),
        });
    }
    serde_json::from_slice(bytes).map_err(|source| ClientError::Decode {
        request_id: id.to_string(),
        status: status.as_u16(),
        snippet: snippet(bytes),
        source,
    })
}

/// A failed exchange, by what failed.
pub(crate) fn transport_error(
    error: reqwest::Error,
    id: RequestId,
    timeout: Duration,
) -> ClientError {
    let request_id = id.to_string();
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

#[cfg(test)]
mod fuzz;
