//! What the sharing tests share: a replica (a registry whose breakers
//! share through Redis) and polling under a generous deadline.

use std::sync::Arc;
use std::time::{Duration, Instant};

pub use circuit_share::test_util::opened_at;

use circuit_core::{CircuitBreaker, Config, Registry, State};
use circuit_share::{
    Namespace, RedisBackend, RedisConfig, ReplicaId, Running, ShareSettings, Sharing,
};

/// Generous: the tests check that things happen, the bench how fast.
pub const DEADLINE: Duration = Duration::from_secs(15);

/// The breaker every sharing test trips.
pub const BACKEND: &str = "kol-backend";

/// One replica: its registry and its running sharing.
#[derive(Debug)]
pub struct Replica {
    /// Breakers by name (`max_failures` 3).
    pub registry: Arc<Registry<String>>,
    /// The sharing tasks and counters.
    pub running: Running,
}

/// Settings with quick reconnection, so the outage tests end soon.
pub fn settings(namespace: &str, replica: &str) -> ShareSettings {
    let mut settings = ShareSettings::new(
        Namespace::new(namespace).expect("test namespace"),
        ReplicaId::new(replica).expect("test replica id"),
    );
    settings.reconnect_min = Duration::from_millis(20);
    settings.reconnect_max = Duration::from_millis(200);
    settings.ping_interval = Duration::from_millis(200);
    settings
}

impl Replica {
    /// Starts a replica on its own Redis connections.
    pub async fn start(config: RedisConfig, namespace: &str, id: &str) -> Self {
        let sharing = Sharing::new(settings(namespace, id)).expect("valid settings");
        let registry = Arc::new(
            Registry::builder()
                .config(Config {
                    max_failures: 3,
                    ..Config::default()
                })
                .listener(sharing.listener())
                .build()
                .expect("valid registry"),
        );
        let backend = RedisBackend::new(config).expect("valid Redis config");
        let running = sharing.start(backend, Arc::clone(&registry)).await;
        Self { registry, running }
    }

    /// Starts a replica for a plain URL.
    pub async fn at(url: &str, namespace: &str, id: &str) -> Self {
        Self::start(RedisConfig::new(url).expect("valid URL"), namespace, id).await
    }

    /// The breaker for `name`.
    pub fn breaker(&self, name: &str) -> Arc<CircuitBreaker> {
        self.registry.get(name)
    }

    /// Trips `name` by its own failures.
    pub fn trip(&self, name: &str) {
        let breaker = self.breaker(name);
        while breaker.state() == State::Closed {
            breaker
                .try_acquire()
                .expect("closed admits")
                .record_failure();
        }
    }
}

/// The reason of `breaker`'s last transition.
pub fn last_reason(breaker: &CircuitBreaker) -> String {
    breaker
        .transitions()
        .last()
        .map(|t| t.reason.to_string())
        .unwrap_or_default()
}

/// Polls `check` every millisecond until it holds; fails naming `what`
/// after [`DEADLINE`].
pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}
