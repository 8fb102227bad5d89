//! Per-endpoint breakers under the host breaker
//! (`ClientConfig::endpoint_circuit`, built on `circuit_core::Chain`),
//! against the reference backend.

use std::time::Duration;

use circuit_core::{ManualClock, State};
use fastapi_client::{Client, ClientError, Operation, Provenance};
use serde_json::json;
use tests::backend::Backend;
use tests::client_fixtures::{budget_request, client_on, tech_request, three_strikes};

/// A client whose host and endpoint breakers each trip on the third
/// consecutive failure, on a clock that does not move, so nothing recovers
/// during a test.
fn chained(backend: &Backend, clock: &ManualClock) -> Client {
    client_on(backend, clock, |c| {
        c.circuit = three_strikes();
        c.endpoint_circuit = Some(three_strikes());
    })
}

fn state(client: &Client, operation: Operation) -> State {
    client
        .endpoint_breaker_metrics(operation)
        .expect("endpoint breakers")
        .state
}

#[tokio::test]
async fn a_failing_endpoint_trips_alone_and_the_others_stay_live() {
    let backend = Backend::start().await;
    let clock = ManualClock::new();
    let client = chained(&backend, &clock);
    backend
        .set_faults(json!({"error_status": 500, "paths": ["/api/v1/budget/optimize"]}))
        .await;

    let mut budget_errors = 0;
    let mut budget_fallbacks = 0;
    for i in 0..10 {
        let found = client
            .match_kols(&tech_request(&format!("live-{i}")))
            .await
            .unwrap();
        assert_eq!(found.meta.provenance, Provenance::Live, "call {i}");
        match client.optimize_budget(&budget_request("down")).await {
            Err(e) => {
                assert_eq!(e.status(), Some(500), "{e:?}");
                budget_errors += 1;
            }
            Ok(plan) => {
                assert_eq!(plan.meta.algorithm_used, "fallback-conservative");
                budget_fallbacks += 1;
            }
        }
    }
    assert_eq!((budget_errors, budget_fallbacks), (3, 7));
    client.health_check().await.unwrap();

    assert_eq!(client.circuit_state(), State::Closed, "the host answered");
    assert_eq!(state(&client, Operation::MatchKols), State::Closed);
    assert_eq!(state(&client, Operation::OptimizeBudget), State::Open);
    assert_eq!(state(&client, Operation::HealthCheck), State::Closed);
    let host = client.circuit_breaker_metrics();
    assert_eq!((host.total_failures, host.total_successes), (0, 14));
    let budget_sent = backend
        .paths()
        .await
        .iter()
        .filter(|p| *p == "/api/v1/budget/optimize")
        .count();
    assert_eq!(budget_sent, 3, "nothing sent to the open endpoint");

    let stats = client.client_stats();
    let names: Vec<&str> = stats
        .endpoint_breakers
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "kol-backend:match-kols",
            "kol-backend:optimize-budget",
            "kol-backend:health-check"
        ]
    );
    assert_eq!(stats.circuit_breaker.name, "kol-backend");
}

#[tokio::test]
async fn timeouts_on_one_endpoint_count_against_the_host_too() {
    let backend = Backend::start().await;
    let clock = ManualClock::new();
    let client = client_on(&backend, &clock, |c| {
        c.circuit = three_strikes();
        c.endpoint_circuit = Some(three_strikes());
        c.request_timeout = Duration::from_millis(300);
    });
    backend
        .set_faults(json!({"latency_ms": 3_000, "paths": ["/api/v1/budget/optimize"]}))
        .await;
    for _ in 0..3 {
        let err = client
            .optimize_budget(&budget_request("slow"))
            .await
            .unwrap_err();
        assert!(matches!(err, ClientError::Timeout { .. }), "{err:?}");
    }
    assert_eq!(client.circuit_state(), State::Open, "the host tripped");
    // The match endpoint never failed, but the host refuses for it.
    assert_eq!(state(&client, Operation::MatchKols), State::Closed);
    let answer = client.match_kols(&tech_request("fast")).await.unwrap();
    assert!(answer.meta.provenance.is_degraded());
}

/// Alternating match and budget calls to a dead backend: how many are
/// sent before everything fails fast.
async fn sent_to_a_dead_backend(match_client: &Client, budget_client: &Client) -> usize {
    let mut sent = 0;
    for _ in 0..20 {
        for result in [
            match_client
                .match_kols(&tech_request("dead"))
                .await
                .map(|_| ()),
            budget_client
                .optimize_budget(&budget_request("dead"))
                .await
                .map(|_| ()),
        ] {
            if matches!(result, Err(ClientError::Connect { .. })) {
                sent += 1;
            }
        }
    }
    sent
}

#[tokio::test]
async fn a_dead_backend_fails_every_endpoint_fast_once_the_host_trips() {
    let mut backend = Backend::start().await;
    let clock = ManualClock::new();
    let chained = chained(&backend, &clock);
    // Two independent breakers: one client per endpoint, as the demo has.
    let match_only = client_on(&backend, &clock, |c| c.circuit = three_strikes());
    let budget_only = client_on(&backend, &clock, |c| c.circuit = three_strikes());
    backend.kill();

    let with_host = sent_to_a_dead_backend(&chained, &chained).await;
    let independent = sent_to_a_dead_backend(&match_only, &budget_only).await;
    eprintln!(
        "calls sent to a dead backend (40 calls, 3 strikes): {with_host} with a host breaker over the endpoints, {independent} with two independent breakers"
    );
    assert_eq!((with_host, independent), (3, 6));
    assert_eq!(chained.circuit_state(), State::Open);
    // The endpoints saw 2 and 1 failures: the host tripped first.
    assert_eq!(state(&chained, Operation::MatchKols), State::Closed);
    assert_eq!(state(&chained, Operation::OptimizeBudget), State::Closed);
    let stats = chained.client_stats();
    assert_eq!(stats.circuit_breaker.total_rejected, 37);
    assert_eq!(
        stats.fallback_responses, 37,
        "both endpoints answered by fallbacks"
    );
}
