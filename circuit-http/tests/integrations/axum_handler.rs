//! An axum handler whose downstream call goes through the layer: once the
//! downstream KOL backend fails, the handler answers at once instead of
//! waiting on it.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use bytes::Bytes;
use circuit_core::{CallError, CircuitBreaker, Config};
use circuit_http::tower::{CircuitBreakerLayer, CircuitBreakerService};
use http::Request;
use http_body_util::Empty;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::net::TcpListener;
use tower::{ServiceBuilder, ServiceExt};

use crate::server::Backend;

type Downstream = CircuitBreakerService<
    Client<HttpConnector, Empty<Bytes>>,
    Arc<CircuitBreaker>,
    circuit_http::HttpClassifier,
>;

#[derive(Clone)]
struct App {
    downstream: Downstream,
    url: String,
}

async fn campaign_scores(State(app): State<App>) -> (StatusCode, String) {
    let request = Request::get(&app.url).body(Empty::new()).unwrap();
    match app.downstream.oneshot(request).await {
        Ok(response) if response.status().is_success() => (StatusCode::OK, "scored".into()),
        Ok(response) => (
            StatusCode::BAD_GATEWAY,
            format!("kol backend: {}", response.status()),
        ),
        Err(CallError::Rejected(rejected)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("kol backend circuit {}", rejected.state()),
        ),
        Err(CallError::Inner(error)) => (StatusCode::BAD_GATEWAY, error.to_string()),
    }
}

#[tokio::test]
async fn the_handler_answers_at_once_once_its_downstream_breaker_opens() {
    let kol_backend = Backend::start().await;
    let breaker = Arc::new(
        CircuitBreaker::new(
            "kol-backend",
            Config {
                max_failures: 2,
                ..Config::default()
            },
        )
        .unwrap(),
    );
    let downstream = ServiceBuilder::new()
        .layer(CircuitBreakerLayer::new(Arc::clone(&breaker)))
        .service(Client::builder(TokioExecutor::new()).build_http());
    let app = Router::new()
        .route("/campaigns/spring/scores", get(campaign_scores))
        .with_state(App {
            downstream,
            url: kol_backend.url(),
        });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let front = format!(
        "http://{}/campaigns/spring/scores",
        listener.local_addr().unwrap()
    );
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let caller = reqwest::Client::new();
    let call = || async {
        let response = caller.get(&front).send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    };

    assert_eq!(call().await, (200, "scored".to_owned()));
    kol_backend.answer(500);
    for _ in 0..2 {
        assert_eq!(
            call().await,
            (502, "kol backend: 500 Internal Server Error".to_owned())
        );
    }
    assert_eq!(call().await, (503, "kol backend circuit open".to_owned()));
    assert_eq!(kol_backend.hits(), 3, "the open breaker kept the call home");
    server.abort();
}
