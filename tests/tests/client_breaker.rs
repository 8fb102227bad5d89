//! The breaker inside fastapi-client, against the real backend: tripping on
//! 5xx, the three fallbacks, Retry-After, and recovery.

use std::time::Duration;

use circuit_core::{ManualClock, State};
use fastapi_client::{Client, ClientError, FallbackMode, MatchKolsRequest, OptimizeBudgetRequest};
use serde_json::json;
use tests::backend::Backend;
use tests::client_fixtures::{
    LIVE_MATCH_ALGORITHM, budget_request, client_for, client_on, eventually, tech_request,
    three_strikes,
};

async fn trip_with(client: &Client, backend: &Backend, status: u16) {
    backend.set_faults(json!({"error_status": status})).await;
    for _ in 0..3 {
        let err = client.match_kols(&tech_request("trip")).await.unwrap_err();
        assert_eq!(
            err.status(),
            Some(status),
            "a failure while closed is returned: {err:?}"
        );
        assert!(err.is_backend_failure());
    }
    assert_eq!(client.circuit_state(), State::Open);
}

#[tokio::test]
async fn consecutive_500s_open_the_breaker_and_each_fallback_answers() {
    let backend = Backend::start().await;
    let client = client_for(&backend, |c| c.circuit = three_strikes());

    // A live answer becomes the last-good one for its request.
    let cached_request = tech_request("spring");
    let live = client.match_kols(&cached_request).await.unwrap();
    assert_eq!(live.meta.algorithm_used, LIVE_MATCH_ALGORITHM);

    trip_with(&client, &backend, 500).await;
    let sent_before = backend.requests().await.len();

    // The same request, spelled differently: categories reordered and
    // re-cased, the default platforms written out.
    let same = MatchKolsRequest {
        categories: vec!["Gaming".into(), " tech".into()],
        platforms: Some(fastapi_client::Platform::ALL.to_vec()),
        ..cached_request.clone()
    };
    let cached = client.match_kols(&same).await.unwrap();
    assert_eq!(cached.meta.algorithm_used, "fallback-cache");
    assert_eq!(cached.matches, live.matches);
    assert_eq!(cached.total_candidates, live.total_candidates);

    let empty = client
        .match_kols(&tech_request("never-seen"))
        .await
        .unwrap();
    assert_eq!(empty.meta.algorithm_used, "fallback-empty");
    assert!(empty.matches.is_empty());

    let budget =
        OptimizeBudgetRequest::new("spring", 10_000.0, ["kol-0001", "kol-0002", "kol-0003"]);
    let conservative = client.optimize_budget(&budget).await.unwrap();
    assert_eq!(conservative.meta.algorithm_used, "fallback-conservative");
    assert_eq!(conservative.meta.confidence, 0.5);
    assert_eq!(conservative.summary.efficiency_score, 0.5);
    assert_eq!(conservative.summary.total_allocated, 8_000.0);
    assert_eq!(
        conservative.summary.total_allocated + conservative.summary.remaining_budget,
        10_000.0
    );
    let priorities: Vec<u32> = conservative.allocation.iter().map(|a| a.priority).collect();
    assert_eq!(priorities, [1, 2, 3]);
    assert!(
        conservative
            .allocation
            .iter()
            .all(|a| a.reasoning == "Conservative allocation due to service degradation")
    );

    // A health check tells the truth: no fallback.
    let err = client.health_check().await.unwrap_err();
    let ClientError::CircuitOpen {
        state: State::Open,
        retry_after,
        ..
    } = err
    else {
        panic!("{err:?}")
    };
    // The open period (60 s) runs from the end of the last failure as the
    // client measured it, on a coarse clock: a few milliseconds either way.
    assert!(
        retry_after > Duration::from_secs(50) && retry_after < Duration::from_secs(61),
        "{retry_after:?}"
    );

    assert_eq!(
        backend.requests().await.len(),
        sent_before,
        "nothing is sent while open"
    );
    let stats = client.client_stats();
    assert_eq!(stats.success_requests, 1);
    assert_eq!(stats.failed_requests, 7);
    assert_eq!(stats.total_requests, 8);
    assert_eq!(stats.rejected_requests, 4);
    assert_eq!(stats.fallback_responses, 3);
    assert_eq!(
        (stats.fallback.cache_hits, stats.fallback.fallback_serves),
        (1, 2)
    );
    assert_eq!(stats.circuit_breaker.circuit_open_count, 1);
    assert_eq!(stats.circuit_breaker.total_rejected, 4);
    let value = serde_json::to_value(&stats).unwrap();
    for field in [
        "total_requests",
        "success_requests",
        "failed_requests",
        "success_rate",
        "circuit_breaker",
        "base_url",
    ] {
        assert!(value.get(field).is_some(), "{field} missing from {value}");
    }
}

