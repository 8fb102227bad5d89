//! The tower layer around a service that is not HTTP, with its own
//! classifier: a KOL score store whose "unknown KOL" answers are the
//! caller's problem and whose outages open the breaker.
//!
//! ```text
//! cargo run -p circuit-http --features tower --example plain_service
//! ```

use std::sync::Arc;

use circuit_core::{CallError, CircuitBreaker, Config, Outcome};
use circuit_http::tower::CircuitBreakerLayer;
use tower::{ServiceBuilder, ServiceExt, service_fn};

#[derive(Debug)]
enum StoreError {
    UnknownKol,
    Unavailable,
}

async fn score(kol: u32) -> Result<f64, StoreError> {
    match kol {
        0 => Err(StoreError::UnknownKol),
        k if k >= 900 => Err(StoreError::Unavailable),
        k => Ok(f64::from(k % 100) / 100.0),
    }
}

fn judge(result: &Result<f64, StoreError>) -> Outcome {
    match result {
        Ok(_) => Outcome::Success,
        Err(StoreError::UnknownKol) => Outcome::Ignored,
        Err(StoreError::Unavailable) => Outcome::Failure,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let breaker = Arc::new(CircuitBreaker::new(
        "kol-scores",
        Config {
            max_failures: 2,
            ..Config::default()
        },
    )?);
    let scores = ServiceBuilder::new()
        .layer(CircuitBreakerLayer::new(Arc::clone(&breaker)).classifier(judge))
        .service(service_fn(score));

    for kol in [17, 0, 0, 0, 901, 902, 17] {
        match scores.clone().oneshot(kol).await {
            Ok(score) => println!("kol {kol}: score {score}"),
            Err(CallError::Inner(error)) => println!("kol {kol}: {error:?}"),
            Err(CallError::Rejected(rejected)) => println!("kol {kol}: not asked ({rejected})"),
        }
    }
    println!("breaker {}: {:?}", breaker.name(), breaker.state());
    Ok(())
}
