//! Many tasks reading and refreshing the same keys never see a torn or
//! mixed entry, and the counters add up.

mod common;

use std::sync::Arc;
use std::time::Duration;

use circuit_core::ManualClock;
use common::{BudgetResponseModel, MatchRequest, MatchResponseModel};
use fallback_cache::budget::Ratio;
use fallback_cache::kol::KolFallbacks;
use fallback_cache::{CacheKey, FallbackReason, Lookup, ResponseCache, kind};

const WRITERS: u64 = 16;
const READERS: u64 = 32;
const ROUNDS: u64 = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn readers_never_see_torn_entries_while_writers_refresh() {
    let clock = ManualClock::new();
    let cache = ResponseCache::builder()
        .max_entries(64)
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let kol = Arc::new(
        KolFallbacks::<MatchResponseModel, BudgetResponseModel>::new(cache, Ratio::DEFAULT)
            .unwrap(),
    );
    let requests: Arc<Vec<MatchRequest>> = Arc::new(
        (0..4)
            .map(|i| MatchRequest::new(&format!("c-{i}"), &["tech", "beauty"]))
            .collect(),
    );

    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let (kol, requests) = (Arc::clone(&kol), Arc::clone(&requests));
        tasks.push(tokio::spawn(async move {
            for round in 0..ROUNDS {
                let request = &requests[usize::try_from((w + round) % 4).unwrap()];
                kol.record_match(request, &MatchResponseModel::seeded(w * 1_000_000 + round));
                tokio::task::yield_now().await;
            }
            0_u64
        }));
    }
    for r in 0..READERS {
        let (kol, requests, clock) = (Arc::clone(&kol), Arc::clone(&requests), clock.clone());
        tasks.push(tokio::spawn(async move {
            let reason = FallbackReason::CircuitOpen {
                retry_after: Duration::from_secs(1),
            };
            let mut executions = 0;
            for round in 0..ROUNDS {
                let request = &requests[usize::try_from((r + round) % 4).unwrap()];
                if let Lookup::Fresh(hit) | Lookup::Stale(hit) =
                    kol.match_cache().lookup(&request.cache_key())
                {
                    assert!(hit.value.is_consistent(), "torn entry: {:?}", hit.value);
                }
                let served = kol.match_fallback(request, &reason).await.unwrap();
                executions += 1;
                let response = served.response;
                if response.meta.algorithm_used == kind::CACHE {
                    let mut expected = MatchResponseModel::seeded(response.total_candidates);
                    expected.meta.algorithm_used = kind::CACHE.to_owned();
                    assert_eq!(response, expected, "mixed entry");
                } else {
                    assert_eq!(response.meta.algorithm_used, kind::EMPTY);
                    assert!(response.matches.is_empty());
                }
                if round % 50 == 0 {
                    clock.advance(Duration::from_millis(1));
                }
                tokio::task::yield_now().await;
            }
            executions
        }));
    }
    let mut executions = 0;
    for task in tasks {
        executions += task.await.unwrap();
    }

    let stats = kol.stats();
    assert_eq!(stats.executions, executions);
    assert_eq!(
        stats.executions,
        stats.cache_hits + stats.stale_serves + stats.fallback_serves + stats.declines
    );
    assert_eq!(
        stats.cache_misses, stats.fallback_serves,
        "every empty answer followed a cache miss"
    );
    assert_eq!(stats.declines, 0);
    // Every key ends holding one writer's complete last value.
    for (i, request) in requests.iter().enumerate() {
        let hit = kol
            .match_cache()
            .stale_if_error(&request.cache_key())
            .unwrap();
        assert!(hit.value.is_consistent());
        let (writer, round) = (
            hit.value.total_candidates / 1_000_000,
            hit.value.total_candidates % 1_000_000,
        );
        assert_eq!(
            usize::try_from((writer + round) % 4).unwrap(),
            i,
            "a value written for another key"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_budget_fallbacks_are_all_exact() {
    let cache = ResponseCache::builder().build().unwrap();
    let kol = Arc::new(
        KolFallbacks::<MatchResponseModel, BudgetResponseModel>::new(cache, Ratio::DEFAULT)
            .unwrap(),
    );
    let mut tasks = Vec::new();
    for t in 0..64_u32 {
        let kol = Arc::clone(&kol);
        tasks.push(tokio::spawn(async move {
            let total = f64::from(t) * 1_234.57 + 0.01;
            let request = common::BudgetRequestModel {
                campaign_id: format!("c-{t}"),
                total_budget: total,
                kol_ids: (0..=t % 7).map(|k| format!("kol-{k}")).collect(),
                max_per_kol: None,
            };
            let reason = FallbackReason::Failure {
                description: "HTTP 500".into(),
            };
            let response = kol
                .budget_fallback(&request, &reason)
                .await
                .unwrap()
                .response;
            assert_eq!(response.total_allocated + response.remaining_budget, total);
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let stats = kol.stats();
    assert_eq!((stats.executions, stats.fallback_serves), (64, 64));
}

/// Writers keep confirming the same answers while the clock moves: readers
/// always see a whole value for the right key, never an age older than
/// the last confirmation that had finished, and the final ages are exact.
#[test]
fn concurrent_confirmations_keep_ages_exact() {
    use circuit_core::Clock as _;
    use std::sync::atomic::{AtomicU64, Ordering};

    const KEYS: u64 = 4;
    const THREADS: u64 = 4;
    let clock = ManualClock::new();
    let cache = ResponseCache::<u64, MatchResponseModel>::builder()
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    for key in 0..KEYS {
        cache.insert(key, MatchResponseModel::seeded(key));
    }
    let nanos = |d: Duration| u64::try_from(d.as_nanos()).unwrap();
    // Per key: the clock reading of the latest confirmation known complete.
    let confirmed: Vec<AtomicU64> = (0..KEYS).map(|_| AtomicU64::new(0)).collect();

    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (cache, clock, confirmed) = (&cache, &clock, &confirmed);
            s.spawn(move || {
                for round in 0..ROUNDS * 10 {
                    let key = (t + round) % KEYS;
                    let at = clock.now();
                    let outcome = cache.refresh(&key, &MatchResponseModel::seeded(key));
                    assert!(
                        matches!(outcome, fallback_cache::Refresh::Confirmed { .. }),
                        "{outcome:?}"
                    );
                    confirmed[usize::try_from(key).unwrap()].fetch_max(nanos(at), Ordering::SeqCst);
                    if round % 7 == 0 {
                        clock.advance(Duration::from_micros(3));
                    }
                }
            });
        }
        for t in 0..THREADS {
            let (cache, clock, confirmed) = (&cache, &clock, &confirmed);
            s.spawn(move || {
                for round in 0..ROUNDS * 10 {
                    let key = (t + round) % KEYS;
                    let floor = confirmed[usize::try_from(key).unwrap()].load(Ordering::SeqCst);
                    let hit = cache.stale_if_error(&key).unwrap();
                    let ceiling = nanos(clock.now());
                    assert!(hit.value.is_consistent(), "torn entry: {:?}", hit.value);
                    assert_eq!(hit.value.total_candidates, key, "another key's value");
                    assert!(
                        nanos(hit.age) <= ceiling - floor,
                        "age {:?} older than the last finished confirmation",
                        hit.age
                    );
                    if round % 11 == 0 {
                        clock.advance(Duration::from_micros(5));
                    }
                }
            });
        }
    });

    // Concurrent confirmations with the clock held still: afterwards every
    // age is exactly the time since, as after a single refresh.
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            let cache = &cache;
            s.spawn(move || {
                for key in 0..KEYS {
                    cache.refresh(&key, &MatchResponseModel::seeded(key));
                }
            });
        }
    });
    clock.advance(Duration::from_millis(1500));
    for key in 0..KEYS {
        let hit = cache.stale_if_error(&key).unwrap();
        assert_eq!(hit.age, Duration::from_millis(1500));
    }
}

