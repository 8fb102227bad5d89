//! Broken exchanges against the real backend: each becomes a typed error,
//! counts as a failure, and nothing panics. Plus a backend killed mid-run.

use std::time::Duration;

use circuit_core::State;
use fastapi_client::{ClientError, Provenance};
use serde_json::json;
use tests::backend::Backend;
use tests::client_fixtures::{
    LIVE_MATCH_ALGORITHM, client_for, eventually, tech_request, three_strikes,
};

#[tokio::test]
async fn a_slow_backend_times_out() {
    let backend = Backend::start().await;
    let client = client_for(&backend, |c| c.request_timeout = Duration::from_millis(300));
    backend
        .set_faults(json!({"latency_ms": 10_000, "count": 1}))
        .await;
    let err = client.match_kols(&tech_request("slow")).await.unwrap_err();
    let ClientError::Timeout {
        timeout,
        ref request_id,
    } = err
    else {
        panic!("{err:?}")
    };
    assert_eq!(timeout, Duration::from_millis(300));
    assert!(request_id.starts_with("match-kols-"));
    assert!(err.is_backend_failure());
    let stats = client.client_stats();
    assert_eq!((stats.timeout_requests, stats.failed_requests), (1, 1));
    let metrics = client.circuit_breaker_metrics();
    assert_eq!((metrics.timeout_count, metrics.total_failures), (1, 1));
}

#[tokio::test]
async fn malformed_truncated_and_dropped_responses_are_typed_failures() {
    let backend = Backend::start().await;
    let client = client_for(&backend, |c| c.circuit = three_strikes());

    backend
        .set_faults(json!({"malformed_json": true, "count": 1}))
        .await;
    let malformed = client.match_kols(&tech_request("m")).await.unwrap_err();
    let ClientError::Decode {
        status: 200,
        ref snippet,
        ..
    } = malformed
    else {
        panic!("{malformed:?}")
    };
    assert!(
        snippet.starts_with(r#"{"matches": [{"kol_id""#),
        "{snippet}"
    );

    // The real status and headers, half the announced body, then EOF.
    backend
        .set_faults(json!({"truncated_body": true, "count": 1}))
        .await;
    let truncated = client.match_kols(&tech_request("t")).await.unwrap_err();
    assert!(
        matches!(truncated, ClientError::Transport { .. }),
        "{truncated:?}"
    );

    // Two failures so far; a third would trip the breaker, so start afresh.
    client.reset_circuit_breaker();
    backend
        .set_faults(json!({"drop_connection": true, "count": 1}))
        .await;
    let dropped = client
        .optimize_budget(&tests::client_fixtures::budget_request("d"))
        .await
        .unwrap_err();
    assert!(
        matches!(dropped, ClientError::Transport { .. }),
        "{dropped:?}"
    );

    for err in [&malformed, &truncated, &dropped] {
        assert!(err.is_backend_failure(), "{err:?}");
        assert!(err.request_id().is_some(), "{err:?}");
    }
    assert_eq!(client.circuit_breaker_metrics().total_failures, 3);
    assert_eq!(client.client_stats().failed_requests, 3);
    client.health_check().await.unwrap();
}

#[tokio::test]
async fn oversized_bodies_stop_at_the_limit() {
    let backend = Backend::start().await;
    let client = client_for(&backend, |c| {
        c.max_response_bytes = 64 * 1024;
        c.circuit = tests::client_fixtures::never_trips();
    });
    // Announced by Content-Length: refused before reading.
    backend
        .set_faults(json!({"oversized_body_bytes": 1_048_576, "count": 1}))
        .await;
    let err = client.match_kols(&tech_request("big")).await.unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::ResponseTooLarge {
                limit: 65_536,
                content_length: Some(1_048_576),
                ..
            }
        ),
        "{err:?}"
    );

    // Chunked, no length: read until the limit, then dropped.
    backend
        .set_faults(
            json!({"oversized_body_bytes": 64 * 1_048_576, "oversized_chunked": true, "count": 1}),
        )
        .await;
    let err = client.match_kols(&tech_request("big")).await.unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::ResponseTooLarge {
                content_length: None,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_backend_failure());

    // A body under the limit is fine, even one the backend pads.
    let roomy = client_for(&backend, |c| c.max_response_bytes = 1_048_576);
    backend
        .set_faults(json!({"oversized_body_bytes": 100_000, "count": 1}))
        .await;
    let err = roomy.match_kols(&tech_request("padded")).await.unwrap_err();
    assert!(
        matches!(err, ClientError::Decode { .. }),
        "read in full, then not a match response: {err:?}"
    );
    assert_eq!(client.circuit_breaker_metrics().total_failures, 2);
    client.match_kols(&tech_request("normal")).await.unwrap();
}

