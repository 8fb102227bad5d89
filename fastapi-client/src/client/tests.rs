use std::time::Duration;

use circuit_core::State;

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
                health_check_timeout: Duration::ZERO,
                ..config()
            },
            "health_check_timeout",
        ),
        (
            ClientConfig {
                fallback: crate::FallbackConfig {
                    cache_max_bytes: 0,
                    ..Default::default()
                },
                ..config()
            },
            "fallback.cache",
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
        client.inner.urls[crate::operation::Operation::HealthCheck as usize].as_str(),
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
    assert_eq!(
        matches.meta.provenance,
        crate::Provenance::fallback("fallback-empty")
    );
    let plan = client
        .optimize_budget(&crate::OptimizeBudgetRequest::new("c", 100.0, ["a", "b"]))
        .await
        .unwrap();
    assert_eq!(plan.meta.algorithm_used, "fallback-conservative");
    assert!(plan.meta.provenance.is_degraded());
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

/// A port that accepts connections and never answers.
async fn silent_backend() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    (url, task)
}

#[tokio::test]
async fn close_stops_waiting_at_its_deadline_and_says_so() {
    let (url, backend) = silent_backend().await;
    let client = Client::new(ClientConfig {
        close_timeout: Duration::from_millis(200),
        request_timeout: Duration::from_secs(60),
        ..ClientConfig::new(url)
    })
    .unwrap();
    let stuck = {
        let client = client.clone();
        tokio::spawn(async move { client.health_check().await })
    };
    while client.inner.lifecycle.in_flight() == 0 {
        tokio::task::yield_now().await;
    }
    let err = client.close().await.unwrap_err();
    assert!(
        matches!(err, ClientError::CloseTimedOut { in_flight: 1, timeout } if timeout == Duration::from_millis(200)),
        "{err:?}"
    );
    assert!(matches!(
        client.health_check().await,
        Err(ClientError::Closed)
    ));
    // The same result again, without waiting again.
    assert!(matches!(
        client.close().await,
        Err(ClientError::CloseTimedOut { .. })
    ));
    stuck.abort();
    backend.abort();
}

#[test]
fn dropping_an_unclosed_client_warns_once_and_a_closed_one_not_at_all() {
    let logs = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    let writer = {
        let logs = std::sync::Arc::clone(&logs);
        move || Capture(std::sync::Arc::clone(&logs))
    };
    let subscriber = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let client = Client::new(config()).unwrap();
        let clone = client.clone();
        drop(client);
        drop(clone);
        let closed = Client::new(config()).unwrap();
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(closed.close())
            .unwrap();
        drop(closed);
    });
    let text = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    assert_eq!(
        text.matches("Client dropped without close()").count(),
        1,
        "{text}"
    );
    assert!(text.contains("WARN"), "{text}");
}

struct Capture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_counts_as_a_failure() {
    // A backend that answers every request with 307 to itself.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let location = format!("{url}/elsewhere");
    let requests = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = std::sync::Arc::clone(&requests);
    let backend = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut socket, _)) = listener.accept().await {
            let location = location.clone();
            let counted = std::sync::Arc::clone(&counted);
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                while let Ok(n) = socket.read(&mut buf).await {
                    if n == 0 {
                        return;
                    }
                    counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let answer = format!(
                        "HTTP/1.1 307 Temporary Redirect\r\nlocation: {location}\r\ncontent-length: 0\r\n\r\n"
                    );
                    if socket.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    let client = Client::new(ClientConfig {
        fallback: crate::FallbackConfig {
            mode: FallbackMode::Disabled,
            ..Default::default()
        },
        ..ClientConfig::new(url)
    })
    .unwrap();
    let err = client
        .optimize_budget(&crate::OptimizeBudgetRequest::new("c", 100.0, ["a"]))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(307), "{err:?}");
    assert!(err.is_backend_failure());
    assert_eq!(
        requests.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "not followed"
    );
    assert_eq!(client.circuit_breaker_metrics().total_failures, 1);
    backend.abort();
}

/// Polls `done` every few milliseconds until it holds, for at most 20 s:
/// for waiting on a background task, never for measuring it.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "gave up waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn watched(url: String, clock: &circuit_core::ManualClock) -> Client {
    Client::builder(ClientConfig {
        health_check_interval: Some(Duration::from_millis(20)),
        circuit: circuit_core::Config {
            max_failures: 3,
            min_requests: 100_000,
            recovery_timeout: Duration::from_secs(60),
            max_requests: 1,
            ..circuit_core::Config::default()
        },
        ..ClientConfig::new(url)
    })
    .clock(clock.clone())
    .build()
    .unwrap()
}

async fn trip(client: &Client) {
    let request = crate::MatchKolsRequest::new("c", ["tech"], 100.0);
    for _ in 0..3 {
        assert_eq!(
            client.match_kols(&request).await.unwrap_err().status(),
            Some(500)
        );
    }
    assert_eq!(client.circuit_state(), State::Open);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_open_the_client_polls_health_and_lets_the_next_call_probe_early() {
    let backend = fake_backend::FakeBackend::start().await;
    let clock = circuit_core::ManualClock::new();
    let client = watched(backend.url.clone(), &clock);
    assert_eq!(
        client.client_stats().health.active_checks,
        0,
        "no polling while closed"
    );
    trip(&client).await;

    // Still down: polls fail, the breaker stays open, calls are answered
    // by the fallback without reaching the backend.
    eventually("two polls", || {
        client.client_stats().health.active_checks >= 2
    })
    .await;
    let health = client.client_stats().health;
    assert_eq!(health.early_probes, 0);
    assert_eq!(client.circuit_state(), State::Open);
    let request = crate::MatchKolsRequest::new("c", ["tech"], 100.0);
    let answer = client.match_kols(&request).await.unwrap();
    assert!(answer.meta.provenance.is_degraded());
    assert_eq!(backend.seen("/api/v1/kols/match"), 3);

    // Back up: a poll sees it and ends the open period (on a clock that
    // has not moved), but the breaker stays open until a call probes.
    backend.set_healthy(true);
    eventually("an early probe", || {
        client.client_stats().health.early_probes == 1
    })
    .await;
    assert_eq!(
        client.circuit_state(),
        State::Open,
        "never closed by the poller"
    );
    let live = client.match_kols(&request).await.unwrap();
    assert_eq!(live.meta.provenance, crate::Provenance::Live);
    assert_eq!(client.circuit_state(), State::Closed);
    assert_eq!(backend.seen("/api/v1/kols/match"), 4);

    // Closed again: the poller has ended, and polls no more.
    let watch = client.inner.health_watch.clone().unwrap();
    eventually("the poller to end", || !watch.is_running()).await;
    let polls = backend.seen("/health");
    assert_eq!(
        client.client_stats().health.active_checks + 1,
        polls as u64,
        "plus the probe's own check"
    );
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_poller_stops_when_the_client_closes() {
    let backend = fake_backend::FakeBackend::start().await;
    let clock = circuit_core::ManualClock::new();
    let client = watched(backend.url.clone(), &clock);
    trip(&client).await;
    eventually("a poll", || client.client_stats().health.active_checks >= 1).await;
    let watch = client.inner.health_watch.clone().unwrap();
    client.close().await.unwrap();
    eventually("the poller to end", || !watch.is_running()).await;
    let polls = backend.seen("/health");
    assert_eq!(client.client_stats().health.active_checks, polls as u64);
    assert_eq!(
        client.circuit_state(),
        State::Open,
        "still open: nothing probed"
    );
}
