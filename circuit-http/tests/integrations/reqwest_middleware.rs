//! `CircuitBreakerMiddleware` with reqwest 0.13 and reqwest-middleware 0.5
//! against real axum servers.

use std::sync::Arc;
use std::time::Duration;

use circuit_core::{Config, ManualClock, Registry, Rejected, State};
use circuit_http::reqwest::{CircuitBreakerMiddleware, rejection};
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use reqwest_retry::RetryTransientMiddleware;
use reqwest_retry::policies::ExponentialBackoff;

use crate::server::Backend;

fn hosts(max_failures: u32) -> Arc<Registry<String>> {
    Arc::new(
        Registry::new(Config {
            max_failures,
            recovery_timeout: Duration::from_secs(30),
            ..Config::default()
        })
        .unwrap(),
    )
}

fn client(hosts: &Arc<Registry<String>>) -> ClientWithMiddleware {
    ClientBuilder::new(reqwest::Client::new())
        .with(CircuitBreakerMiddleware::new(Arc::clone(hosts)))
        .build()
}

fn retry(max_retries: u32) -> RetryTransientMiddleware<ExponentialBackoff> {
    RetryTransientMiddleware::new_with_policy(
        ExponentialBackoff::builder()
            .retry_bounds(Duration::from_millis(1), Duration::from_millis(5))
            .build_with_max_retries(max_retries),
    )
}

#[tokio::test]
async fn each_host_has_its_own_breaker_and_an_open_one_sends_nothing() {
    let (down, up) = (Backend::start().await, Backend::start().await);
    let hosts = hosts(3);
    let client = client(&hosts);
    down.answer(500);
    for _ in 0..3 {
        let response = client.get(down.url()).send().await.unwrap();
        assert_eq!(response.status(), 500, "a 500 is handed back as it came");
    }
    let error = client.get(down.url()).send().await.unwrap_err();
    let rejected = rejection(&error).expect("a rejection");
    assert_eq!(rejected.state(), State::Open);
    assert_eq!(down.hits(), 3, "the rejected request was not sent");
    let reqwest_middleware::Error::Middleware(inner) = &error else {
        panic!("a middleware error: {error:?}");
    };
    assert!(inner.downcast_ref::<Rejected>().is_some());
    assert!(
        error.to_string().contains(&down.origin()),
        "names the breaker: {error}"
    );

    assert_eq!(client.get(up.url()).send().await.unwrap().status(), 200);
    assert_eq!(hosts.len(), 2);
    assert_eq!(hosts.get(&down.origin()).state(), State::Open);
    assert_eq!(hosts.get(&up.origin()).state(), State::Closed);
}

#[tokio::test]
async fn the_callers_mistakes_do_not_open_it() {
    let backend = Backend::start().await;
    let hosts = hosts(2);
    let client = client(&hosts);
    backend.answer(404);
    for _ in 0..5 {
        assert_eq!(
            client.get(backend.url()).send().await.unwrap().status(),
            404
        );
    }
    let breaker = hosts.get(&backend.origin());
    assert_eq!(breaker.state(), State::Closed);
    assert_eq!(breaker.metrics().total_ignored, 5);
}

#[tokio::test]
async fn retry_after_keeps_the_breaker_open_that_long() {
    let backend = Backend::start().await;
    let hosts = Arc::new(
        Registry::new(Config {
            max_failures: 1,
            recovery_timeout: Duration::from_secs(1),
            ..Config::default()
        })
        .unwrap(),
    );
    backend.answer_with_retry_after(503, "120");
    let client = client(&hosts);
    assert_eq!(
        client.get(backend.url()).send().await.unwrap().status(),
        503
    );
    let error = client.get(backend.url()).send().await.unwrap_err();
    let wait = rejection(&error).unwrap().retry_after();
    assert!(
        wait > Duration::from_secs(100) && wait <= Duration::from_secs(120),
        "{wait:?}"
    );
}

