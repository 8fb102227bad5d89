//! Shared pieces of the `client_*` tests: client configs, requests, a
//! deadline loop and a log capture.

use std::future::Future;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fastapi_client::{Client, ClientConfig, MatchKolsRequest, OptimizeBudgetRequest};

use crate::backend::Backend;

/// The backend's own algorithm names, as live answers carry them.
pub const LIVE_MATCH_ALGORITHM: &str = "weighted-match-v1";

/// A breaker that trips on the third consecutive failure only (the rate
/// trigger needs more calls than any test makes), stays open for a minute
/// unless the test moves a manual clock, and closes after one good probe.
pub fn three_strikes() -> circuit_core::Config {
    circuit_core::Config {
        max_failures: 3,
        min_requests: 100_000,
        recovery_timeout: Duration::from_secs(60),
        max_requests: 1,
        ..circuit_core::Config::default()
    }
}

/// A breaker that never trips: counts stay exact however calls interleave.
pub fn never_trips() -> circuit_core::Config {
    circuit_core::Config {
        max_failures: u32::MAX,
        failure_threshold: 1.0,
        min_requests: u32::MAX,
        ..circuit_core::Config::default()
    }
}

/// A config for `backend`, changed by `tweak`.
pub fn config_for(backend: &Backend, tweak: impl FnOnce(&mut ClientConfig)) -> ClientConfig {
    let mut config = ClientConfig::new(backend.base_url());
    config.request_timeout = Duration::from_secs(10);
    tweak(&mut config);
    config
}

/// A client for `backend` with the default settings changed by `tweak`.
///
/// # Panics
/// If the config is refused.
pub fn client_for(backend: &Backend, tweak: impl FnOnce(&mut ClientConfig)) -> Client {
    Client::new(config_for(backend, tweak)).expect("client config")
}

/// A client for `backend` whose breaker and cache run on `clock`, with
/// the default settings changed by `tweak`.
///
/// # Panics
/// If the config is refused.
pub fn client_on(
    backend: &Backend,
    clock: &circuit_core::ManualClock,
    tweak: impl FnOnce(&mut ClientConfig),
) -> Client {
    Client::builder(config_for(backend, tweak))
        .clock(clock.clone())
        .build()
        .expect("client config")
}

/// A match request the dataset has plenty of answers for.
pub fn tech_request(campaign: &str) -> MatchKolsRequest {
    MatchKolsRequest {
        limit: 5,
        ..MatchKolsRequest::new(campaign, ["tech", "gaming"], 5_000.0)
    }
}

/// A budget request over KOLs the dataset has.
pub fn budget_request(campaign: &str) -> OptimizeBudgetRequest {
    OptimizeBudgetRequest::new(campaign, 10_000.0, ["kol-0001", "kol-0002", "kol-0003"])
}

/// Polls `check` every 25 ms until it returns `Some`, or fails the test
/// after `deadline`. For waiting on real time or another process, never
/// for asserting how long something took.
///
/// # Panics
/// When the deadline passes.
pub async fn eventually<T, F, Fut>(deadline: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let until = Instant::now() + deadline;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < until,
            "gave up after {deadline:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Everything `tracing` writes while the guard from [`LogCapture::install`]
/// lives on this thread (all levels, as plain text with span context).
#[derive(Debug, Clone, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl LogCapture {
    /// Starts capturing on the current thread; use a current-thread runtime
    /// so the client's futures run here.
    pub fn install(&self) -> tracing::subscriber::DefaultGuard {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(self.clone())
            .finish();
        tracing::subscriber::set_default(subscriber)
    }

    /// What was captured so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(
            &self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
        .into_owned()
    }
}

impl Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogCapture {
    type Writer = LogCapture;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
