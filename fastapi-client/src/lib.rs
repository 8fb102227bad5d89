//! A typed async client for the KOL-matching FastAPI backend, with a
//! circuit breaker and fallbacks built in.
//!
//! Every call goes through one funnel that validates the request (an
//! invalid one is never sent and never counts against the backend), asks
//! the [`circuit_core`] breaker (or, with
//! [`endpoint_circuit`](ClientConfig::endpoint_circuit), a host breaker over
//! one breaker per endpoint), checks `GET /health` before a half-open probe
//! ([`probe_health_first`](ClientConfig::probe_health_first)), sends
//! `X-Request-ID` (`<operation>-<unix-nanos>`, unique per request) and
//! `X-Circuit-State`, times the call, classifies the outcome, counts it,
//! and, while the breaker is open, answers from the
//! [fallbacks](FallbackConfig), each answer saying where it came from
//! ([`Provenance`] in `meta.provenance`).
//!
//! ```
//! use fastapi_client::{Client, ClientConfig, ClientError, MatchKolsRequest};
//!
//! # fn main() -> Result<(), ClientError> {
//! let client = Client::new(ClientConfig::new("http://127.0.0.1:8000"))?;
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
//!
//! // Requests are checked against the contract before anything is sent.
//! let too_many = MatchKolsRequest { limit: 500, ..MatchKolsRequest::new("spring-launch", ["tech"], 5_000.0) };
//! let err = runtime.block_on(client.match_kols(&too_many)).unwrap_err();
//! assert!(matches!(err, ClientError::InvalidRequest(ref why) if why.field() == "limit"));
//! assert_eq!(client.client_stats().total_requests, 0);
//! assert_eq!(client.circuit_breaker_metrics().total_requests, 0);
//!
//! // A bad base URL is refused at construction.
//! assert!(matches!(Client::new(ClientConfig::new("localhost:8000")), Err(ClientError::InvalidUrl { .. })));
//! # Ok(())
//! # }
//! ```
//!
//! Talking to a backend:
//!
//! ```no_run
//! use fastapi_client::{Client, ClientConfig, MatchKolsRequest, OptimizeBudgetRequest, Platform};
//!
//! # async fn run() -> Result<(), fastapi_client::ClientError> {
//! let client = Client::new(ClientConfig::new("http://localhost:8000"))?;
//! let request = MatchKolsRequest {
//!     platforms: Some(vec![Platform::Instagram, Platform::Tiktok]),
//!     ..MatchKolsRequest::new("spring-launch", ["beauty", "fashion"], 20_000.0)
//! };
//! let matches = client.match_kols(&request).await?;
//! // Live, or while the circuit is open a cached answer (with its age) or an empty one.
//! println!("{} via {:?}", matches.matches.len(), matches.meta.provenance);
//!
//! let ids = matches.matches.iter().map(|m| m.kol_id.clone());
//! let plan = client.optimize_budget(&OptimizeBudgetRequest::new("spring-launch", 20_000.0, ids)).await?;
//! println!("allocated {}", plan.summary.total_allocated);
//!
//! println!("{}", serde_json::to_string_pretty(&client.client_stats()).unwrap());
//! client.close().await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Classification
//! circuit-http's [`HttpClassifier`](circuit_http::HttpClassifier) and
//! `Retry-After` parsing, with a final 1xx counted as a failure.
//!
//! | what happened | returned | breaker |
//! |---|---|---|
//! | 2xx with the expected JSON | `Ok` | success |
//! | 5xx, 429, 408 | [`ClientError::Api`] | failure (a 429/503 `Retry-After` keeps it open at least that long if it trips) |
//! | 3xx (redirects are not followed), a final 1xx | [`ClientError::Api`] | failure |
//! | other 4xx (400, 404, 422, …) | [`ClientError::Api`] with FastAPI's `detail` | ignored |
//! | no response in `request_timeout` | [`ClientError::Timeout`] | timeout |
//! | refused / unreachable | [`ClientError::Connect`] | failure |
//! | connection dropped, body cut short | [`ClientError::Transport`] | failure |
//! | 2xx with malformed JSON | [`ClientError::Decode`] | failure |
//! | body over `max_response_bytes` | [`ClientError::ResponseTooLarge`] | failure |
//! | breaker open, no fallback | [`ClientError::CircuitOpen`] | rejected |
//! | `/health` failed before a probe, no fallback | [`ClientError::ProbeUnhealthy`] | failure (nothing else sent) |
//! | request breaks the contract | [`ClientError::InvalidRequest`] | not seen |
//!
//! # Tracing
//! One `info` span `kol_request` per call with `request_id`, `operation`,
//! `circuit_state`, `status` and `outcome`; a `warn` "Slow request
//! detected" with `duration_ms` and `circuit_state` for calls slower than
//! [`ClientConfig::slow_request_threshold`]; the breaker's "Circuit
//! breaker state changed" and the fallbacks' "Circuit breaker open,
//! executing fallback"; a `warn` when a client is dropped without
//! [`Client::close`]. The API key never appears, and a backend's `detail`
//! is shown bounded and escaped.
//!
//! # Features
//! * `persist`: keep the fallback cache in a file across restarts
//!   (`FallbackConfig::cache_file`).

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod admission;
mod api_key;
mod body;
mod classify;
mod client;
mod config;
mod detail;
mod error;
mod execute;
mod fallback;
mod health;
mod lifecycle;
mod models;
mod operation;
mod request_id;
mod response;
mod send;
mod stats;
mod tls;
mod url;
mod validate;

pub use api_key::ApiKey;
pub use client::{Client, ClientBuilder};
pub use config::{
    ClientConfig, DEFAULT_BREAKER_NAME, DEFAULT_CLOSE_TIMEOUT, DEFAULT_HEALTH_CHECK_TIMEOUT,
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_RETRY_AFTER, DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_SLOW_REQUEST_THRESHOLD, Flush,
};
pub use detail::{ApiDetail, DETAIL_DISPLAY_LIMIT, SNIPPET_LIMIT, ValidationIssue};
pub use error::ClientError;
pub use fallback::{ClientFallbacks, DEFAULT_CACHE_MAX_BYTES, FallbackConfig, FallbackMode};
pub use fallback_cache::{Freshness, Provenance};
pub use models::{
    BudgetAllocation, BudgetSummary, DEFAULT_MATCH_LIMIT, HealthResponse, KolMatch,
    MatchKolsRequest, MatchKolsResponse, MatchMeta, Objective, OptimizationMeta,
    OptimizeBudgetRequest, OptimizeBudgetResponse, Platform,
};
pub use operation::Operation;
pub use send::{CIRCUIT_STATE_HEADER, REQUEST_ID_HEADER};
pub use stats::{ClientStats, HealthStats};
pub use validate::{MAX_AMOUNT, ValidationError};

/// Re-exported so users need no direct dependency to configure the breaker
/// or write fallbacks.
pub use circuit_core;
pub use fallback_cache;
