//! A hyper-util client in a tower `ServiceBuilder` stack: one breaker per
//! host, a timeout inside it, against a local KOL backend that starts
//! failing.
//!
//! ```text
//! cargo run -p circuit-http --features tower --example tower_client
//! ```

#[path = "support/backend.rs"]
mod backend;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use circuit_core::{CallError, Config, Outcome, Registry};
use circuit_http::tower::CircuitBreakerLayer;
use circuit_http::{Classify, HttpClassifier, Verdict};
use http::{Request, Response};
use http_body_util::Empty;
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tower::timeout::error::Elapsed;
use tower::{BoxError, ServiceBuilder, ServiceExt};

/// The HTTP rules, plus: the timeout layer's `Elapsed` is a timeout.
fn classify(result: &Result<Response<Incoming>, BoxError>) -> Verdict {
    match result {
        Err(error) if error.is::<Elapsed>() => Outcome::Timeout.into(),
        other => HttpClassifier::new().classify(other),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let backend = backend::Backend::start().await?;

    let hosts = Arc::new(Registry::new(Config {
        max_failures: 2,
        ..Config::default()
    })?);
    let client = ServiceBuilder::new()
        .layer(CircuitBreakerLayer::per_origin(Arc::clone(&hosts)).classifier(classify))
        .timeout(Duration::from_secs(2))
        .service(Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>());

    for call in 1..=4 {
        if call == 2 {
            backend.fail(true);
            println!("-- the backend starts answering 503");
        }
        let request = Request::get(&backend.url).body(Empty::new())?;
        match client.clone().oneshot(request).await {
            Ok(response) => println!("call {call}: {}", response.status()),
            Err(CallError::Rejected(rejected)) => println!("call {call}: not sent ({rejected})"),
            Err(CallError::Inner(error)) => println!("call {call}: {error}"),
        }
    }
    for (host, breaker) in hosts.entries() {
        println!("{host}: {}", breaker.state());
    }
    Ok(())
}