/// Writers alternate between two answers per key, so refreshes both renew
/// in place and replace, racing with each other and with readers.
#[test]
fn mixed_confirmations_and_replacements_never_tear() {
    const KEYS: u64 = 4;
    let clock = ManualClock::new();
    let cache = ResponseCache::<u64, MatchResponseModel>::builder()
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let answer = |key: u64, variant: u64| MatchResponseModel::seeded(key + KEYS * variant);
    std::thread::scope(|s| {
        for t in 0..4_u64 {
            let cache = &cache;
            s.spawn(move || {
                for round in 0..ROUNDS * 10 {
                    let key = (t + round) % KEYS;
                    cache.refresh(&key, &answer(key, (round / 3 + t) % 2));
                }
            });
        }
        for t in 0..4_u64 {
            let (cache, clock) = (&cache, &clock);
            s.spawn(move || {
                for round in 0..ROUNDS * 10 {
                    let key = (t + round) % KEYS;
                    if let Some(hit) = cache.stale_if_error(&key) {
                        assert!(hit.value.is_consistent(), "torn entry: {:?}", hit.value);
                        assert_eq!(
                            hit.value.total_candidates % KEYS,
                            key,
                            "another key's value"
                        );
                    }
                    if round % 13 == 0 {
                        clock.advance(Duration::from_micros(1));
                    }
                }
            });
        }
    });
    for key in 0..KEYS {
        let hit = cache.stale_if_error(&key).unwrap();
        assert!(*hit.value == answer(key, 0) || *hit.value == answer(key, 1));
    }
}
