use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;
use crate::{EventListener, ManualClock, State, StateChange};

const IDLE: Duration = Duration::from_secs(60);

fn trip(breaker: &CircuitBreaker) {
    trip_with(breaker, breaker.config().max_failures);
}

fn trip_with(breaker: &CircuitBreaker, failures: u32) {
    for _ in 0..failures {
        if let Ok(permit) = breaker.try_acquire() {
            permit.record_failure();
        }
    }
    assert_eq!(breaker.state(), State::Open);
}

fn registry(clock: &ManualClock, max: usize) -> Registry<String> {
    Registry::builder()
        .config(Config {
            max_failures: 2,
            ..Config::default()
        })
        .clock(clock.clone())
        .max_breakers(max)
        .idle_timeout(IDLE)
        .build()
        .unwrap()
}

#[test]
fn a_key_gets_one_breaker_named_after_it() {
    let hosts = registry(&ManualClock::new(), 10);
    let a = hosts.get("http://a:80");
    assert!(Arc::ptr_eq(&a, &hosts.get(&"http://a:80".to_owned())));
    let b = hosts.get("http://b:80");
    assert!(!Arc::ptr_eq(&a, &b));
    assert_eq!((a.name(), b.name()), ("http://a:80", "http://b:80"));
    assert_eq!(hosts.len(), 2);
    assert!(
        hosts.lookup("http://c:80").is_none(),
        "lookup creates nothing"
    );
    assert_eq!(hosts.len(), 2);
    let mut names: Vec<_> = hosts.entries().into_iter().map(|(k, _)| k).collect();
    names.sort();
    assert_eq!(names, ["http://a:80", "http://b:80"]);
}

