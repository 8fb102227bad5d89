use std::sync::Arc;
use std::time::Duration;

use circuit_core::ManualClock;

use super::*;
use crate::{Error, Freshness};

const FRESH: Duration = Duration::from_secs(60);
const STALE: Duration = Duration::from_secs(600);

fn cache(clock: &ManualClock) -> ResponseCache<String, String> {
    ResponseCache::builder()
        .fresh_for(FRESH)
        .stale_if_error(STALE)
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap()
}

fn kind(lookup: &Lookup<String>) -> &'static str {
    match lookup {
        Lookup::Fresh(_) => "fresh",
        Lookup::Stale(_) => "stale",
        Lookup::Expired { .. } => "expired",
        Lookup::Miss => "miss",
    }
}

#[test]
fn fresh_stale_and_expired_boundaries() {
    let clock = ManualClock::new();
    let cache = cache(&clock);
    assert_eq!(kind(&cache.lookup("k")), "miss");
    cache.insert("k".into(), "v".into());

    let tick = Duration::from_nanos(1);
    let cases = [
        (Duration::ZERO, "fresh"),
        (FRESH - tick, "fresh"),
        (FRESH, "stale"),
        (FRESH + STALE - tick, "stale"),
        (FRESH + STALE, "expired"),
        (FRESH + STALE + Duration::from_secs(3600), "expired"),
    ];
    let mut now = Duration::ZERO;
    for (age, expected) in cases {
        clock.advance(age - now);
        now = age;
        let lookup = cache.lookup("k");
        assert_eq!(kind(&lookup), expected, "at age {age:?}");
        match lookup {
            Lookup::Fresh(hit) | Lookup::Stale(hit) => {
                assert_eq!(hit.age, age);
                assert_eq!(*hit.value, "v");
            }
            Lookup::Expired { age: seen } => assert_eq!(seen, age),
            Lookup::Miss => unreachable!("entry was inserted"),
        }
    }
}

#[test]
fn fresh_and_stale_if_error_reads() {
    let clock = ManualClock::new();
    let cache = cache(&clock);
    cache.insert("k".into(), "v".into());
    assert!(cache.fresh("k").is_some());
    clock.advance(FRESH);
    assert!(
        cache.fresh("k").is_none(),
        "stale entries are not served to normal reads"
    );
    let hit = cache.stale_if_error("k").unwrap();
    assert_eq!((hit.freshness, hit.age), (Freshness::Stale, FRESH));
    assert_eq!(
        hit.provenance(),
        crate::Provenance::Cache {
            age: FRESH,
            freshness: Freshness::Stale,
            max_age: FRESH + STALE,
        }
    );
    clock.advance(STALE);
    assert!(cache.stale_if_error("k").is_none());
}

#[test]
fn refreshing_resets_the_age() {
    let clock = ManualClock::new();
    let cache = cache(&clock);
    cache.insert("k".into(), "old".into());
    clock.advance(FRESH + Duration::from_secs(5));
    cache.insert("k".into(), "new".into());
    let hit = cache.fresh("k").unwrap();
    assert_eq!((hit.age, hit.value.as_str()), (Duration::ZERO, "new"));
}

#[test]
fn refreshing_an_equal_value_renews_it_in_place_with_an_exact_age() {
    let clock = ManualClock::new();
    let cache = cache(&clock);
    assert_eq!(cache.refresh("k", &"v".to_owned()), Refresh::Stored);
    let stored = cache.fresh("k").unwrap();
    clock.advance(FRESH + Duration::from_secs(7));
    assert_eq!(kind(&cache.lookup("k")), "stale");

    assert_eq!(
        cache.refresh("k", &"v".to_owned()),
        Refresh::Confirmed { due: true }
    );
    let renewed = cache.fresh("k").unwrap();
    assert_eq!(renewed.age, Duration::ZERO);
    assert!(
        Arc::ptr_eq(&renewed.value, &stored.value),
        "the cached value is kept, not copied"
    );

    // The windows restart from the refresh, to the nanosecond.
    let tick = Duration::from_nanos(1);
    clock.advance(FRESH - tick);
    assert_eq!(
        cache.lookup("k"),
        Lookup::Fresh(Hit {
            age: FRESH - tick,
            ..renewed.clone()
        })
    );
    clock.advance(tick);
    assert_eq!(kind(&cache.lookup("k")), "stale");
    clock.advance(STALE);
    assert_eq!(cache.lookup("k"), Lookup::Expired { age: FRESH + STALE });
}

