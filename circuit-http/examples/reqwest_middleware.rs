//! reqwest with one circuit breaker per host, inside the retry middleware,
//! against a local KOL backend that starts failing.
//!
//! ```text
//! cargo run -p circuit-http --features reqwest --example reqwest_middleware
//! ```

#[path = "support/backend.rs"]
mod backend;

use std::sync::Arc;
use std::time::Duration;

use circuit_core::{Config, Registry};
use circuit_http::reqwest::{CircuitBreakerMiddleware, rejection};
use reqwest_middleware::ClientBuilder;
use reqwest_retry::RetryTransientMiddleware;
use reqwest_retry::policies::ExponentialBackoff;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let backend = backend::Backend::start().await?;

    // One breaker per scheme://host:port; the retry middleware outside it.
    let hosts = Arc::new(Registry::new(Config {
        max_failures: 3,
        ..Config::default()
    })?);
    let retries = ExponentialBackoff::builder()
        .retry_bounds(Duration::from_millis(10), Duration::from_millis(100))
        .build_with_max_retries(5);
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(RetryTransientMiddleware::new_with_policy(retries))
        .with(CircuitBreakerMiddleware::new(Arc::clone(&hosts)))
        .build();

    for call in 1..=4 {
        if call == 2 {
            backend.fail(true);
            println!("-- the backend starts answering 503 (Retry-After: 2)");
        }
        match client.get(&backend.url).send().await {
            Ok(response) => println!("call {call}: {}", response.status()),
            Err(error) => match rejection(&error) {
                Some(rejected) => println!(
                    "call {call}: not sent, the breaker is {} for {:.1?} more",
                    rejected.state(),
                    rejected.retry_after()
                ),
                None => println!("call {call}: {error}"),
            },
        }
    }
    for (host, breaker) in hosts.entries() {
        let m = breaker.metrics();
        println!(
            "{host}: {} after {} failures, {} rejections",
            breaker.state(),
            m.total_failures,
            m.total_rejected
        );
    }
    Ok(())
}
