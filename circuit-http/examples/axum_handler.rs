//! An axum handler whose downstream call goes through the breaker: once
//! the KOL backend fails, the handler answers 503 at once instead of
//! waiting on it.
//!
//! ```text
//! cargo run -p circuit-http --features tower --example axum_handler
//! ```

#[path = "support/backend.rs"]
mod backend;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use bytes::Bytes;
use circuit_core::{CallError, CircuitBreaker, Config};
use circuit_http::HttpClassifier;
use circuit_http::tower::{CircuitBreakerLayer, CircuitBreakerService};
use http::Request;
use http_body_util::Empty;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tower::{ServiceBuilder, ServiceExt};

type KolBackend =
    CircuitBreakerService<Client<HttpConnector, Empty<Bytes>>, Arc<CircuitBreaker>, HttpClassifier>;

#[derive(Clone)]
struct App {
    kols: KolBackend,
    kols_url: String,
}

/// `GET /campaigns/spring/kols`: asks the KOL backend, through the breaker.
async fn campaign_kols(State(app): State<App>) -> (StatusCode, String) {
    let request = Request::get(&app.kols_url)
        .body(Empty::new())
        .expect("a valid URL");
    match app.kols.oneshot(request).await {
        Ok(response) if response.status().is_success() => (StatusCode::OK, "matched".into()),
        Ok(response) => (
            StatusCode::BAD_GATEWAY,
            format!("KOL backend: {}", response.status()),
        ),
        Err(CallError::Rejected(rejected)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "KOL backend circuit {}, retry in {:.0?}",
                rejected.state(),
                rejected.retry_after()
            ),
        ),
        Err(CallError::Inner(error)) => (StatusCode::BAD_GATEWAY, error.to_string()),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let backend = backend::Backend::start().await?;
    let breaker = Arc::new(CircuitBreaker::new(
        "kol-backend",
        Config {
            max_failures: 2,
            ..Config::default()
        },
    )?);
    let kols = ServiceBuilder::new()
        .layer(CircuitBreakerLayer::new(Arc::clone(&breaker)))
        .service(Client::builder(TokioExecutor::new()).build_http());
    let app = Router::new()
        .route("/campaigns/spring/kols", get(campaign_kols))
        .with_state(App {
            kols,
            kols_url: backend.url.clone(),
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let front = format!("http://{}/campaigns/spring/kols", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });

    let caller = reqwest::Client::new();
    for call in 1..=4 {
        if call == 2 {
            backend.fail(true);
            println!("-- the KOL backend starts answering 503");
        }
        let response = caller.get(&front).send().await?;
        println!(
            "call {call}: {} {}",
            response.status().as_u16(),
            response.text().await?
        );
    }
    Ok(())
}
