use std::collections::BTreeSet;
use std::time::Duration;

use circuit_core::{Config, ManualClock};

use super::*;
use crate::{BREAKER_METRICS, Collector, Snapshot};

/// A registry of at most `max_breakers` keys whose breakers open at the
/// first failure.
pub(crate) fn registry(max_breakers: usize) -> Arc<Registry<String>> {
    Arc::new(
        Registry::builder()
            .config(Config {
                max_failures: 1,
                ..Config::default()
            })
            .max_breakers(max_breakers)
            .build()
            .unwrap(),
    )
}

fn trip(registry: &Registry<String>, key: &str) {
    registry
        .get(key)
        .try_acquire()
        .expect("closed")
        .record_failure();
}

/// The `key` labels of the `state` series, in export order.
fn keys(snapshot: &Snapshot) -> Vec<String> {
    snapshot
        .samples()
        .filter(|s| {
            s.descriptor.name == "circuit_breaker.state" && s.attribute("state") == Some("closed")
        })
        .map(|s| s.attribute("key").expect("a key label").to_owned())
        .collect()
}

fn gauge(snapshot: &Snapshot, name: &str, state: &str) -> f64 {
    match snapshot.find(name, &[("state", state)]).map(|s| &s.value) {
        Some(Value::Gauge(v)) => *v,
        other => panic!("{name}{{state={state}}} = {other:?}"),
    }
}

#[test]
fn below_the_bound_every_key_has_the_breaker_series_with_a_key_label() {
    let hosts = registry(100);
    let collector = Collector::new();
    collector.register(RegistrySource::new("upstreams", Arc::clone(&hosts)).max_keys(3));
    hosts
        .get("b.example")
        .try_acquire()
        .unwrap()
        .record_success();
    trip(&hosts, "c.example");
    hosts.get("a.example");

    let snapshot = collector.snapshot();
    assert_eq!(
        keys(&snapshot),
        ["c.example", "a.example", "b.example"],
        "worst first, then by name"
    );
    let labels = |key: &str| -> BTreeSet<&str> {
        snapshot
            .samples()
            .filter(|s| s.attribute("key") == Some(key))
            .map(|s| s.descriptor.name)
            .collect()
    };
    let breaker_names: BTreeSet<&str> = BREAKER_METRICS
        .iter()
        .map(|d| d.name)
        .filter(|n| *n != "circuit_breaker.call.duration")
        .collect();
    assert_eq!(labels("a.example"), breaker_names);
    let success = snapshot
        .find(
            "circuit_breaker.calls",
            &[
                ("breaker", "upstreams"),
                ("key", "b.example"),
                ("outcome", "success"),
            ],
        )
        .unwrap();
    assert_eq!(success.value, Value::Counter(1));
    assert_eq!(
        success.labels().collect::<Vec<_>>(),
        [
            ("breaker", "upstreams"),
            ("outcome", "success"),
            ("key", "b.example")
        ]
    );
    let open = snapshot
        .find(
            "circuit_breaker.state",
            &[("key", "c.example"), ("state", "open")],
        )
        .unwrap();
    assert_eq!(open.value, Value::Gauge(1.0));
    assert_eq!(
        gauge(&snapshot, "circuit_breaker.registry.keys", "closed"),
        2.0
    );
    assert_eq!(
        gauge(&snapshot, "circuit_breaker.registry.keys", "open"),
        1.0
    );
    assert_eq!(
        gauge(&snapshot, "circuit_breaker.registry.hidden_keys", "closed"),
        0.0
    );
    assert!(
        keys(&snapshot).iter().all(|k| k != OVERFLOW_KEY),
        "the overflow breaker appears once used"
    );
}