#[test]
fn per_key_configs_names_and_customization() {
    let routes: Registry<(u8, &'static str)> =
        Registry::builder_with_names(|(shard, route): &(u8, &str)| format!("{route}#{shard}"))
            .config_for(|(shard, _): &(u8, &str)| Config {
                max_failures: u32::from(*shard) + 1,
                ..Config::default()
            })
            .customize(|(_, route), builder| {
                if *route == "/pay" {
                    // The last word: after config_for.
                    builder.config(Config {
                        max_failures: 9,
                        ..Config::default()
                    })
                } else {
                    builder
                }
            })
            .build()
            .unwrap();
    let pay = routes.get(&(2, "/pay"));
    assert_eq!(pay.name(), "/pay#2");
    assert_eq!(pay.config().max_failures, 9);
    assert_eq!(routes.get(&(0, "/list")).config().max_failures, 1);
}

#[derive(Debug, Default)]
struct Changes(Mutex<Vec<(String, State)>>);

impl EventListener for Changes {
    fn on_state_change(&self, breaker: &str, change: &StateChange) {
        self.0.lock().unwrap().push((breaker.to_owned(), change.to));
    }
}

#[test]
fn the_registry_listener_hears_every_breaker() {
    let changes = Arc::new(Changes::default());
    let hosts: Registry<String> = Registry::builder()
        .config(Config {
            max_failures: 1,
            ..Config::default()
        })
        .listener(Arc::clone(&changes))
        .build()
        .unwrap();
    trip(&hosts.get("a"));
    trip(&hosts.get("b"));
    assert_eq!(
        *changes.0.lock().unwrap(),
        [("a".to_owned(), State::Open), ("b".to_owned(), State::Open)]
    );
}

#[test]
fn idle_closed_breakers_are_forgotten_and_others_never() {
    let clock = ManualClock::new();
    let hosts = registry(&clock, 10);
    let _ = hosts.get("idle");
    trip(&hosts.get("down"));
    let forced = hosts.get("forced");
    forced.force_open();
    drop(forced);
    let closed_by_operator = hosts.get("held-closed");
    closed_by_operator.force_closed();
    drop(closed_by_operator);
    let held = hosts.get("held");
    clock.advance(IDLE - Duration::from_secs(1));
    assert_eq!(hosts.evict_idle(), 0, "not idle long enough");
    clock.advance(Duration::from_secs(1));
    assert_eq!(hosts.evict_idle(), 1);
    assert!(hosts.lookup("idle").is_none());
    for kept in ["down", "forced", "held-closed", "held"] {
        assert!(hosts.lookup(kept).is_some(), "{kept} must be kept");
    }
    assert_eq!(
        hosts.get("down").state(),
        State::Open,
        "the outage is remembered"
    );
    drop(held);
}

#[test]
fn a_lookup_keeps_a_breaker_from_going_idle() {
    let clock = ManualClock::new();
    let hosts = registry(&clock, 10);
    let _ = hosts.get("busy");
    for _ in 0..4 {
        clock.advance(IDLE / 2);
        let _ = hosts.get("busy");
    }
    assert_eq!(hosts.evict_idle(), 0);
    clock.advance(IDLE);
    assert_eq!(hosts.evict_idle(), 1);
}

#[test]
fn creating_a_breaker_sweeps_idle_ones() {
    let clock = ManualClock::new();
    let hosts = registry(&clock, 10);
    let _ = hosts.get("old");
    clock.advance(IDLE);
    let _ = hosts.get("new");
    assert!(hosts.lookup("old").is_none());
    assert_eq!(hosts.len(), 1);
}

#[test]
fn at_the_bound_the_least_recently_used_closed_breaker_goes() {
    let clock = ManualClock::new();
    let hosts = registry(&clock, 2);
    let _ = hosts.get("a");
    clock.advance(Duration::from_secs(5));
    let _ = hosts.get("b");
    clock.advance(Duration::from_secs(5));
    let _ = hosts.get("a");
    let _ = hosts.get("c");
    assert!(hosts.lookup("b").is_none(), "b was used least recently");
    assert_eq!(hosts.len(), 2);
}

#[test]
fn a_full_registry_of_open_breakers_refuses_or_shares_the_overflow_breaker() {
    let clock = ManualClock::new();
    let hosts = registry(&clock, 2);
    trip(&hosts.get("a"));
    trip(&hosts.get("b"));
    clock.advance(IDLE * 10);
    assert_eq!(
        hosts.try_get("c").unwrap_err(),
        RegistryError::Full { max_breakers: 2 }
    );
    let c = hosts.get("c");
    let d = hosts.get("d");
    assert_eq!(c.name(), "overflow");
    assert!(Arc::ptr_eq(&c, &d), "one shared overflow breaker");
    assert_eq!(hosts.overflowed(), 2);
    assert_eq!(hosts.len(), 2);
    assert!(hosts.lookup("a").is_some() && hosts.lookup("b").is_some());
    // Once an outage is over, its breaker may go again.
    hosts.get("a").reset();
    assert_eq!(hosts.get("c").name(), "c");
    assert!(hosts.lookup("a").is_none());
}

#[test]
fn a_held_breaker_is_not_evicted_at_the_bound() {
    let hosts = registry(&ManualClock::new(), 1);
    let a = hosts.get("a");
    assert_eq!(
        hosts.try_get("b").unwrap_err(),
        RegistryError::Full { max_breakers: 1 }
    );
    drop(a);
    assert_eq!(hosts.try_get("b").unwrap().name(), "b");
}

#[test]
fn a_key_with_a_broken_config_is_refused_or_gets_the_default() {
    let hosts: Registry<String> = Registry::builder()
        .config_for(|key: &String| Config {
            failure_threshold: if key == "bad" { 2.0 } else { 0.5 },
            ..Config::default()
        })
        .build()
        .unwrap();
    let Err(RegistryError::KeyConfig { breaker, source }) = hosts.try_get("bad") else {
        panic!("expected a key config error");
    };
    assert_eq!(
        (breaker.as_str(), source.field()),
        ("bad", "failure_threshold")
    );
    let bad = hosts.get("bad");
    assert_eq!(bad.name(), "bad");
    assert_eq!(
        bad.config().failure_threshold,
        Config::default().failure_threshold
    );
    assert_eq!(hosts.get("good").config().failure_threshold, 0.5);
}

#[test]
fn bad_settings_are_refused() {
    let built = |b: RegistryBuilder<String>| b.build().map(|_| ()).unwrap_err();
    assert_eq!(
        built(Registry::builder().max_breakers(0)),
        RegistryError::Setting {
            setting: "max_breakers",
            rule: "must be at least 1"
        }
    );
    assert!(matches!(
        built(Registry::builder().idle_timeout(Duration::ZERO)),
        RegistryError::Setting {
            setting: "idle_timeout",
            ..
        }
    ));
    let error = Registry::<String>::new(Config {
        max_requests: 0,
        ..Config::default()
    })
    .unwrap_err();
    assert!(matches!(&error, RegistryError::Config(e) if e.field() == "max_requests"));
    assert!(error.to_string().contains("max_requests"), "{error}");
}

#[test]
fn remove_forgets_a_breaker_in_any_state() {
    let hosts = registry(&ManualClock::new(), 10);
    trip(&hosts.get("a"));
    let removed = hosts.remove("a").unwrap();
    assert_eq!(removed.state(), State::Open);
    assert_eq!(hosts.get("a").state(), State::Closed);
    assert!(hosts.remove("zzz").is_none());
}

#[test]
fn threads_racing_for_a_new_key_share_one_breaker() {
    let hosts = Arc::new(registry(&ManualClock::new(), 10));
    let found: Vec<Arc<CircuitBreaker>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let hosts = Arc::clone(&hosts);
                s.spawn(move || hosts.get("shared"))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(found.windows(2).all(|w| Arc::ptr_eq(&w[0], &w[1])));
    assert_eq!(hosts.len(), 1);
}

#[test]
fn reconfigure_reaches_every_breaker_and_later_ones() {
    let hosts: Registry<String> = Registry::builder()
        .config_for(|key: &String| Config {
            max_failures: if key == "a" { 7 } else { 5 },
            ..Config::default()
        })
        .build()
        .unwrap();
    let a = hosts.get("a");
    trip_with(&a, 7);
    let three = Config {
        max_failures: 3,
        ..Config::default()
    };
    hosts.reconfigure(three.clone()).unwrap();
    assert_eq!(a.config().max_failures, 3);
    assert_eq!(a.state(), State::Open, "the state is kept");
    assert_eq!(hosts.get("b").config().max_failures, 3);
    let refused = hosts.reconfigure(Config {
        max_failures: 0,
        ..Config::default()
    });
    assert!(matches!(refused, Err(RegistryError::Config(e)) if e.field() == "max_failures"));
    assert_eq!(
        a.config().max_failures,
        3,
        "a refused config changes nothing"
    );
}

#[test]
fn reconfigure_key_changes_one_breaker_and_outlives_its_eviction() {
    let clock = ManualClock::new();
    let hosts = registry(&clock, 10);
    let a = hosts.get("a");
    let b = hosts.get("b");
    let nine = Config {
        max_failures: 9,
        ..Config::default()
    };
    assert_eq!(hosts.reconfigure_key("a", nine.clone()), Ok(true));
    assert_eq!((a.config().max_failures, b.config().max_failures), (9, 2));
    drop((a, b));
    clock.advance(IDLE);
    assert_eq!(hosts.evict_idle(), 2);
    assert_eq!(hosts.get("a").config().max_failures, 9);
    assert_eq!(hosts.get("b").config().max_failures, 2);
    assert_eq!(hosts.reconfigure_key("later", nine), Ok(false));
    assert_eq!(hosts.get("later").config().max_failures, 9);
    let Err(RegistryError::KeyConfig { breaker, source }) = hosts.reconfigure_key(
        "a",
        Config {
            failure_threshold: -1.0,
            ..Config::default()
        },
    ) else {
        panic!("a bad config is refused");
    };
    assert_eq!(
        (breaker.as_str(), source.field()),
        ("a", "failure_threshold")
    );
}

#[test]
fn reconfigure_with_checks_every_held_key_first() {
    let hosts = registry(&ManualClock::new(), 10);
    let (a, b) = (hosts.get("a"), hosts.get("bad"));
    let refused = hosts.reconfigure_with(|key: &String| Config {
        max_requests: if key == "bad" { 0 } else { 4 },
        ..Config::default()
    });
    assert!(matches!(refused, Err(RegistryError::KeyConfig { breaker, .. }) if breaker == "bad"));
    assert_eq!(a.config().max_requests, Config::default().max_requests);
    hosts
        .reconfigure_with(|key: &String| Config {
            max_requests: if key == "a" { 4 } else { 6 },
            ..Config::default()
        })
        .unwrap();
    assert_eq!((a.config().max_requests, b.config().max_requests), (4, 6));
    assert_eq!(hosts.get("c").config().max_requests, 6);
}

/// Keys whose breakers land in shard `shard` of `hosts`, in the order
/// they are found.
fn keys_in_shard(hosts: &Registry<String>, shard: usize, count: usize) -> Vec<String> {
    (0..)
        .map(|i| format!("https://host-{i}.example.com:443"))
        .filter(|key| hosts.shards.index(hosts.shards.hash(key.as_str())) == shard)
        .take(count)
        .collect()
}

#[test]
fn shards_follow_the_bound() {
    assert_eq!(shards::shard_count(1), 1);
    assert_eq!(shards::shard_count(DEFAULT_MAX_BREAKERS), 64);
    assert_eq!(shards::shard_count(100_000), 4096);
    assert_eq!(shards::shard_count(usize::MAX), shards::MAX_SHARDS);
    for max in [1, 17, 1000, 10_000, 70_000] {
        assert!(shards::shard_count(max).is_power_of_two(), "{max}");
    }
}

#[test]
fn keys_spread_across_shards_and_an_insert_copies_only_its_own() {
    let hosts = registry(&ManualClock::new(), 4096);
    assert_eq!(hosts.shards.count(), 256);
    for i in 0..2048 {
        let _ = hosts.get(&format!("https://host-{i}.example.com:443"));
    }
    let sizes: Vec<usize> = hosts.shards.current().map(|(_, t)| t.len()).collect();
    assert_eq!(sizes.iter().sum::<usize>(), 2048);
    assert_eq!(hosts.len(), 2048);
    // 8 keys per shard on average: a fair hash leaves few shards empty
    // (about one in 3000) and none with five times that.
    assert!(sizes.iter().filter(|&&n| n > 0).count() >= 240, "{sizes:?}");
    assert!(sizes.iter().all(|&n| n <= 40), "{sizes:?}");

    let before: Vec<_> = hosts.shards.current().map(|(_, t)| t).collect();
    let key = "https://new.example.com:443";
    let home = hosts.shards.index(hosts.shards.hash(key));
    let _ = hosts.get(key);
    for (shard, table) in hosts.shards.current() {
        assert_eq!(
            Arc::ptr_eq(&table, &before[shard]),
            shard != home,
            "shard {shard} (the key's is {home})"
        );
    }
    assert_eq!(
        hosts.shards.current().nth(home).unwrap().1.len(),
        before[home].len() + 1
    );
}

#[test]
fn the_bound_is_exact_across_shards() {
    let clock = ManualClock::new();
    let hosts = registry(&clock, 64);
    assert_eq!(hosts.shards.count(), 4);
    for i in 0..1000 {
        let _ = hosts.get(&format!("key-{i}"));
        clock.advance(Duration::from_millis(10));
        assert!(hosts.len() <= 64, "{} after {i}", hosts.len());
    }
    assert_eq!(hosts.len(), 64);
    assert_eq!(hosts.entries().len(), 64);
    assert_eq!(hosts.overflowed(), 0, "CLOSED unused breakers make room");

    // Held breakers may not go: the bound holds, the 65th key overflows.
    let held: Vec<_> = hosts.entries().into_iter().map(|(_, b)| b).collect();
    assert_eq!(
        hosts.try_get("one-more").unwrap_err(),
        RegistryError::Full { max_breakers: 64 }
    );
    assert_eq!(hosts.get("one-more").name(), "overflow");
    assert_eq!(hosts.len(), 64);
    drop(held);
    assert_eq!(hosts.get("one-more").name(), "one-more");
    assert_eq!(hosts.len(), 64);
}

#[test]
fn a_full_shard_of_outages_takes_room_from_another_shard() {
    let clock = ManualClock::new();
    let hosts = registry(&clock, 32);
    assert_eq!(hosts.shards.count(), 2);
    let down = keys_in_shard(&hosts, 0, 17);
    let up = keys_in_shard(&hosts, 1, 16);
    for key in &down[..16] {
        trip(&hosts.get(key));
    }
    for key in &up {
        clock.advance(Duration::from_secs(1));
        let _ = hosts.get(key);
    }
    assert_eq!(hosts.len(), 32);
    // Shard 0 holds only outages: the least recently used breaker of the
    // other shard goes.
    assert_eq!(hosts.get(&down[16]).name(), down[16]);
    assert_eq!(hosts.len(), 32);
    assert!(hosts.lookup(up[0].as_str()).is_none());
    assert!(
        up[1..]
            .iter()
            .all(|key| hosts.lookup(key.as_str()).is_some())
    );
    assert!(down.iter().all(|key| hosts.lookup(key.as_str()).is_some()));

    // Once shard 1's breakers are idle, all of them go at once.
    trip(&hosts.get(&down[16]));
    clock.advance(IDLE);
    let _ = hosts.get(&keys_in_shard(&hosts, 0, 18)[17]);
    assert_eq!(hosts.len(), 18);
    assert!(up.iter().all(|key| hosts.lookup(key.as_str()).is_none()));
}

#[test]
fn threads_creating_overlapping_keys_get_one_breaker_per_key() {
    let hosts = Arc::new(registry(&ManualClock::new(), 4096));
    let found: Vec<Vec<Arc<CircuitBreaker>>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let hosts = Arc::clone(&hosts);
                // Each thread walks the same 500 keys from its own start.
                s.spawn(move || {
                    let mut found: Vec<_> = (0..500)
                        .map(|i| (i + t * 125) % 500)
                        .map(|i| (i, hosts.get(&format!("key-{i}"))))
                        .collect();
                    found.sort_by_key(|(i, _)| *i);
                    found.into_iter().map(|(_, b)| b).collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for i in 0..500 {
        assert!(
            found.windows(2).all(|w| Arc::ptr_eq(&w[0][i], &w[1][i])),
            "key-{i} got two breakers"
        );
    }
    assert_eq!(hosts.len(), 500);
    assert_eq!(hosts.entries().len(), 500);
}
