//! `CircuitBreakerLayer` in a `ServiceBuilder` stack around a hyper-util
//! client, against real axum servers.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use circuit_core::{CallError, CircuitBreaker, Config, Outcome, Registry, State};
use circuit_http::tower::CircuitBreakerLayer;
use circuit_http::{Classify, HttpClassifier, Verdict};
use http::{Request, Response};
use http_body_util::Empty;
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tower::timeout::error::Elapsed;
use tower::{BoxError, ServiceBuilder, ServiceExt};

use crate::server::Backend;

type Http = Client<HttpConnector, Empty<Bytes>>;

fn http() -> Http {
    Client::builder(TokioExecutor::new()).build_http()
}

fn get(url: &str) -> Request<Empty<Bytes>> {
    Request::get(url).body(Empty::new()).unwrap()
}

fn breaker(max_failures: u32) -> Arc<CircuitBreaker> {
    Arc::new(
        CircuitBreaker::new(
            "kol-backend",
            Config {
                max_failures,
                ..Config::default()
            },
        )
        .unwrap(),
    )
}

#[tokio::test]
async fn a_failing_server_opens_the_breaker_and_rejections_are_not_sent() {
    let backend = Backend::start().await;
    let breaker = breaker(3);
    let service = ServiceBuilder::new()
        .layer(CircuitBreakerLayer::new(Arc::clone(&breaker)))
        .service(http());
    backend.answer(503);
    for _ in 0..3 {
        let response = service.clone().oneshot(get(&backend.url())).await.unwrap();
        assert_eq!(response.status(), 503);
    }
    match service.clone().oneshot(get(&backend.url())).await {
        Err(CallError::Rejected(rejected)) => assert_eq!(rejected.state(), State::Open),
        other => panic!("expected a rejection, got {other:?}"),
    }
    assert_eq!(backend.hits(), 3);
    assert_eq!(breaker.metrics().total_rejected, 1);
}

#[tokio::test]
async fn refused_connections_are_failures_and_4xx_are_ignored() {
    let backend = Backend::start().await;
    let breaker = breaker(2);
    let service = ServiceBuilder::new()
        .layer(CircuitBreakerLayer::new(Arc::clone(&breaker)))
        .service(http());
    backend.answer(422);
    for _ in 0..4 {
        assert_eq!(
            service
                .clone()
                .oneshot(get(&backend.url()))
                .await
                .unwrap()
                .status(),
            422
        );
    }
    assert_eq!(breaker.state(), State::Closed);
    let gone = format!("http://{}/work", backend.addr);
    drop(backend);
    tokio::task::yield_now().await;
    for _ in 0..2 {
        // Nothing listens there any more: hyper-util's connect error.
        let error = service.clone().oneshot(get(&gone)).await.unwrap_err();
        assert!(matches!(error, CallError::Inner(_)), "{error:?}");
    }
    assert_eq!(breaker.state(), State::Open);
    assert_eq!(breaker.metrics().total_ignored, 4);
}

#[tokio::test]
async fn retry_after_from_the_server_keeps_it_open() {
    let backend = Backend::start().await;
    let breaker = Arc::new(
        CircuitBreaker::new(
            "kol-backend",
            Config {
                max_failures: 1,
                recovery_timeout: Duration::from_secs(1),
                ..Config::default()
            },
        )
        .unwrap(),
    );
    let service = ServiceBuilder::new()
        .layer(CircuitBreakerLayer::new(Arc::clone(&breaker)))
        .service(http());
    backend.answer_with_retry_after(429, "90");
    let _ = service.clone().oneshot(get(&backend.url())).await.unwrap();
    let Err(CallError::Rejected(rejected)) = service.oneshot(get(&backend.url())).await else {
        panic!("expected a rejection");
    };
    assert!(rejected.retry_after() > Duration::from_secs(60));
}

#[tokio::test]
async fn one_breaker_per_origin() {
    let (down, up) = (Backend::start().await, Backend::start().await);
    let hosts = Arc::new(
        Registry::new(Config {
            max_failures: 1,
            ..Config::default()
        })
        .unwrap(),
    );
    let service = ServiceBuilder::new()
        .layer(CircuitBreakerLayer::per_origin(Arc::clone(&hosts)))
        .service(http());
    down.answer(500);
    let _ = service.clone().oneshot(get(&down.url())).await.unwrap();
    assert!(matches!(
        service.clone().oneshot(get(&down.url())).await,
        Err(CallError::Rejected(_))
    ));
    let ok = service.clone().oneshot(get(&up.url())).await.unwrap();
    assert_eq!(ok.status(), 200);
    let mut names: Vec<String> = hosts.entries().into_iter().map(|(k, _)| k).collect();
    names.sort();
    let mut expected = vec![down.origin(), up.origin()];
    expected.sort();
    assert_eq!(names, expected);
}

/// A timeout layer inside the breaker: its `Elapsed` counts as a timeout,
/// everything else as the HTTP classifier says.
fn with_timeouts(result: &Result<Response<Incoming>, BoxError>) -> Verdict {
    match result {
        Err(error) if error.is::<Elapsed>() => Outcome::Timeout.into(),
        other => HttpClassifier::new().classify(other),
    }
}

#[tokio::test]
async fn a_timeout_layer_inside_counts_timeouts() {
    let backend = Backend::start().await;
    let breaker = breaker(5);
    let service = ServiceBuilder::new()
        .layer(CircuitBreakerLayer::new(Arc::clone(&breaker)).classifier(with_timeouts))
        .timeout(Duration::from_millis(100))
        .service(http());
    backend.delay(Duration::from_secs(2));
    let error = service.oneshot(get(&backend.url())).await.unwrap_err();
    assert!(matches!(&error, CallError::Inner(e) if e.is::<Elapsed>()));
    let metrics = breaker.metrics();
    assert_eq!((metrics.total_failures, metrics.timeout_count), (1, 1));
}
