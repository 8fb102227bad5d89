//! The layer on a tower service that is not HTTP, with its own classifier:
//! a KOL score lookup whose "unknown KOL" is the caller's problem.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

use circuit_core::{CallError, CircuitBreaker, Config, ManualClock, Outcome, Registry, State};
use circuit_http::tower::CircuitBreakerLayer;
use tower::{Service, ServiceBuilder, ServiceExt, service_fn};

#[derive(Debug, Clone, Copy, PartialEq)]
enum LookupError {
    UnknownKol,
    StoreDown,
}

#[derive(Debug, Clone, Copy)]
struct Lookup {
    region: &'static str,
    kol: u32,
}

/// Unknown KOLs say nothing of the store's health.
fn lookups(result: &Result<f64, LookupError>) -> Outcome {
    match result {
        Ok(_) => Outcome::Success,
        Err(LookupError::UnknownKol) => Outcome::Ignored,
        Err(LookupError::StoreDown) => Outcome::Failure,
    }
}

fn store(
    down: &'static str,
) -> impl Fn(Lookup) -> std::future::Ready<Result<f64, LookupError>> + Clone {
    move |lookup: Lookup| {
        std::future::ready(match lookup {
            Lookup { region, .. } if region == down => Err(LookupError::StoreDown),
            Lookup { kol: 0, .. } => Err(LookupError::UnknownKol),
            Lookup { kol, .. } => Ok(f64::from(kol) / 100.0),
        })
    }
}

fn config(max_failures: u32) -> Config {
    Config {
        max_failures,
        max_requests: 1,
        ..Config::default()
    }
}

#[tokio::test]
async fn its_own_classifier_decides_and_rejections_carry_the_breaker_state() {
    let breaker = Arc::new(CircuitBreaker::new("kol-scores", config(2)).unwrap());
    let service = ServiceBuilder::new()
        .layer(CircuitBreakerLayer::new(Arc::clone(&breaker)).classifier(lookups))
        .service(service_fn(store("eu")));
    for _ in 0..5 {
        let unknown = service
            .clone()
            .oneshot(Lookup {
                region: "us",
                kol: 0,
            })
            .await;
        assert_eq!(unknown, Err(CallError::Inner(LookupError::UnknownKol)));
    }
    assert_eq!(breaker.state(), State::Closed);
    for _ in 0..2 {
        let down = service
            .clone()
            .oneshot(Lookup {
                region: "eu",
                kol: 7,
            })
            .await;
        assert_eq!(down, Err(CallError::Inner(LookupError::StoreDown)));
    }
    let rejected = service
        .oneshot(Lookup {
            region: "us",
            kol: 7,
        })
        .await;
    assert!(matches!(rejected, Err(CallError::Rejected(r)) if r.state() == State::Open));
}

#[tokio::test]
async fn a_key_function_gives_each_region_its_breaker() {
    let regions = Arc::new(Registry::new(config(1)).unwrap());
    let service = ServiceBuilder::new()
        .layer(
            CircuitBreakerLayer::per_key(Arc::clone(&regions), |lookup: &Lookup| {
                lookup.region.to_owned()
            })
            .classifier(lookups),
        )
        .service(service_fn(store("eu")));
    let _ = service
        .clone()
        .oneshot(Lookup {
            region: "eu",
            kol: 1,
        })
        .await;
    let eu = service
        .clone()
        .oneshot(Lookup {
            region: "eu",
            kol: 1,
        })
        .await;
    assert!(matches!(eu, Err(CallError::Rejected(_))));
    let us = service
        .oneshot(Lookup {
            region: "us",
            kol: 25,
        })
        .await;
    assert_eq!(us, Ok(0.25));
    assert_eq!(regions.get("eu").state(), State::Open);
    assert_eq!(regions.get("us").state(), State::Closed);
}

/// A half-open breaker with one probe slot, and a service counting calls.
fn half_open() -> (Arc<CircuitBreaker>, ManualClock) {
    let clock = ManualClock::new();
    let breaker = Arc::new(
        CircuitBreaker::builder("kol-scores")
            .config(config(1))
            .clock(clock.clone())
            .build()
            .unwrap(),
    );
    breaker.try_acquire().unwrap().record_failure();
    clock.advance(breaker.config().recovery_timeout);
    (breaker, clock)
}

#[tokio::test]
async fn poll_ready_reserves_no_probe_slot() {
    let (breaker, _clock) = half_open();
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = {
        let calls = Arc::clone(&calls);
        service_fn(move |lookup: Lookup| {
            calls.fetch_add(1, Ordering::SeqCst);
            store("none")(lookup)
        })
    };
    let layer = CircuitBreakerLayer::new(Arc::clone(&breaker)).classifier(lookups);
    let mut idle = ServiceBuilder::new()
        .layer(layer.clone())
        .service(counted.clone());
    let mut busy = ServiceBuilder::new().layer(layer).service(counted);
    // Readied and never called: holds nothing.
    let mut cx = Context::from_waker(Waker::noop());
    assert!(matches!(idle.poll_ready(&mut cx), Poll::Ready(Ok(()))));
    let probe = busy.ready().await.unwrap().call(Lookup {
        region: "us",
        kol: 50,
    });
    assert_eq!(probe.await, Ok(0.5));
    assert_eq!(
        breaker.state(),
        State::Closed,
        "the one probe slot was free"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_dropped_call_frees_its_probe_slot() {
    let (breaker, _clock) = half_open();
    let mut service = ServiceBuilder::new()
        .layer(CircuitBreakerLayer::new(Arc::clone(&breaker)).classifier(lookups))
        .service(service_fn(|_: Lookup| {
            std::future::pending::<Result<f64, LookupError>>()
        }));
    let probe = service.ready().await.unwrap().call(Lookup {
        region: "us",
        kol: 1,
    });
    let second = service.ready().await.unwrap().call(Lookup {
        region: "us",
        kol: 2,
    });
    assert!(
        matches!(second.await, Err(CallError::Rejected(_))),
        "one slot, taken"
    );
    drop(probe);
    assert_eq!(breaker.state(), State::HalfOpen);
    assert_eq!(breaker.metrics().total_cancelled, 1);
    let third = service.ready().await.unwrap().call(Lookup {
        region: "us",
        kol: 3,
    });
    let mut third = std::pin::pin!(third);
    let mut cx = Context::from_waker(Waker::noop());
    assert!(
        third.as_mut().poll(&mut cx).is_pending(),
        "admitted as the probe, not rejected"
    );
}
