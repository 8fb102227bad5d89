//! Circuit breakers for any HTTP client or tower service.
//!
//! * **Classification** (always on, runtime-free, depends on `http`
//!   only): [`HttpClassifier`] maps a status to an [`Outcome`] (5xx, 408
//!   and 429 fail, other 4xx are ignored, 3xx fails unless you say
//!   otherwise; any status can be set) and reads `Retry-After`
//!   ([`retry_after`], [`parse_retry_after`]: delta-seconds and HTTP
//!   dates, capped). [`Classify`] is the trait the integrations take; any
//!   closure returning an [`Outcome`] is one.
//! * **tower** (feature `tower`): [`CircuitBreakerLayer`](crate::tower::CircuitBreakerLayer)
//!   for tower 0.5 stacks (hyper-util clients, axum, tonic), with no tokio
//!   dependency.
//! * **reqwest** (feature `reqwest`): [`CircuitBreakerMiddleware`](crate::reqwest::CircuitBreakerMiddleware)
//!   for reqwest-middleware 0.5 (reqwest 0.13), one breaker per
//!   `scheme://host:port`.
//!
//! Breakers per host or per route come from a [`circuit_core::Registry`];
//! [`origin`] gives the `scheme://host:port` key.
//!
//! ```
//! use circuit_core::{CircuitBreaker, Outcome, State};
//! use circuit_http::HttpClassifier;
//! use http::{HeaderMap, HeaderValue, StatusCode, header::RETRY_AFTER};
//! use std::time::Duration;
//!
//! let breaker = CircuitBreaker::builder("payments").build().unwrap();
//! let classifier = HttpClassifier::new();
//!
//! // Whatever sent the request, hand its answer to the classifier.
//! let mut headers = HeaderMap::new();
//! headers.insert(RETRY_AFTER, HeaderValue::from_static("120"));
//! let mut permit = breaker.try_acquire().unwrap();
//! let verdict = classifier.verdict(StatusCode::SERVICE_UNAVAILABLE, &headers);
//! assert_eq!(verdict.outcome, Outcome::Failure);
//! if let Some(wait) = verdict.retry_after {
//!     permit.set_retry_after(wait);
//! }
//! permit.record(verdict.outcome);
//! assert_eq!(breaker.metrics().total_failures, 1);
//! assert_eq!(classifier.outcome(StatusCode::NOT_FOUND), Outcome::Ignored);
//! # let _ = (State::Closed, Duration::ZERO);
//! ```
//!
//! docs/integrations.md shows each integration protecting a service in a
//! few lines.
//!
//! [`Outcome`]: circuit_core::Outcome

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod classify;
mod origin;

#[cfg(feature = "reqwest")]
pub mod reqwest;
#[cfg(feature = "tower")]
pub mod tower;

pub use classify::{
    Classify, DEFAULT_RETRY_AFTER_CAP, HttpClassifier, OkIsSuccess, Verdict, default_outcome,
    parse_retry_after, retry_after, retry_after_at,
};
pub use origin::{NO_ORIGIN, origin};

// Keeps the snippets of docs/integrations.md compiling.
#[cfg(all(doctest, feature = "tower", feature = "reqwest"))]
#[doc = include_str!("../../docs/integrations.md")]
mod integrations_md {}
