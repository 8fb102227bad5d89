//! Hundreds of concurrent callers, and `close()`.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use fastapi_client::{Client, ClientError, Flush};
use serde_json::json;
use tests::backend::Backend;
use tests::client_fixtures::{budget_request, client_for, eventually, never_trips, tech_request};

const CALLERS: usize = 300;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Tally {
    ok_live: usize,
    ok_fallback: usize,
    errors_500: usize,
    rejected: usize,
}

async fn call(client: &Client, i: usize) -> Result<bool, ClientError> {
    match i % 3 {
        0 => client
            .match_kols(&tech_request(&format!("load-{}", i % 7)))
            .await
            .map(|r| r.meta.algorithm_used.starts_with("fallback-")),
        1 => client
            .optimize_budget(&budget_request("load"))
            .await
            .map(|r| r.meta.algorithm_used.starts_with("fallback-")),
        _ => client.health_check().await.map(|_| false),
    }
}

async fn storm(client: &Client) -> Tally {
    let tasks: Vec<_> = (0..CALLERS)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move { call(&client, i).await })
        })
        .collect();
    let mut tally = Tally::default();
    for task in tasks {
        match task.await.unwrap() {
            Ok(false) => tally.ok_live += 1,
            Ok(true) => tally.ok_fallback += 1,
            Err(ClientError::Api { status: 500, .. }) => tally.errors_500 += 1,
            Err(ClientError::CircuitOpen { .. }) => tally.rejected += 1,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    tally
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundreds_of_concurrent_callers_and_stats_that_add_up() {
    let backend = Backend::start().await;
    let client = client_for(&backend, |c| c.circuit = never_trips());

    // The backend fails exactly 30 % of what it receives, spread evenly.
    backend
        .set_faults(json!({"error_status": 500, "error_rate": 0.3}))
        .await;
    let tally = storm(&client).await;
    assert_eq!(
        tally,
        Tally {
            ok_live: 210,
            ok_fallback: 0,
            errors_500: 90,
            rejected: 0
        }
    );

    let seen = backend.requests().await;
    assert_eq!(seen.len(), CALLERS);
    let ids: HashSet<&str> = seen
        .iter()
        .filter_map(|r| r.x_request_id.as_deref())
        .collect();
    assert_eq!(ids.len(), CALLERS, "every request has its own ID");

    let stats = client.client_stats();
    assert_eq!(
        (
            stats.total_requests,
            stats.success_requests,
            stats.failed_requests
        ),
        (300, 210, 90)
    );
    assert_eq!(stats.success_rate, 0.7);
    let m = &stats.circuit_breaker;
    assert_eq!(
        (
            m.total_requests,
            m.total_successes,
            m.total_failures,
            m.total_rejected
        ),
        (300, 210, 90, 0)
    );

    // The same storm with the breaker held open: every call refused, the
    // two fallback-backed operations answered.
    client.circuit_breaker().force_open();
    let tally = storm(&client).await;
    assert_eq!(
        tally,
        Tally {
            ok_live: 0,
            ok_fallback: 200,
            errors_500: 0,
            rejected: 100
        }
    );
    assert_eq!(
        backend.requests().await.len(),
        CALLERS,
        "nothing sent while forced open"
    );

    let stats = client.client_stats();
    assert_eq!(
        (
            stats.total_requests,
            stats.success_requests,
            stats.failed_requests
        ),
        (600, 210, 390)
    );
    assert_eq!(
        (stats.rejected_requests, stats.fallback_responses),
        (300, 200)
    );
    assert_eq!(stats.fallback.executions, 200);
    assert_eq!(
        stats.fallback.cache_hits + stats.fallback.stale_serves + stats.fallback.fallback_serves,
        200
    );
    assert_eq!(stats.circuit_breaker.total_rejected, 300);
    assert_eq!(
        stats.circuit_breaker.total_requests, 300,
        "rejections are not admitted requests"
    );
}

#[derive(Debug, Default)]
struct CountingFlush(AtomicUsize);

impl Flush for CountingFlush {
    fn flush(&self) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[derive(Debug)]
struct FailingFlush;

impl Flush for FailingFlush {
    fn flush(&self) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        Err("exporter unreachable".into())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_waits_for_calls_in_flight_then_refuses_and_flushes_once() {
    let backend = Backend::start().await;
    let flushes = Arc::new(CountingFlush::default());
    let client = client_for(&backend, |c| c.on_close.push(flushes.clone()));

    backend.set_faults(json!({"latency_ms": 700})).await;
    let finished = Arc::new(AtomicUsize::new(0));
    let in_flight: Vec<_> = (0..5)
        .map(|i| {
            let client = client.clone();
            let finished = Arc::clone(&finished);
            tokio::spawn(async move {
                let result = client
                    .match_kols(&tech_request(&format!("closing-{i}")))
                    .await;
                finished.fetch_add(1, Ordering::SeqCst);
                result
            })
        })
        .collect();
    eventually(
        Duration::from_secs(10),
        "5 requests at the backend",
        || async { (backend.requests().await.len() == 5).then_some(()) },
    )
    .await;

    let closer = client.clone();
    let closing = tokio::spawn(async move { closer.close().await });
    // is_healthy() sends nothing, so polling it adds no call of its own.
    eventually(Duration::from_secs(5), "close() to start", || async {
        (!client.is_healthy()).then_some(())
    })
    .await;
    assert!(matches!(
        client.health_check().await,
        Err(ClientError::Closed)
    ));

    closing.await.unwrap().unwrap();
    // close() returned only after every call in flight had finished, and
    // each of them finished normally.
    assert_eq!(finished.load(Ordering::SeqCst), 5);
    for task in in_flight {
        task.await.unwrap().unwrap();
    }
    assert_eq!(flushes.0.load(Ordering::SeqCst), 1);
    client.close().await.unwrap();
    assert_eq!(flushes.0.load(Ordering::SeqCst), 1, "hooks run once");

    assert!(matches!(
        client.match_kols(&tech_request("late")).await,
        Err(ClientError::Closed)
    ));
    assert!(matches!(
        client
            .clone()
            .optimize_budget(&budget_request("late"))
            .await,
        Err(ClientError::Closed)
    ));
    assert_eq!(
        backend.requests().await.len(),
        5,
        "nothing sent after close"
    );
    let stats = client.client_stats();
    assert_eq!((stats.total_requests, stats.success_requests), (5, 5));

    let failing = client_for(&backend, |c| c.on_close.push(Arc::new(FailingFlush)));
    let err = failing.close().await.unwrap_err();
    assert!(
        matches!(&err, ClientError::Flush { message } if message.contains("exporter unreachable")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_dropped_call_counts_as_cancelled() {
    let backend = Backend::start().await;
    let client = client_for(&backend, |_| {});
    backend
        .set_faults(json!({"latency_ms": 5_000, "count": 1}))
        .await;
    let call = {
        let client = client.clone();
        tokio::spawn(async move { client.health_check().await })
    };
    eventually(
        Duration::from_secs(10),
        "the request at the backend",
        || async { (backend.requests().await.len() == 1).then_some(()) },
    )
    .await;
    call.abort();
    assert!(call.await.unwrap_err().is_cancelled());
    let stats = client.client_stats();
    assert_eq!(
        (
            stats.total_requests,
            stats.failed_requests,
            stats.cancelled_requests
        ),
        (1, 1, 1)
    );
    assert_eq!(stats.circuit_breaker.total_cancelled, 1);
    // close() does not wait for a call that no longer exists.
    client.close().await.unwrap();
}
