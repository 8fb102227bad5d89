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