#[test]
fn refreshing_a_different_value_replaces_it() {
    let clock = ManualClock::new();
    let cache = cache(&clock);
    cache.insert("k".into(), "old".into());
    clock.advance(Duration::from_secs(5));
    assert_eq!(cache.refresh("k", &"new".to_owned()), Refresh::Stored);
    let hit = cache.fresh("k").unwrap();
    assert_eq!((hit.age, hit.value.as_str()), (Duration::ZERO, "new"));
    assert_eq!(cache.refresh("other", &"x".to_owned()), Refresh::Stored);
    assert_eq!(*cache.fresh("other").unwrap().value, "x");
}

#[test]
fn refresh_by_decides_what_counts_as_the_same() {
    let clock = ManualClock::new();
    let cache = cache(&clock);
    // Values are "answer@timing"; only the answer counts.
    let answer =
        |cached: &String, live: &String| cached.split('@').next() == live.split('@').next();
    cache.insert("k".into(), "yes@1ms".into());
    clock.advance(Duration::from_secs(5));
    assert_eq!(
        cache.refresh_by("k", &"yes@2ms".to_owned(), answer),
        Refresh::Confirmed { due: true }
    );
    let hit = cache.fresh("k").unwrap();
    assert_eq!((hit.age, hit.value.as_str()), (Duration::ZERO, "yes@1ms"));
    assert_eq!(
        cache.refresh_by("k", &"no@3ms".to_owned(), answer),
        Refresh::Stored
    );
    assert_eq!(*cache.fresh("k").unwrap().value, "no@3ms");
}

#[test]
fn refreshing_revives_an_expired_entry_still_held() {
    let clock = ManualClock::new();
    let cache = cache(&clock);
    cache.insert("k".into(), "v".into());
    clock.advance(FRESH + STALE + Duration::from_secs(1));
    assert_eq!(kind(&cache.lookup("k")), "expired");
    cache.refresh("k", &"v".to_owned());
    assert_eq!(cache.fresh("k").unwrap().age, Duration::ZERO);
}

#[test]
fn an_entry_that_arrived_old_is_replaced_not_renewed() {
    let clock = ManualClock::new();
    let cache = cache(&clock);
    assert!(cache.insert_with_age("k".into(), "v".into(), FRESH));
    let loaded = cache.stale_if_error("k").unwrap();
    assert_eq!(cache.refresh("k", &"v".to_owned()), Refresh::Stored);
    let hit = cache.fresh("k").unwrap();
    assert_eq!(hit.age, Duration::ZERO);
    assert!(!Arc::ptr_eq(&hit.value, &loaded.value));
    clock.advance(Duration::from_secs(3));
    assert_eq!(
        cache.refresh("k", &"v".to_owned()),
        Refresh::Confirmed { due: true }
    );
    assert_eq!(cache.fresh("k").unwrap().age, Duration::ZERO);
}

#[test]
fn refresh_respects_a_weight_bound() {
    let cache = ResponseCache::<u32, String>::builder()
        .max_weight(100, |_, v: &String| {
            u32::try_from(v.len()).unwrap_or(u32::MAX)
        })
        .build()
        .unwrap();
    for round in 0..3 {
        for i in 0..50 {
            cache.refresh(&i, &"x".repeat(10 + round));
        }
    }
    cache.run_pending_tasks();
    assert!(
        cache.weighted_size() <= 100,
        "weighs {}",
        cache.weighted_size()
    );
}

#[test]
fn entries_that_arrive_old_keep_their_age() {
    let clock = ManualClock::new();
    let cache = cache(&clock);
    assert!(cache.insert_with_age("k".into(), "v".into(), FRESH + Duration::from_secs(1)));
    assert_eq!(kind(&cache.lookup("k")), "stale");
    clock.advance(STALE);
    assert_eq!(kind(&cache.lookup("k")), "expired");
    assert!(!cache.insert_with_age("gone".into(), "v".into(), FRESH + STALE));
    assert_eq!(kind(&cache.lookup("gone")), "miss");
}

#[test]
fn capacity_by_entries_evicts() {
    let cache = ResponseCache::<u32, u32>::builder()
        .max_entries(8)
        .build()
        .unwrap();
    for i in 0..100 {
        cache.insert(i, i);
    }
    cache.run_pending_tasks();
    assert!(cache.entry_count() <= 8, "holds {}", cache.entry_count());
    assert!(cache.entry_count() > 0);
    let servable = cache.entries();
    assert_eq!(u64::try_from(servable.len()).unwrap(), cache.entry_count());
    assert!(servable.iter().all(|(k, hit)| **k == *hit.value));
}