#[tokio::test]
async fn nothing_listening_is_a_connect_error() {
    let mut backend = Backend::start().await;
    let client = client_for(&backend, |c| c.circuit = three_strikes());
    backend.kill();
    let err = client.health_check().await.unwrap_err();
    assert!(matches!(err, ClientError::Connect { .. }), "{err:?}");
    assert!(err.is_backend_failure());
}

#[tokio::test]
async fn a_backend_killed_mid_run_and_restarted() {
    let mut backend = Backend::start().await;
    let client = client_for(&backend, |c| {
        c.circuit = circuit_core::Config {
            recovery_timeout: Duration::from_millis(300),
            ..three_strikes()
        };
    });
    let request = tech_request("outage");
    let live = client.match_kols(&request).await.unwrap();

    // Calls in flight while the process dies fail as transport errors.
    backend.set_faults(json!({"latency_ms": 5_000})).await;
    let in_flight: Vec<_> = (0..3)
        .map(|_| {
            let client = client.clone();
            let request = request.clone();
            tokio::spawn(async move { client.match_kols(&request).await })
        })
        .collect();
    eventually(
        Duration::from_secs(10),
        "the backend to hold 3 requests",
        || async { (backend.requests().await.len() >= 4).then_some(()) },
    )
    .await;
    backend.kill();
    for task in in_flight {
        let err = task.await.unwrap().unwrap_err();
        assert!(
            matches!(
                err,
                ClientError::Transport { .. } | ClientError::Connect { .. }
            ),
            "{err:?}"
        );
    }
    assert_eq!(client.circuit_state(), State::Open);

    // While it is down: cached answers, no errors for matching.
    let degraded = client.match_kols(&request).await.unwrap();
    assert_eq!(degraded.meta.algorithm_used, "fallback-cache");
    assert!(
        degraded.meta.provenance.age().is_some(),
        "{:?}",
        degraded.meta.provenance
    );
    assert_eq!(degraded.matches, live.matches);

    backend.restart().await;
    let attempts = std::cell::Cell::new(0u64);
    let recovered = eventually(
        Duration::from_secs(20),
        "live answers after the restart",
        || async {
            attempts.set(attempts.get() + 1);
            let answer = client.match_kols(&request).await.ok()?;
            (answer.meta.provenance == Provenance::Live).then_some(answer)
        },
    )
    .await;
    assert_eq!(recovered.meta.algorithm_used, LIVE_MATCH_ALGORITHM);
    assert_eq!(recovered.matches, live.matches);
    assert_eq!(client.circuit_state(), State::Closed);
    // Every call this test made is one request: the first live one, the
    // three cut short, the cached one and the attempts after the restart,
    // of which only the last got a live answer.
    let stats = client.client_stats();
    let calls = 1 + 3 + 1 + attempts.get();
    assert_eq!(stats.total_requests, calls);
    assert_eq!(stats.success_requests, 2, "{stats:?}");
    assert_eq!(stats.failed_requests, calls - 2);
    assert!(stats.fallback_responses >= 1);
    assert!(stats.circuit_breaker.circuit_open_count >= 1);
}
