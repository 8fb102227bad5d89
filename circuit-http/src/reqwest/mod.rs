//! [`CircuitBreakerMiddleware`] for [reqwest-middleware] 0.5 (reqwest 0.13).
//!
//! ```no_run
//! use std::sync::Arc;
//! use circuit_core::{Config, Registry};
//! use circuit_http::reqwest::{CircuitBreakerMiddleware, rejection};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // One breaker per scheme://host:port, created on first use.
//! let hosts = Arc::new(Registry::new(Config::default())?);
//! let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
//!     .with(CircuitBreakerMiddleware::new(hosts))
//!     .build();
//! match client.get("http://127.0.0.1:8080/v1/kols").send().await {
//!     Ok(response) => println!("{}", response.status()),
//!     Err(error) => match rejection(&error) {
//!         Some(rejected) => println!("not sent: retry after {:?}", rejected.retry_after()),
//!         None => println!("failed: {error}"),
//!     },
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # With the retry middleware
//! Put [reqwest-retry]'s `RetryTransientMiddleware` *outside* (`.with` it
//! first) and the breaker inside:
//!
//! ```no_run
//! # use std::sync::Arc;
//! # use circuit_core::{Config, Registry};
//! # use circuit_http::reqwest::CircuitBreakerMiddleware;
//! # fn build(hosts: Arc<Registry<String>>) {
//! use reqwest_retry::{RetryTransientMiddleware, policies::ExponentialBackoff};
//!
//! let retry = RetryTransientMiddleware::new_with_policy(
//!     ExponentialBackoff::builder().build_with_max_retries(3),
//! );
//! let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
//!     .with(retry)                                // outer: repeats attempts
//!     .with(CircuitBreakerMiddleware::new(hosts)) // inner: judges each attempt
//!     .build();
//! # }
//! ```
//!
//! * Every attempt is one outcome, so the breaker sees a failing host as
//!   soon as the attempts fail, and each 503's `Retry-After` reaches it.
//! * Once the breaker opens, the next attempt is rejected without being
//!   sent, and reqwest-retry's default strategy treats a middleware error
//!   as fatal: the retries stop instead of hammering a dead host.
//! * The other order (breaker outside) counts a whole retried call as one
//!   outcome, keeps sending every call's retries while the breaker is
//!   closed, and only sees the last attempt's answer.
//!
//! reqwest-retry wraps the errors it returns, so find a rejection with
//! [`rejection`] (it follows the error's sources) rather than with a single
//! `downcast_ref`.
//!
//! [reqwest-middleware]: https://docs.rs/reqwest-middleware/0.5
//! [reqwest-retry]: https://docs.rs/reqwest-retry/0.9

mod classify;
mod middleware;

pub use middleware::{CircuitBreakerMiddleware, origin_of};

use circuit_core::Rejected;

/// The breaker's rejection inside a reqwest-middleware error, however many
/// middlewares wrapped it (the retry middleware does).
///
/// The middleware returns a rejection as
/// `reqwest_middleware::Error::Middleware` holding an [`anyhow::Error`]
/// made from the [`Rejected`] with the breaker's name as context, so
/// `error.downcast_ref::<Rejected>()` on that `anyhow::Error` works too
/// when nothing wrapped it.
pub fn rejection(error: &reqwest_middleware::Error) -> Option<&Rejected> {
    match error {
        reqwest_middleware::Error::Middleware(error) => error
            .downcast_ref::<Rejected>()
            .or_else(|| error.chain().find_map(|e| e.downcast_ref::<Rejected>())),
        reqwest_middleware::Error::Reqwest(_) => None,
    }
}
