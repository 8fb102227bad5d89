use std::time::Duration;

use super::*;
use crate::FallbackMode;

fn config() -> ClientConfig {
    ClientConfig::new("http://127.0.0.1:9")
}

#[test]
fn unusable_settings_are_refused_by_name() {
    let cases: Vec<(ClientConfig, &str)> = vec![
        (
            ClientConfig {
                request_timeout: Duration::ZERO,
                ..config()
            },
            "request_timeout",
        ),
        (
            ClientConfig {
                max_response_bytes: 0,
                ..config()
            },
            "max_response_bytes",
        ),
        (
            ClientConfig {
                breaker_name: String::new(),
                ..config()
            },
            "breaker_name",
        ),
        (
            ClientConfig {
                fallback: crate::FallbackConfig {
                    conservative_ratio: 1.5,
                    ..Default::default()
                },
                ..config()
            },
            "fallback.conservative_ratio",
        ),
        (
            ClientConfig {
                fallback: crate::FallbackConfig {
                    cache_max_entries: 0,
                    ..Default::default()
                },
                ..config()
            },
            "fallback.cache",
        ),
    ];
    for (config, field) in cases {
        match Client::new(config) {
            Err(ClientError::InvalidConfig { field: got, .. }) => assert_eq!(got, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    let breaker = ClientConfig {
        circuit: circuit_core::Config {
            max_requests: 0,
            ..Default::default()
        },
        ..config()
    };
    assert!(
        matches!(Client::new(breaker), Err(ClientError::Circuit(e)) if e.field() == "max_requests")
    );
    assert!(matches!(
        Client::new(ClientConfig::new("ftp://x")),
        Err(ClientError::InvalidUrl { .. })
    ));
}

#[test]
fn a_new_client_is_healthy_and_shares_state_with_its_clones() {
    let client = Client::new(ClientConfig {
        fallback: crate::FallbackConfig {
            mode: FallbackMode::Disabled,
            ..Default::default()
        },
        ..config()
    })
    .unwrap();
    let clone = client.clone();
    assert!(client.is_healthy());
    clone.circuit_breaker().force_open();
    assert!(!client.is_healthy());
    client.reset_circuit_breaker();
    assert!(clone.is_healthy());
    let stats = client.client_stats();
    assert_eq!((stats.total_requests, stats.success_rate), (0, 1.0));
    assert_eq!(stats.base_url, "http://127.0.0.1:9");
    assert_eq!(
        client.url(Operation::HealthCheck).as_str(),
        "http://127.0.0.1:9/health"
    );
}

#[test]
fn client_is_send_sync_and_clone() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<Client>();
    check::<ClientConfig>();
    fn error<T: std::error::Error + Send + Sync + 'static>() {}
    error::<ClientError>();
}

#[tokio::test]
async fn while_open_each_operation_gets_its_fallback_without_a_network() {
    // Nothing listens on port 9 (discard); no request is made while the
    // breaker is held open.
    let client = Client::new(config()).unwrap();
    client.circuit_breaker().force_open();
    let matches = client
        .match_kols(&crate::MatchKolsRequest::new("c", ["tech"], 100.0))
        .await
        .unwrap();
    assert_eq!(matches.meta.algorithm_used, "fallback-empty");
    let plan = client
        .optimize_budget(&crate::OptimizeBudgetRequest::new("c", 100.0, ["a", "b"]))
        .await
        .unwrap();
    assert_eq!(plan.meta.algorithm_used, "fallback-conservative");
    assert_eq!(
        plan.summary.total_allocated + plan.summary.remaining_budget,
        100.0
    );
    let err = client.health_check().await.unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::CircuitOpen {
                retry_after: Duration::MAX,
                ..
            }
        ),
        "{err:?}"
    );
    let stats = client.client_stats();
    assert_eq!(
        (
            stats.total_requests,
            stats.rejected_requests,
            stats.fallback_responses
        ),
        (3, 3, 2)
    );
    assert_eq!(stats.circuit_breaker.total_requests, 0);

    client.close().await.unwrap();
    assert!(matches!(
        client.health_check().await,
        Err(ClientError::Closed)
    ));
    assert_eq!(
        client.client_stats().total_requests,
        3,
        "calls on a closed client are not requests"
    );
}

#[test]
fn the_breaker_judges_with_the_trip_policy_given() {
    /// Opens at the first failure, whatever the config says.
    #[derive(Debug)]
    struct FirstFailure;
    impl circuit_core::TripPolicy for FirstFailure {
        fn should_trip(
            &self,
            window: &circuit_core::WindowSnapshot,
            _: &circuit_core::Config,
        ) -> Option<circuit_core::TripReason> {
            (window.failures > 0).then(|| circuit_core::TripReason::Custom("first failure".into()))
        }
    }
    let client = Client::builder(config())
        .trip_policy(FirstFailure)
        .build()
        .unwrap();
    client
        .circuit_breaker()
        .try_acquire()
        .unwrap()
        .record_failure();
    assert_eq!(client.circuit_breaker().state(), circuit_core::State::Open);
    let adaptive = std::sync::Arc::new(circuit_core::AdaptivePolicy::default());
    let client = Client::builder(config())
        .trip_policy(std::sync::Arc::clone(&adaptive))
        .build()
        .unwrap();
    assert!(!client.client_stats().circuit_breaker.thresholds.learned);
    assert!(!adaptive.baseline().ready);
}