#[tokio::test]
async fn a_timeout_counts_as_a_timeout() {
    let backend = Backend::start().await;
    let hosts = hosts(5);
    let client = ClientBuilder::new(
        reqwest::Client::builder()
            .timeout(Duration::from_millis(100))
            .build()
            .unwrap(),
    )
    .with(CircuitBreakerMiddleware::new(Arc::clone(&hosts)))
    .build();
    backend.delay(Duration::from_secs(2));
    assert!(
        client
            .get(backend.url())
            .send()
            .await
            .unwrap_err()
            .is_timeout()
    );
    let metrics = hosts.get(&backend.origin()).metrics();
    assert_eq!((metrics.total_failures, metrics.timeout_count), (1, 1));
}

#[tokio::test]
async fn inside_the_retry_middleware_an_open_breaker_stops_the_retries() {
    let backend = Backend::start().await;
    let hosts = hosts(3);
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(retry(10))
        .with(CircuitBreakerMiddleware::new(Arc::clone(&hosts)))
        .build();
    backend.answer(503);
    let error = client.get(backend.url()).send().await.unwrap_err();
    // Three attempts failed and opened the breaker; the fourth was
    // rejected, which the retry middleware does not retry.
    assert_eq!(backend.hits(), 3);
    let rejected = rejection(&error).expect("found through the retry error");
    assert_eq!(rejected.state(), State::Open);
    assert_eq!(hosts.get(&backend.origin()).metrics().total_failures, 3);
}

#[tokio::test]
async fn outside_the_retry_middleware_a_retried_call_is_one_outcome() {
    let backend = Backend::start().await;
    let hosts = hosts(3);
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(CircuitBreakerMiddleware::new(Arc::clone(&hosts)))
        .with(retry(2))
        .build();
    backend.answer(503);
    assert_eq!(
        client.get(backend.url()).send().await.unwrap().status(),
        503
    );
    assert_eq!(backend.hits(), 3, "the first try and two retries");
    let metrics = hosts.get(&backend.origin()).metrics();
    assert_eq!(metrics.total_failures, 1, "one outcome for the whole call");
}

#[tokio::test]
async fn a_recovered_host_closes_its_breaker_through_probes() {
    let backend = Backend::start().await;
    let clock = ManualClock::new();
    let hosts = Arc::new(
        Registry::builder()
            .config(Config {
                max_failures: 1,
                max_requests: 1,
                recovery_timeout: Duration::from_secs(30),
                ..Config::default()
            })
            .clock(clock.clone())
            .build()
            .unwrap(),
    );
    let client = client(&hosts);
    backend.answer(502);
    let _ = client.get(backend.url()).send().await.unwrap();
    assert!(rejection(&client.get(backend.url()).send().await.unwrap_err()).is_some());
    backend.answer(200);
    clock.advance(Duration::from_secs(30));
    assert_eq!(
        client.get(backend.url()).send().await.unwrap().status(),
        200
    );
    assert_eq!(hosts.get(&backend.origin()).state(), State::Closed);
}

#[tokio::test]
async fn a_key_function_gives_each_route_its_breaker() {
    let backend = Backend::start().await;
    let routes = hosts(2);
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(CircuitBreakerMiddleware::per_key(
            Arc::clone(&routes),
            |request: &reqwest::Request| request.url().path().to_owned(),
        ))
        .build();
    backend.answer(500);
    for _ in 0..2 {
        let _ = client.get(backend.url()).send().await.unwrap();
    }
    assert!(rejection(&client.get(backend.url()).send().await.unwrap_err()).is_some());
    let other = format!("http://{}/other", backend.addr);
    assert_eq!(client.get(&other).send().await.unwrap().status(), 404);
    assert_eq!(routes.get("/work").state(), State::Open);
    assert_eq!(routes.get("/other").state(), State::Closed);
}

#[tokio::test]
async fn one_breaker_for_every_host() {
    let (a, b) = (Backend::start().await, Backend::start().await);
    let breaker = Arc::new(
        circuit_core::CircuitBreaker::new(
            "all-hosts",
            Config {
                max_failures: 2,
                ..Config::default()
            },
        )
        .unwrap(),
    );
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(CircuitBreakerMiddleware::one(Arc::clone(&breaker)))
        .build();
    a.answer(503);
    for _ in 0..2 {
        let _ = client.get(a.url()).send().await.unwrap();
    }
    let error = client.get(b.url()).send().await.unwrap_err();
    assert!(error.to_string().contains("all-hosts"), "{error}");
    assert_eq!(b.hits(), 0);
}