#[test]
fn past_the_bound_the_worst_keys_are_shown_and_the_rest_counted() {
    let hosts = registry(100);
    let source = RegistrySource::new("upstreams", Arc::clone(&hosts)).max_keys(3);
    let collector = Collector::new();
    collector.register(source.clone());
    for i in 0..10 {
        hosts.get(&format!("k{i}"));
    }
    assert!(!source.warned.load(Ordering::Relaxed));
    let snapshot = collector.snapshot();
    assert_eq!(keys(&snapshot), ["k0", "k1", "k2"]);
    assert_eq!(
        gauge(&snapshot, "circuit_breaker.registry.keys", "closed"),
        10.0
    );
    assert_eq!(
        gauge(&snapshot, "circuit_breaker.registry.hidden_keys", "closed"),
        7.0
    );
    assert!(
        source.warned.load(Ordering::Relaxed),
        "the bound was reported"
    );

    // Keys that trip are never the ones left out.
    trip(&hosts, "k9");
    trip(&hosts, "k7");
    hosts.get("k8").force_open();
    let snapshot = collector.snapshot();
    assert_eq!(keys(&snapshot), ["k8", "k7", "k9"]);
    assert_eq!(
        gauge(&snapshot, "circuit_breaker.registry.hidden_keys", "closed"),
        7.0
    );
    assert_eq!(
        gauge(&snapshot, "circuit_breaker.registry.hidden_keys", "open"),
        0.0
    );
    assert_eq!(
        gauge(&snapshot, "circuit_breaker.registry.keys", "open"),
        2.0
    );
    assert_eq!(
        gauge(&snapshot, "circuit_breaker.registry.keys", "forced-open"),
        1.0
    );
    assert!(
        snapshot
            .find("circuit_breaker.calls", &[("key", "k0")])
            .is_none(),
        "k0 fell out of the bound and has no series left"
    );

    // More bad keys than the bound: the worst still win, the others are
    // counted by state.
    trip(&hosts, "k0");
    let snapshot = collector.snapshot();
    assert_eq!(keys(&snapshot), ["k8", "k0", "k7"]);
    assert_eq!(
        gauge(&snapshot, "circuit_breaker.registry.hidden_keys", "open"),
        1.0
    );

    let counts_only = Collector::new();
    counts_only.register(RegistrySource::new("upstreams", Arc::clone(&hosts)).max_keys(0));
    let snapshot = counts_only.snapshot();
    assert!(keys(&snapshot).is_empty());
    assert_eq!(
        gauge(&snapshot, "circuit_breaker.registry.hidden_keys", "closed"),
        6.0
    );
}

#[test]
fn keys_that_leave_the_registry_leave_no_series() {
    let clock = ManualClock::new();
    let hosts: Arc<Registry<String>> = Arc::new(
        Registry::builder()
            .clock(clock.clone())
            .idle_timeout(Duration::from_secs(60))
            .build()
            .unwrap(),
    );
    let collector = Collector::new();
    collector.register(RegistrySource::new("upstreams", Arc::clone(&hosts)));
    hosts.get("old");
    assert_eq!(keys(&collector.snapshot()), ["old"]);
    clock.advance(Duration::from_secs(61));
    hosts.get("new");
    // Creating "new" sweeps only its own shard; sweep them all.
    hosts.evict_idle();
    assert!(hosts.lookup("old").is_none(), "the idle key was evicted");
    assert_eq!(keys(&collector.snapshot()), ["new"]);
    hosts.remove("new");
    assert!(keys(&collector.snapshot()).is_empty());
}

#[test]
fn collecting_does_not_keep_breakers_from_being_evicted() {
    let hosts = registry(2);
    let collector = Collector::new();
    collector.register(RegistrySource::new("upstreams", Arc::clone(&hosts)));
    hosts.get("a");
    hosts.get("b");
    collector.snapshot();
    // Full: making room needs a breaker that nobody but the registry holds.
    assert!(
        hosts.try_get("c").is_ok(),
        "the source holds no breaker between collections"
    );
}

#[test]
fn the_overflow_breaker_is_reported_once_used() {
    let hosts = registry(1);
    let collector = Collector::new();
    collector.register(RegistrySource::new("upstreams", Arc::clone(&hosts)).max_keys(5));
    trip(&hosts, "a");
    let overflow = hosts.get("b");
    assert!(Arc::ptr_eq(&overflow, &hosts.overflow_breaker()));
    overflow.try_acquire().unwrap().record_success();
    let snapshot = collector.snapshot();
    assert_eq!(keys(&snapshot), ["a", OVERFLOW_KEY]);
    let calls = snapshot
        .find(
            "circuit_breaker.calls",
            &[("key", OVERFLOW_KEY), ("outcome", "success")],
        )
        .unwrap();
    assert_eq!(calls.value, Value::Counter(1));
    let overflowed = snapshot
        .find("circuit_breaker.registry.overflowed", &[])
        .unwrap();
    assert_eq!(overflowed.value, Value::Counter(1));
    assert_eq!(
        gauge(&snapshot, "circuit_breaker.registry.keys", "open"),
        1.0
    );
}

#[test]
fn names_that_look_reserved_are_escaped() {
    let hosts = registry(10);
    let collector = Collector::new();
    collector.register(RegistrySource::new("upstreams", Arc::clone(&hosts)));
    hosts.get(OVERFLOW_KEY);
    hosts.get("say \"hi\"\n\\");
    assert_eq!(
        keys(&collector.snapshot()),
        ["___overflow__", "say \"hi\"\n\\"]
    );
}
