//! The driver over the in-memory store: sharing, loop prevention, garbage,
//! outages. Waits poll a condition under a generous deadline; nothing here
//! asserts how fast.

use std::sync::Arc;
use std::time::Duration;

use circuit_core::{CircuitBreaker, Config, Registry, State, TransitionReason};

use super::*;
use crate::{Change, MemoryStore, Message};

const DEADLINE: Duration = Duration::from_secs(10);

async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let start = tokio::time::Instant::now();
    while !check() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn settings(replica: &str) -> ShareSettings {
    let mut settings = ShareSettings::new(
        Namespace::new("kol-test").unwrap(),
        ReplicaId::new(replica).unwrap(),
    );
    settings.reconnect_min = Duration::from_millis(5);
    settings.reconnect_max = Duration::from_millis(20);
    settings.ping_interval = Duration::from_millis(50);
    settings
}

struct Replica {
    registry: Arc<Registry<String>>,
    running: Running,
}

impl Replica {
    async fn start(id: &str, store: &MemoryStore) -> Self {
        let sharing = Sharing::new(settings(id)).unwrap();
        let registry = Arc::new(
            Registry::builder()
                .config(Config {
                    max_failures: 2,
                    max_requests: 1,
                    ..Config::default()
                })
                .listener(sharing.listener())
                .build()
                .unwrap(),
        );
        let running = sharing.start(store.clone(), Arc::clone(&registry)).await;
        Self { registry, running }
    }

    fn breaker(&self) -> Arc<CircuitBreaker> {
        self.registry.get("kol-backend")
    }

    fn trip(&self) {
        for _ in 0..2 {
            self.breaker().try_acquire().unwrap().record_failure();
        }
        assert_eq!(self.breaker().state(), State::Open);
    }
}

fn last_reason(breaker: &CircuitBreaker) -> String {
    breaker
        .transitions()
        .last()
        .map(|t| t.reason.to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_trip_opens_every_peer_once_without_echo() {
    let store = MemoryStore::new();
    let a = Replica::start("a", &store).await;
    let b = Replica::start("b", &store).await;
    let c = Replica::start("c", &store).await;
    a.trip();
    eventually("peers open", || {
        b.breaker().state() == State::Open && c.breaker().state() == State::Open
    })
    .await;
    assert!(last_reason(&b.breaker()).starts_with("opened by peer a: tripped"));
    // Peer-opened breakers publish nothing: after a pause, still one message.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(a.running.stats().published, 1);
    assert_eq!(b.running.stats().published, 0);
    assert_eq!(a.running.stats().ignored_own, 1);
    assert_eq!(b.running.stats().applied, 1);
    assert_eq!(
        a.breaker().transitions().len(),
        1,
        "a was not re-opened by an echo"
    );
}

#[tokio::test]
async fn a_forced_peer_is_left_alone() {
    let store = MemoryStore::new();
    let a = Replica::start("a", &store).await;
    let b = Replica::start("b", &store).await;
    b.breaker().force_closed();
    a.trip();
    eventually("b received", || b.running.stats().received >= 1).await;
    assert_eq!(b.breaker().state(), State::ForcedClosed);
    assert_eq!(b.running.stats().applied, 0);
}

#[tokio::test]
async fn a_recovery_lets_open_peers_probe_at_once() {
    let store = MemoryStore::new();
    let a = Replica::start("a", &store).await;
    let b = Replica::start("b", &store).await;
    a.trip();
    eventually("b opens", || b.breaker().state() == State::Open).await;
    // a recovers on its own probe (reset the open period for the test).
    assert!(a.breaker().allow_probe_now());
    a.breaker().try_acquire().unwrap().record_success();
    assert_eq!(a.breaker().state(), State::Closed);
    eventually("b may probe", || b.running.stats().applied == 2).await;
    // b still closes only on its own probe.
    let breaker = b.breaker();
    let probe = breaker.try_acquire().expect("probe admitted at once");
    assert!(probe.is_probe());
    assert_eq!(breaker.state(), State::HalfOpen);
    probe.record_success();
    assert_eq!(breaker.state(), State::Closed);
}

#[tokio::test]
async fn a_replica_starting_later_reads_the_open_state() {
    let store = MemoryStore::new();
    let a = Replica::start("a", &store).await;
    a.trip();
    eventually("published", || a.running.stats().published == 1).await;
    let late = Replica::start("late", &store).await;
    // start() returned after the stored states were applied.
    assert_eq!(late.breaker().state(), State::Open);
    assert!(matches!(
        late.breaker()
            .transitions()
            .last()
            .map(|t| t.reason.clone()),
        Some(TransitionReason::External(_))
    ));
}

#[tokio::test]
async fn garbage_and_other_namespaces_are_ignored_and_counted() {
    let store = MemoryStore::new();
    let b = Replica::start("b", &store).await;
    let ns = Namespace::new("kol-test").unwrap();
    let forged = Message {
        namespace: Namespace::new("other").unwrap(),
        replica: ReplicaId::new("x").unwrap(),
        instance: 1,
        seq: 1,
        breaker: "kol-backend".to_owned(),
        epoch: 1,
        change: Change::Opened {
            remaining: Duration::from_secs(60),
            reason: "forged".to_owned(),
        },
    };
    for payload in [b"garbage".to_vec(), b"{\"v\":1}".to_vec(), forged.encode()] {
        store.publish_raw(&ns, payload).unwrap();
    }
    eventually("counted", || b.running.stats().ignored_forged == 3).await;
    assert_eq!(b.breaker().state(), State::Closed);
    assert_eq!(b.running.stats().applied, 0);
}

#[tokio::test]
async fn an_outage_degrades_to_local_and_sharing_resumes() {
    let store = MemoryStore::new();
    let a = Replica::start("a", &store).await;
    let b = Replica::start("b", &store).await;
    store.set_available(false);
    eventually("outage seen", || b.running.stats().outages == 1).await;
    // Local breakers work as before; the trip waits in the outbox.
    a.trip();
    assert_eq!(b.breaker().state(), State::Closed);
    store.set_available(true);
    eventually("b opens after the outage", || {
        b.breaker().state() == State::Open
    })
    .await;
    eventually("reconnected", || b.running.stats().reconnects == 1).await;
    assert_eq!(b.running.stats().outages, 1, "one outage counted once");
}

#[tokio::test]
async fn a_store_down_at_start_does_not_block_and_is_counted() {
    let store = MemoryStore::new();
    store.set_available(false);
    let a = Replica::start("a", &store).await;
    assert_eq!(a.running.stats().outages, 1);
    assert!(!a.running.stats().connected);
    store.set_available(true);
    eventually("connected", || a.running.stats().connected).await;
}

#[test]
fn settings_are_checked() {
    let mut bad = settings("a");
    bad.max_pending = 0;
    assert!(matches!(
        Sharing::new(bad),
        Err(ShareError::InvalidSetting {
            setting: "max_pending",
            ..
        })
    ));
    let mut bad = settings("a");
    bad.reconnect_min = Duration::from_secs(10);
    assert!(Sharing::new(bad).is_err());
}
