//! [`CircuitBreakerLayer`]: a circuit breaker for any tower 0.5 service
//! (hyper-util clients, axum, tonic, your own), with no tokio dependency.
//!
//! ```
//! use std::sync::Arc;
//! use circuit_core::{CallError, CircuitBreaker, Config};
//! use circuit_http::OkIsSuccess;
//! use circuit_http::tower::CircuitBreakerLayer;
//! use tower::{Service, ServiceBuilder, ServiceExt};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let breaker = Arc::new(CircuitBreaker::new("kol-scores", Config { max_failures: 1, ..Config::default() })?);
//! let mut scores = ServiceBuilder::new()
//!     .layer(CircuitBreakerLayer::new(Arc::clone(&breaker)).classifier(OkIsSuccess))
//!     .service_fn(|kol: &'static str| async move {
//!         if kol.is_empty() { Err(std::io::Error::other("score service down")) } else { Ok(0.87) }
//!     });
//! pollster::block_on(async {
//!     assert_eq!(scores.ready().await?.call("kol-17").await?, 0.87);
//!     assert!(matches!(scores.ready().await?.call("").await, Err(CallError::Inner(_))));
//!     // One failure opened the breaker: the next call is not made.
//!     assert!(matches!(scores.ready().await?.call("kol-17").await, Err(CallError::Rejected(_))));
//!     Ok::<_, CallError<std::io::Error>>(())
//! })?;
//! # Ok(())
//! # }
//! ```
//!
//! # Why `poll_ready` does not reserve a probe slot
//! `poll_ready` only asks the inner service; the breaker is asked in
//! `call`, and a rejection is the call's error. Unlike a concurrency limit
//! (tower's `ConcurrencyLimit` takes its permit in `poll_ready`), a
//! breaker has nothing to wait for that a waker could announce:
//! * an OPEN breaker stays open for seconds and never wakes anyone, so
//!   `Pending` would stall the caller until some timer it does not have,
//!   and an error from `poll_ready` tells tower that the *service* is
//!   broken for good (a `Buffer` or balancer would drop it);
//! * a HALF_OPEN breaker admits a few probes. A probe reserved in
//!   `poll_ready` would be held by a service that is merely ready (a
//!   balancer readies several and calls one; a caller may ready and never
//!   call), starving the real callers, and its probe clock would run
//!   before the request is sent;
//! * which breaker to ask depends on the request (per host, per route),
//!   which `poll_ready` does not see.
//!
//! So a rejected request still had the inner service readied: whatever it
//! reserved (say, a concurrency slot) is released when the service is
//! called again or dropped, as after any error.
//!
//! # The error
//! [`CallError<E>`](circuit_core::CallError): `Rejected` with the
//! breaker's [`Rejected`](circuit_core::Rejected) (state, when to come
//! back), or `Inner` with the service's own error. A future dropped before
//! it finishes counts as cancelled.

mod future;
mod layer;
mod select;
mod service;

pub use future::ResponseFuture;
pub use layer::CircuitBreakerLayer;
pub use select::{PerKey, PerOrigin, SelectBreaker};
pub use service::CircuitBreakerService;