#[tokio::test]
async fn fallbacks_can_be_disabled_or_also_cover_failures() {
    let backend = Backend::start().await;
    let strict = client_for(&backend, |c| {
        c.circuit = three_strikes();
        c.fallback.mode = FallbackMode::Disabled;
    });
    trip_with(&strict, &backend, 503).await;
    let err = strict.match_kols(&tech_request("x")).await.unwrap_err();
    assert!(matches!(err, ClientError::CircuitOpen { .. }), "{err:?}");
    assert_eq!(strict.client_stats().fallback_responses, 0);

    let lenient = client_for(&backend, |c| {
        c.circuit = three_strikes();
        c.fallback.mode = FallbackMode::WhenOpenOrFailed;
    });
    // Still closed: the failure itself is answered by the fallback.
    let answer = lenient.optimize_budget(&budget_request("x")).await.unwrap();
    assert_eq!(answer.meta.algorithm_used, "fallback-conservative");
    assert_eq!(lenient.circuit_state(), State::Closed);
    assert_eq!(
        lenient.circuit_breaker_metrics().total_failures,
        1,
        "it still counts as a failure"
    );
    // A caller's own 404 is not a failure, so no fallback hides it.
    backend
        .set_faults(json!({"error_status": 404, "count": 1}))
        .await;
    assert_eq!(
        lenient
            .match_kols(&tech_request("x"))
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
}

#[tokio::test]
async fn recovery_after_the_open_period_once_the_backend_is_healthy() {
    let backend = Backend::start().await;
    let clock = ManualClock::new();
    let client = client_on(&backend, &clock, |c| c.circuit = three_strikes());
    trip_with(&client, &backend, 502).await;
    backend.clear_faults().await;
    backend.clear_requests().await;

    clock.advance(Duration::from_secs(55));
    assert!(matches!(
        client.health_check().await,
        Err(ClientError::CircuitOpen { .. })
    ));
    assert!(backend.requests().await.is_empty());

    // The breaker dates each outcome at its start plus the latency the
    // client measured on the real clock, so the period ends a little (real
    // milliseconds) after 60 s of manual time: advance with a margin.
    clock.advance(Duration::from_secs(10));
    // The first call after the open period is the half-open probe: it asks
    // /health first, then sends the real request; one success closes the
    // breaker (max_requests = 1).
    let live = client.match_kols(&tech_request("recovered")).await.unwrap();
    assert_eq!(live.meta.algorithm_used, LIVE_MATCH_ALGORITHM);
    assert_eq!(client.circuit_state(), State::Closed);
    assert!(client.is_healthy());
    let seen = backend.requests().await;
    let paths: Vec<&str> = seen.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/health", "/api/v1/kols/match"]);
    assert!(
        seen.iter()
            .all(|r| r.x_circuit_state.as_deref() == Some("half-open"))
    );
    client.health_check().await.unwrap();
    assert_eq!(
        backend.requests().await[2].x_circuit_state.as_deref(),
        Some("closed")
    );
    let health = client.client_stats().health;
    assert_eq!((health.probe_checks, health.probes_held_back), (1, 0));
    let metrics = client.circuit_breaker_metrics();
    assert_eq!(
        (metrics.recovery_attempts, metrics.circuit_open_count),
        (1, 1)
    );
}

#[tokio::test]
async fn recovery_on_the_real_clock() {
    let backend = Backend::start().await;
    let client = client_for(&backend, |c| {
        c.circuit = circuit_core::Config {
            recovery_timeout: Duration::from_millis(300),
            ..three_strikes()
        };
    });
    trip_with(&client, &backend, 500).await;
    backend.clear_faults().await;
    let health = eventually(
        Duration::from_secs(20),
        "the breaker to let a probe through",
        || async { client.health_check().await.ok() },
    )
    .await;
    assert!(health.is_ok());
    assert_eq!(client.circuit_state(), State::Closed);
}

#[tokio::test]
async fn a_failed_probe_reopens_and_reset_closes_at_once() {
    let backend = Backend::start().await;
    let clock = ManualClock::new();
    let client = client_on(&backend, &clock, |c| c.circuit = three_strikes());
    trip_with(&client, &backend, 500).await;
    clock.advance(Duration::from_secs(70));
    // Still failing: the probe fails and the breaker reopens with backoff.
    let err = client.health_check().await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(client.circuit_state(), State::Open);
    let metrics = client.circuit_breaker_metrics();
    assert_eq!(
        (metrics.consecutive_trips, metrics.current_backoff),
        (2, Duration::from_secs(1))
    );

    backend.clear_faults().await;
    client.reset_circuit_breaker();
    assert!(client.is_healthy());
    client.health_check().await.unwrap();
}

#[tokio::test]
async fn retry_after_keeps_the_breaker_open_at_least_that_long() {
    let backend = Backend::start().await;
    let clock = ManualClock::new();
    let short = circuit_core::Config {
        recovery_timeout: Duration::from_millis(100),
        ..three_strikes()
    };
    let client = client_on(&backend, &clock, |c| c.circuit = short.clone());

    backend
        .set_faults(json!({"error_status": 503, "retry_after": 30}))
        .await;
    for _ in 0..3 {
        let err = client.match_kols(&tech_request("busy")).await.unwrap_err();
        assert_eq!(err.retry_after(), Some(Duration::from_secs(30)), "{err:?}");
    }
    assert_eq!(client.circuit_state(), State::Open);
    // The period starts when the last failure ended: its real latency on
    // top of the manual clock (see the recovery test).
    let open_for = client.circuit_breaker_metrics().retry_after.unwrap();
    assert!(
        open_for >= Duration::from_secs(30) && open_for < Duration::from_secs(40),
        "{open_for:?}"
    );

    // Far past recovery_timeout, still inside Retry-After: still open.
    clock.advance(Duration::from_secs(29));
    let err = client.health_check().await.unwrap_err();
    assert!(
        matches!(err, ClientError::CircuitOpen { retry_after, .. } if retry_after >= Duration::from_secs(1)),
        "{err:?}"
    );
    backend.clear_faults().await;
    clock.advance(Duration::from_secs(10));
    client.health_check().await.unwrap();
    assert_eq!(client.circuit_state(), State::Closed);

    // 429 counts as well; a Retry-After on a 500 is not a hint the client takes.
    backend
        .set_faults(json!({"error_status": 429, "retry_after": 5}))
        .await;
    for _ in 0..3 {
        assert_eq!(
            client.health_check().await.unwrap_err().retry_after(),
            Some(Duration::from_secs(5))
        );
    }
    let open_for = client.circuit_breaker_metrics().retry_after.unwrap();
    assert!(
        open_for >= Duration::from_secs(5) && open_for < Duration::from_secs(15),
        "{open_for:?}"
    );
    client.reset_circuit_breaker();
    backend
        .set_faults(json!({"error_status": 500, "retry_after": 30}))
        .await;
    for _ in 0..3 {
        assert_eq!(client.health_check().await.unwrap_err().retry_after(), None);
    }
    let open_for = client.circuit_breaker_metrics().retry_after.unwrap();
    assert!(
        open_for >= short.recovery_timeout && open_for < Duration::from_secs(5),
        "not 30 s: {open_for:?}"
    );
}

#[tokio::test]
async fn last_good_answers_survive_a_client_restart_with_a_cache_file() {
    let backend = Backend::start().await;
    let dir = std::env::temp_dir().join(format!(
        "kol-client-cache-{}-{}",
        std::process::id(),
        backend.port()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("matches.json");
    let with_file = |c: &mut fastapi_client::ClientConfig| {
        c.circuit = three_strikes();
        c.fallback.cache_file = Some(path.clone());
    };

    let first = client_for(&backend, with_file);
    let live = first.match_kols(&tech_request("persisted")).await.unwrap();
    first.close().await.unwrap();
    assert!(path.exists(), "close() saves the cache");

    let second = client_for(&backend, with_file);
    second.circuit_breaker().force_open();
    let cached = second.match_kols(&tech_request("persisted")).await.unwrap();
    assert_eq!(cached.meta.algorithm_used, "fallback-cache");
    assert_eq!(cached.matches, live.matches);

    // A corrupt file is reported and ignored, never fatal.
    std::fs::write(&path, b"{\"format\": truncat").unwrap();
    let third = client_for(&backend, with_file);
    third.circuit_breaker().force_open();
    assert_eq!(
        third
            .match_kols(&tech_request("persisted"))
            .await
            .unwrap()
            .meta
            .algorithm_used,
        "fallback-empty"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn an_unhealthy_backend_never_sees_the_probes_real_request() {
    let backend = Backend::start().await;
    let clock = ManualClock::new();
    let client = client_on(&backend, &clock, |c| c.circuit = three_strikes());
    let request = tech_request("held-back");
    let live = client.match_kols(&request).await.unwrap();
    trip_with(&client, &backend, 503).await;
    backend.clear_requests().await;

    // Still down (faults reach /health too): the probe's health check
    // fails, the match request is never sent, the caller gets the cached
    // answer and the breaker opens again.
    clock.advance(Duration::from_secs(65));
    let answer = client.match_kols(&request).await.unwrap();
    assert_eq!(answer.meta.algorithm_used, "fallback-cache");
    assert_eq!(answer.matches, live.matches);
    assert_eq!(
        backend.paths().await,
        ["/health"],
        "only the health check went out"
    );
    assert_eq!(client.circuit_state(), State::Open);
    let stats = client.client_stats();
    assert_eq!(
        (stats.health.probe_checks, stats.health.probes_held_back),
        (1, 1)
    );
    assert_eq!(stats.fallback_responses, 1);
    assert_eq!(stats.circuit_breaker.consecutive_trips, 2);

    // Without a fallback the caller is told why nothing was sent.
    let strict = client_on(&backend, &clock, |c| {
        c.circuit = three_strikes();
        c.fallback.mode = FallbackMode::Disabled;
    });
    for _ in 0..3 {
        let _ = strict.match_kols(&request).await;
    }
    assert_eq!(strict.circuit_state(), State::Open);
    clock.advance(Duration::from_secs(65));
    let err = strict.match_kols(&request).await.unwrap_err();
    let ClientError::ProbeUnhealthy { ref cause, .. } = err else {
        panic!("{err:?}")
    };
    assert_eq!(cause.status(), Some(503), "{cause:?}");
    assert!(err.is_backend_failure());

    // Healthy /health, failing endpoint: the real request is the probe.
    backend
        .set_faults(json!({"error_status": 500, "paths": ["/api/v1/kols/match"]}))
        .await;
    backend.clear_requests().await;
    clock.advance(Duration::from_secs(600));
    let err = strict.match_kols(&request).await.unwrap_err();
    assert_eq!(err.status(), Some(500), "{err:?}");
    assert_eq!(backend.paths().await, ["/health", "/api/v1/kols/match"]);

    // Switched off: no health check, the real request goes at once.
    let direct = client_on(&backend, &clock, |c| {
        c.circuit = three_strikes();
        c.probe_health_first = false;
    });
    for _ in 0..3 {
        let _ = direct.match_kols(&request).await;
    }
    backend.clear_faults().await;
    backend.clear_requests().await;
    clock.advance(Duration::from_secs(65));
    direct.match_kols(&request).await.unwrap();
    assert_eq!(backend.paths().await, ["/api/v1/kols/match"]);
    assert_eq!(direct.client_stats().health.probe_checks, 0);
}
