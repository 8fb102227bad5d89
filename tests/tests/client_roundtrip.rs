//! fastapi-client against the real backend: every endpoint, the headers the
//! backend sees, and the caller's own 4xx.
//!
//! Runs against `$KOL_BACKEND_URL` when set (`cargo xtask test
//! --backend-url URL`), making read-only calls only; the parts that inject
//! faults, or read a request log the backend does not keep, are skipped
//! with a message.

use std::collections::HashSet;

use fastapi_client::{
    ApiDetail, ApiKey, ClientError, MatchKolsRequest, Objective, OptimizeBudgetRequest, Platform,
    Provenance, circuit_core::State,
};
use serde_json::json;
use tests::backend::{Backend, SeenRequest};
use tests::client_fixtures::{LIVE_MATCH_ALGORITHM, client_for, tech_request, three_strikes};

/// A key no other run uses, so that this test's requests can be told
/// apart in a shared backend's request log.
fn unique_key(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("sk-{test}-{}-{nanos}", std::process::id())
}

fn sent_with(seen: Vec<SeenRequest>, key: &str) -> Vec<SeenRequest> {
    let bearer = format!("Bearer {key}");
    seen.into_iter()
        .filter(|r| r.headers.get("authorization") == Some(&bearer))
        .collect()
}

#[tokio::test]
async fn every_endpoint_round_trips() {
    let backend = Backend::under_test().await;
    let client = client_for(&backend, |_| {});

    let health = client.health_check().await.unwrap();
    assert!(health.is_ok());
    assert_eq!(health.version, "1.0.0");

    let request = tech_request("round-trip");
    let first = client.match_kols(&request).await.unwrap();
    assert_eq!(first.meta.algorithm_used, LIVE_MATCH_ALGORITHM);
    assert_eq!(first.meta.provenance, Provenance::Live);
    assert!(!first.matches.is_empty() && first.matches.len() <= 5);
    assert!(first.total_candidates >= first.matches.len() as u64);
    assert!(
        first.matches.windows(2).all(|w| w[0].score >= w[1].score),
        "sorted by score, descending"
    );
    assert!(first.matches.iter().all(|m| (0.0..=1.0).contains(&m.score)));
    // Deterministic for a given request (the timing aside).
    let second = client.match_kols(&request).await.unwrap();
    assert_eq!(first.matches, second.matches);

    let only_youtube = MatchKolsRequest {
        platforms: Some(vec![Platform::Youtube]),
        ..request.clone()
    };
    let youtube = client.match_kols(&only_youtube).await.unwrap();
    assert!(
        youtube
            .matches
            .iter()
            .all(|m| m.platform == Platform::Youtube)
    );

    let ids: Vec<String> = first.matches.iter().map(|m| m.kol_id.clone()).collect();
    let budget = OptimizeBudgetRequest {
        objective: Objective::Reach,
        ..OptimizeBudgetRequest::new("round-trip", 12_345.67, ids.clone())
    };
    let plan = client.optimize_budget(&budget).await.unwrap();
    let funded: Vec<&str> = plan.allocation.iter().map(|a| a.kol_id.as_str()).collect();
    assert_eq!(
        funded.iter().copied().collect::<HashSet<_>>(),
        ids.iter().map(String::as_str).collect::<HashSet<_>>(),
        "every requested KOL listed once"
    );
    assert_eq!(funded.len(), ids.len());
    let mut priorities: Vec<u32> = plan.allocation.iter().map(|a| a.priority).collect();
    priorities.sort_unstable();
    assert_eq!(priorities, (1..=ids.len() as u32).collect::<Vec<_>>());
    assert!(plan.allocation.iter().all(|a| a.allocated_budget >= 0.0));
    // The contract says exact, so exact it is.
    assert_eq!(
        plan.summary.total_allocated + plan.summary.remaining_budget,
        12_345.67
    );
    let cents: f64 = plan
        .allocation
        .iter()
        .map(|a| (a.allocated_budget * 100.0).round())
        .sum();
    assert_eq!(cents, (plan.summary.total_allocated * 100.0).round());
    assert!((0.0..=1.0).contains(&plan.meta.confidence));

    let stats = client.client_stats();
    assert_eq!(
        (
            stats.total_requests,
            stats.success_requests,
            stats.failed_requests
        ),
        (5, 5, 0),
        "five calls, five live answers"
    );
    assert_eq!(stats.base_url, backend.base_url());
    assert_eq!(stats.circuit_breaker.total_successes, 5);
}

#[tokio::test]
async fn the_backend_sees_both_headers_unique_ids_and_the_bearer_token() {
    let backend = Backend::under_test().await;
    if !backend
        .skip_unless_request_log("the_backend_sees_both_headers_unique_ids_and_the_bearer_token")
        .await
    {
        return;
    }
    let key = unique_key("headers");
    let client = client_for(&backend, |c| c.api_key = Some(ApiKey::new(key.clone())));
    assert!(!format!("{:?}", client.config()).contains(&key));

    client.health_check().await.unwrap();
    for i in 0..5 {
        client
            .match_kols(&tech_request(&format!("headers-{i}")))
            .await
            .unwrap();
    }
    let some_kol = client.match_kols(&tech_request("headers")).await.unwrap();
    client
        .optimize_budget(&OptimizeBudgetRequest::new(
            "headers",
            1_000.0,
            [some_kol.matches[0].kol_id.clone()],
        ))
        .await
        .unwrap();

    let seen = sent_with(backend.requests().await, &key);
    assert_eq!(seen.len(), 8);
    let mut ids = HashSet::new();
    for request in &seen {
        let id = request.x_request_id.as_deref().expect("X-Request-ID sent");
        let prefix = match request.path.as_str() {
            "/health" => "health-check-",
            "/api/v1/kols/match" => "match-kols-",
            "/api/v1/budget/optimize" => "optimize-budget-",
            other => panic!("unexpected path {other}"),
        };
        let nanos = id
            .strip_prefix(prefix)
            .unwrap_or_else(|| panic!("{id} lacks {prefix}"));
        assert!(
            nanos
                .parse::<u64>()
                .is_ok_and(|n| n > 1_600_000_000_000_000_000),
            "{id}: unix nanoseconds"
        );
        assert!(ids.insert(id.to_owned()), "{id} sent twice");
        assert_eq!(request.x_circuit_state.as_deref(), Some("closed"));
    }
}