#[test]
fn capacity_by_weight_evicts() {
    let cache = ResponseCache::<u32, String>::builder()
        .max_weight(100, |_, v: &String| {
            u32::try_from(v.len()).unwrap_or(u32::MAX)
        })
        .build()
        .unwrap();
    for i in 0..50 {
        cache.insert(i, "x".repeat(10));
    }
    cache.run_pending_tasks();
    assert!(
        cache.weighted_size() <= 100,
        "weighs {}",
        cache.weighted_size()
    );
    assert!(cache.entry_count() <= 10);
}

#[test]
fn capacity_by_bytes_and_entries_both_hold() {
    let by_bytes = |entries: u64| {
        ResponseCache::<u32, String>::builder()
            .max_entries(entries)
            .max_bytes(10_000, |_, v: &String| v.len())
            .build()
            .unwrap()
    };
    // Big answers: the byte bound binds long before the entry bound.
    let big = by_bytes(1_000);
    for i in 0..100 {
        big.insert(i, "x".repeat(1_000));
    }
    big.run_pending_tasks();
    assert!(
        big.weighted_size() <= 10_000,
        "weighs {}",
        big.weighted_size()
    );
    assert!(
        (1..=10).contains(&big.entry_count()),
        "holds {}",
        big.entry_count()
    );

    // Tiny answers: each counts as its share (10 000 / 20 = 500 bytes), so
    // the entry bound still holds.
    let small = by_bytes(20);
    for i in 0..100 {
        small.insert(i, "x".to_owned());
    }
    small.run_pending_tasks();
    assert!(small.entry_count() <= 20, "holds {}", small.entry_count());
    assert!(small.entry_count() > 0);

    assert!(matches!(
        ResponseCache::<u32, String>::builder()
            .max_bytes(0, |_, v: &String| v.len())
            .build(),
        Err(Error::InvalidConfig(_))
    ));
}

#[test]
fn invalidation() {
    let clock = ManualClock::new();
    let cache = cache(&clock);
    cache.insert("a".into(), "1".into());
    cache.insert("b".into(), "2".into());
    cache.invalidate("a");
    assert_eq!(kind(&cache.lookup("a")), "miss");
    cache.invalidate_all();
    assert_eq!(kind(&cache.lookup("b")), "miss");
}

#[test]
fn builder_rejects_useless_configs() {
    let zero_capacity = ResponseCache::<u32, u32>::builder().max_entries(0).build();
    assert!(matches!(zero_capacity, Err(Error::InvalidConfig(_))));
    let zero_age = ResponseCache::<u32, u32>::builder()
        .fresh_for(Duration::ZERO)
        .stale_if_error(Duration::ZERO)
        .build();
    assert!(matches!(zero_age, Err(Error::InvalidConfig(_))));
    let only_stale = ResponseCache::<u32, u32>::builder()
        .fresh_for(Duration::ZERO)
        .build()
        .unwrap();
    only_stale.insert(1, 1);
    assert!(only_stale.fresh(&1).is_none());
    assert!(only_stale.stale_if_error(&1).is_some());
}

#[test]
fn windows_longer_than_moka_can_time_still_build() {
    let clock = ManualClock::new();
    let cache = ResponseCache::<u32, u32>::builder()
        .fresh_for(Duration::MAX)
        .stale_if_error(Duration::MAX)
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    cache.insert(1, 1);
    clock.advance(Duration::from_secs(1 << 40));
    assert!(cache.fresh(&1).is_some());
}

#[test]
fn staleness_classifies_half_open_windows() {
    let s = Staleness {
        fresh_for: Duration::from_secs(1),
        stale_if_error: Duration::from_secs(2),
    };
    assert_eq!(s.max_age(), Duration::from_secs(3));
    assert_eq!(
        s.classify(Duration::from_millis(999)),
        Some(Freshness::Fresh)
    );
    assert_eq!(s.classify(Duration::from_secs(1)), Some(Freshness::Stale));
    assert_eq!(s.classify(Duration::from_secs(3)), None);
    let saturating = Staleness {
        fresh_for: Duration::MAX,
        stale_if_error: Duration::MAX,
    };
    assert_eq!(saturating.max_age(), Duration::MAX);
}

#[test]
fn debug_shows_configuration() {
    let clock = ManualClock::new();
    let text = format!("{:?}", cache(&clock));
    assert!(
        text.contains("ResponseCache") && text.contains("fresh_for"),
        "{text}"
    );
}
