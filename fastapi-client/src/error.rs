//! The client's one error type.

use std::time::Duration;

use circuit_core::{ConfigError, State};

use crate::detail::{ApiDetail, Shown};
use crate::validate::ValidationError;

/// Everything that can go wrong with a client call or its construction.
///
/// Variants carry what a caller needs to act: the request ID (to find the
/// call in the backend's logs), the status and FastAPI's `detail`, and when
/// to come back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The request broke a rule of the contract. It was not sent and does
    /// not count against the backend's health.
    #[error("invalid request: {0}")]
    InvalidRequest(#[from] ValidationError),

    /// [`ClientConfig::base_url`](crate::ClientConfig::base_url) is not a
    /// usable `http` or `https` URL.
    #[error("invalid base url `{url}`: {reason}")]
    InvalidUrl {
        /// The URL as given, with any credentials, query and fragment
        /// replaced by `<redacted>`: they are what is wrong with it, and
        /// they may be secrets.
        url: String,
        /// What is wrong with it.
        reason: String,
    },

    /// Another setting of the [`ClientConfig`](crate::ClientConfig) is
    /// unusable.
    #[error("invalid client configuration: `{field}` {reason}")]
    InvalidConfig {
        /// The setting.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// The circuit breaker's configuration breaks one of its rules.
    #[error("invalid circuit breaker configuration")]
    Circuit(#[from] ConfigError),

    /// The HTTP client could not be built (e.g. no TLS backend).
    #[error("could not build the HTTP client")]
    Build(#[source] reqwest::Error),

    /// The circuit breaker is open: the request was not sent, and no
    /// fallback answered.
    #[error("circuit breaker is {state}: request {request_id} not sent, {}", retry_hint(*retry_after))]
    CircuitOpen {
        /// The request's ID.
        request_id: String,
        /// The breaker's state when it said no.
        state: State,
        /// How long until the breaker lets a probe through
        /// (`Duration::MAX` while forced open).
        retry_after: Duration,
    },

    /// No complete response within
    /// [`request_timeout`](crate::ClientConfig::request_timeout).
    #[error("request {request_id} timed out after {timeout:?}")]
    Timeout {
        /// The request's ID.
        request_id: String,
        /// The limit that was hit.
        timeout: Duration,
    },

    /// The backend could not be reached (refused, unresolvable, reset
    /// before connecting).
    #[error("request {request_id}: could not connect to the backend")]
    Connect {
        /// The request's ID.
        request_id: String,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },

    /// The connection broke after it was made: dropped before a response,
    /// or a body cut short of its announced length.
    #[error("request {request_id}: connection failed mid-exchange")]
    Transport {
        /// The request's ID.
        request_id: String,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },

    /// The backend answered with an error status.
    #[error("request {request_id}: backend answered {status}{}", detail.as_ref().map(|d| format!(": {d}")).unwrap_or_default())]
    Api {
        /// The request's ID.
        request_id: String,
        /// The HTTP status.
        status: u16,
        /// FastAPI's `detail`, when the body had one.
        detail: Option<ApiDetail>,
        /// The `Retry-After` header of a 429 or 503, when present.
        retry_after: Option<Duration>,
        /// The start of the body (at most
        /// [`SNIPPET_LIMIT`](crate::SNIPPET_LIMIT) bytes).
        body: String,
    },

    /// A success status with a body that is not the expected JSON.
    #[error("request {request_id}: could not decode the {status} response: {source}")]
    Decode {
        /// The request's ID.
        request_id: String,
        /// The HTTP status.
        status: u16,
        /// The start of the body (at most
        /// [`SNIPPET_LIMIT`](crate::SNIPPET_LIMIT) bytes).
        snippet: String,
        /// What serde found wrong.
        #[source]
        source: serde_json::Error,
    },

    /// The response body is larger than
    /// [`max_response_bytes`](crate::ClientConfig::max_response_bytes); the
    /// client stopped reading it.
    #[error("request {request_id}: response exceeds the limit of {limit} bytes")]
    ResponseTooLarge {
        /// The request's ID.
        request_id: String,
        /// The limit.
        limit: usize,
        /// The announced `Content-Length`, if any.
        content_length: Option<u64>,
    },

    /// The call was admitted as the half-open probe, but the backend
    /// failed the health check that goes first
    /// ([`probe_health_first`](crate::ClientConfig::probe_health_first)):
    /// the request was not sent, the probe counted as failed, and no
    /// fallback answered.
    #[error(
        "request {request_id} not sent: the backend failed its health check before the recovery probe: {cause}"
    )]
    ProbeUnhealthy {
        /// The request's ID.
        request_id: String,
        /// How the health check failed: the error of `GET /health`, or
        /// [`ClientError::Unhealthy`].
        #[source]
        cause: Box<ClientError>,
    },

    /// `GET /health` answered, but not with `"status": "ok"`.
    #[error("request {request_id}: the backend reports status `{}`", Shown(status))]
    Unhealthy {
        /// The health check's request ID.
        request_id: String,
        /// The status it reported.
        status: String,
    },

    /// [`Client::close`](crate::Client::close) was called.
    #[error("the client is closed")]
    Closed,

    /// [`Client::close`](crate::Client::close) stopped waiting for calls in
    /// flight after [`close_timeout`](crate::ClientConfig::close_timeout);
    /// the client is closed, its hooks ran, and those calls finish (or
    /// not) on their own.
    #[error("close timed out after {timeout:?} with {in_flight} call(s) still in flight")]
    CloseTimedOut {
        /// The deadline that passed.
        timeout: Duration,
        /// Calls still in flight at that point.
        in_flight: usize,
    },

    /// An [`on_close`](crate::ClientConfig::on_close) hook failed while
    /// the client closed (the client is closed all the same).
    #[error("flush on close failed: {message}")]
    Flush {
        /// The hook and its error.
        message: String,
    },
}

fn retry_hint(retry_after: Duration) -> String {
    if retry_after == Duration::MAX {
        "until it is reset".to_owned()
    } else {
        format!("retry after {retry_after:?}")
    }
}

impl ClientError {
    /// The ID of the request this error belongs to, if one was made.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::CircuitOpen { request_id, .. }
            | Self::Timeout { request_id, .. }
            | Self::Connect { request_id, .. }
            | Self::Transport { request_id, .. }
            | Self::Api { request_id, .. }
            | Self::Decode { request_id, .. }
            | Self::ResponseTooLarge { request_id, .. }
            | Self::ProbeUnhealthy { request_id, .. }
            | Self::Unhealthy { request_id, .. } => Some(request_id),
            _ => None,
        }
    }

    /// The HTTP status, if the backend answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } | Self::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// When to try again, if the breaker or the backend said so.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::CircuitOpen { retry_after, .. } => Some(*retry_after),
            Self::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether the error says something about the backend's health (and
    /// so counted as a failure for the breaker). Invalid requests, the
    /// caller's own 4xx, rejections and a closed client do not.
    pub fn is_backend_failure(&self) -> bool {
        match self {
            Self::Timeout { .. }
            | Self::Connect { .. }
            | Self::Transport { .. }
            | Self::Decode { .. }
            | Self::ResponseTooLarge { .. }
            | Self::ProbeUnhealthy { .. }
            | Self::Unhealthy { .. } => true,
            Self::Api { status, .. } => crate::classify::status_is_failure(*status),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(retry_after: Duration) -> ClientError {
        ClientError::CircuitOpen {
            request_id: "match-kols-1".into(),
            state: State::Open,
            retry_after,
        }
    }

    #[test]
    fn messages_say_what_to_do() {
        assert_eq!(
            open(Duration::from_millis(1500)).to_string(),
            "circuit breaker is open: request match-kols-1 not sent, retry after 1.5s"
        );
        assert!(
            open(Duration::MAX)
                .to_string()
                .ends_with("not sent, until it is reset")
        );
        let api = ClientError::Api {
            request_id: "optimize-budget-2".into(),
            status: 404,
            detail: Some(ApiDetail::Message("unknown kol_id: x".into())),
            retry_after: None,
            body: String::new(),
        };
        assert_eq!(
            api.to_string(),
            "request optimize-budget-2: backend answered 404: unknown kol_id: x"
        );
        assert_eq!(
            (api.status(), api.request_id(), api.is_backend_failure()),
            (Some(404), Some("optimize-budget-2"), false)
        );
        let busy = ClientError::Api {
            request_id: "optimize-budget-2".into(),
            status: 503,
            retry_after: Some(Duration::from_secs(2)),
            detail: None,
            body: String::new(),
        };
        assert!(busy.is_backend_failure());
        assert_eq!(busy.retry_after(), Some(Duration::from_secs(2)));
        assert_eq!(ClientError::Closed.request_id(), None);
    }
}