#[tokio::test]
async fn the_backends_own_404_and_422_are_returned_with_detail_and_never_trip_the_breaker() {
    let backend = Backend::under_test().await;
    let client = client_for(&backend, |c| c.circuit = three_strikes());

    // A real 404 from the backend's own logic, five times: three strikes
    // would trip if they counted.
    let unknown = OptimizeBudgetRequest::new("c", 1_000.0, ["no-such-kol"]);
    for _ in 0..5 {
        let err = client.optimize_budget(&unknown).await.unwrap_err();
        let ClientError::Api {
            status: 404,
            detail: Some(ApiDetail::Message(message)),
            ..
        } = &err
        else {
            panic!("expected a 404 with a message, got {err:?}")
        };
        assert_eq!(message, "unknown kol_id: no-such-kol");
        assert!(!err.is_backend_failure());
    }
    assert_eq!(client.circuit_state(), State::Closed);
    let metrics = client.circuit_breaker_metrics();
    assert_eq!((metrics.total_failures, metrics.total_ignored), (0, 5));

    // FastAPI's 422 shape is parsed when the backend produces one itself.
    let (status, body) = backend
        .post_json(
            "/api/v1/kols/match",
            &json!({"campaign_id": "", "categories": [], "budget": 0}),
        )
        .await;
    assert_eq!(status, 422);
    let detail: ApiDetail = serde_json::from_value(body["detail"].clone()).unwrap();
    let ApiDetail::Validation(issues) = detail else {
        panic!("validation detail expected")
    };
    assert!(issues.iter().any(|i| i.path() == "body.budget"));

    // An amount past the contract's maximum: the client refuses it, and
    // the backend answers 422 (not a 500 that would count against it).
    let huge = OptimizeBudgetRequest::new("c", 1e307, ["kol-0001"]);
    assert!(
        matches!(client.optimize_budget(&huge).await, Err(ClientError::InvalidRequest(ref e)) if e.field() == "total_budget")
    );
    let (status, _) = backend
        .post_json(
            "/api/v1/budget/optimize",
            &serde_json::to_value(&huge).unwrap(),
        )
        .await;
    assert_eq!(status, 422, "the backend refuses it as well");
}

#[tokio::test]
async fn injected_caller_errors_are_neutral_for_the_breaker() {
    let backend = Backend::under_test().await;
    if !backend.skip_unless_faults("injected_caller_errors_are_neutral_for_the_breaker") {
        return;
    }
    let client = client_for(&backend, |c| c.circuit = three_strikes());
    // Injected 400 / 404 / 422, five of each: three strikes would trip if they counted.
    for status in [400u16, 404, 422] {
        backend
            .set_faults(json!({"error_status": status, "count": 5}))
            .await;
        for _ in 0..5 {
            let err = client.match_kols(&tech_request("c")).await.unwrap_err();
            assert_eq!(err.status(), Some(status), "{err:?}");
        }
    }
    assert_eq!(client.circuit_state(), State::Closed);
    let metrics = client.circuit_breaker_metrics();
    assert_eq!(
        (
            metrics.total_failures,
            metrics.total_ignored,
            metrics.consecutive_failures
        ),
        (0, 15, 0)
    );
    let stats = client.client_stats();
    assert_eq!(
        (
            stats.total_requests,
            stats.success_requests,
            stats.failed_requests
        ),
        (15, 0, 15)
    );
}

#[tokio::test]
async fn invalid_requests_are_never_sent_and_never_counted() {
    let backend = Backend::under_test().await;
    let key = unique_key("invalid");
    let client = client_for(&backend, |c| c.api_key = Some(ApiKey::new(key.clone())));
    let invalid = MatchKolsRequest {
        budget: -1.0,
        ..tech_request("c")
    };
    assert!(
        matches!(client.match_kols(&invalid).await, Err(ClientError::InvalidRequest(ref e)) if e.field() == "budget")
    );
    let too_big = MatchKolsRequest {
        budget: 2e13,
        ..tech_request("c")
    };
    assert!(
        matches!(client.match_kols(&too_big).await, Err(ClientError::InvalidRequest(ref e)) if e.field() == "budget")
    );
    let stats = client.client_stats();
    assert_eq!((stats.invalid_requests, stats.total_requests), (2, 0));
    assert_eq!(stats.circuit_breaker.total_requests, 0);
    if backend
        .skip_unless_request_log(
            "invalid_requests_are_never_sent_and_never_counted: the request log part",
        )
        .await
    {
        assert!(sent_with(backend.requests().await, &key).is_empty());
    }
}
