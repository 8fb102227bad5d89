//! The KOL fallbacks against stand-ins for the client's models.

mod common;

use std::sync::Arc;
use std::time::Duration;

use circuit_core::ManualClock;
use common::{BudgetRequestModel, BudgetResponseModel, MatchRequest, MatchResponseModel};
use fallback_cache::budget::Ratio;
use fallback_cache::kol::KolFallbacks;
use fallback_cache::{
    CacheFallback, CacheKey, Declined, FallbackChain, FallbackReason, FallbackStats, Freshness,
    Provenance, ResponseCache, Served, from_fn, kind,
};
use pollster::block_on;

const FRESH: Duration = Duration::from_secs(60);
const STALE: Duration = Duration::from_secs(600);

type Kol = KolFallbacks<MatchResponseModel, BudgetResponseModel>;

fn fallbacks(clock: &ManualClock) -> Kol {
    let cache = ResponseCache::builder()
        .fresh_for(FRESH)
        .stale_if_error(STALE)
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    KolFallbacks::new(cache, Ratio::DEFAULT).unwrap()
}

fn open() -> FallbackReason {
    FallbackReason::CircuitOpen {
        retry_after: Duration::from_secs(30),
    }
}

fn budget_request(total: f64, kols: &[&str]) -> BudgetRequestModel {
    BudgetRequestModel {
        campaign_id: "c-1".into(),
        total_budget: total,
        kol_ids: kols.iter().map(|k| (*k).to_owned()).collect(),
        max_per_kol: None,
    }
}

#[test]
fn match_falls_back_to_cache_then_empty() {
    let clock = ManualClock::new();
    let kol = fallbacks(&clock);
    let request = MatchRequest::new("c-1", &["tech", "beauty"]);

    let empty = block_on(kol.match_fallback(&request, &open())).unwrap();
    assert!(empty.response.matches.is_empty());
    assert_eq!(empty.response.meta.algorithm_used, kind::EMPTY);
    assert_eq!(empty.provenance, Provenance::fallback(kind::EMPTY));

    let live = MatchResponseModel::seeded(7);
    kol.record_match(&request, &live);
    clock.advance(Duration::from_secs(5));

    // The same request, spelled differently, is served from the cache.
    let mut same = MatchRequest::new("c-1", &["beauty", "tech", "tech"]);
    same.platforms = Some(
        common::ALL_PLATFORMS
            .iter()
            .rev()
            .map(|p| (*p).to_owned())
            .collect(),
    );
    let cached = block_on(kol.match_fallback(&same, &open())).unwrap();
    assert_eq!(cached.response.matches, live.matches);
    assert_eq!(cached.response.meta.algorithm_used, kind::CACHE);
    assert_eq!(
        cached.provenance,
        Provenance::Cache {
            age: Duration::from_secs(5),
            freshness: Freshness::Fresh,
            max_age: FRESH + STALE,
        }
    );

    clock.advance(FRESH);
    let stale = block_on(kol.match_fallback(
        &request,
        &FallbackReason::Timeout {
            after: Duration::from_secs(10),
        },
    ))
    .unwrap();
    assert_eq!(stale.provenance.age(), Some(FRESH + Duration::from_secs(5)));
    assert_eq!(stale.response.meta.algorithm_used, kind::CACHE);

    clock.advance(STALE);
    let expired = block_on(kol.match_fallback(&request, &open())).unwrap();
    assert_eq!(expired.response.meta.algorithm_used, kind::EMPTY);

    let other =
        block_on(kol.match_fallback(&MatchRequest::new("c-2", &["tech"]), &open())).unwrap();
    assert_eq!(other.response.meta.algorithm_used, kind::EMPTY);

    assert_eq!(
        kol.stats(),
        FallbackStats {
            executions: 5,
            cache_hits: 1,
            stale_serves: 1,
            cache_misses: 3,
            fallback_serves: 3,
            declines: 0
        }
    );
}

#[test]
fn budget_fallback_is_conservative_and_exact() {
    let clock = ManualClock::new();
    let kol = fallbacks(&clock);
    let request = budget_request(12_345.67, &["a", "b", "c"]);
    let served = block_on(kol.budget_fallback(&request, &open())).unwrap();
    assert_eq!(served.provenance, Provenance::fallback(kind::CONSERVATIVE));

    let response = served.response;
    assert_eq!(response.algorithm_used, "fallback-conservative");
    assert_eq!((response.confidence, response.efficiency_score), (0.5, 0.5));
    assert_eq!(
        response.total_allocated + response.remaining_budget,
        12_345.67
    );
    assert_eq!(response.total_allocated, 9_876.53);
    let amounts: Vec<f64> = response
        .allocation
        .iter()
        .map(|a| a.allocated_budget)
        .collect();
    assert_eq!(amounts, [3_292.18, 3_292.18, 3_292.17]);
    let priorities: Vec<u32> = response.allocation.iter().map(|a| a.priority).collect();
    assert_eq!(priorities, [1, 2, 3]);
    assert!(
        response
            .allocation
            .iter()
            .all(|a| a.reasoning == "Conservative allocation due to service degradation")
    );
}

#[test]
fn budget_fallback_weights_by_last_known_scores() {
    let clock = ManualClock::new();
    let kol = fallbacks(&clock);
    let mut live = MatchResponseModel::seeded(1);
    live.matches[0].score = 0.9;
    live.matches[1].score = 0.3;
    kol.record_match(&MatchRequest::new("c-1", &["tech"]), &live);

    let request = budget_request(1000.0, &["kol-1-0", "kol-1-1", "unknown"]);
    let response = block_on(kol.budget_fallback(&request, &open()))
        .unwrap()
        .response;
    let amounts: Vec<f64> = response
        .allocation
        .iter()
        .map(|a| a.allocated_budget)
        .collect();
    // 0.9 : 0.3 : 0.6 (the mean, for the KOL without a score) of 800.
    assert_eq!(amounts, [400.0, 133.33, 266.67]);
    assert_eq!(response.total_allocated, 800.0);

    // Scores age out like cached responses.
    clock.advance(FRESH + STALE);
    let response = block_on(kol.budget_fallback(&request, &open()))
        .unwrap()
        .response;
    let amounts: Vec<f64> = response
        .allocation
        .iter()
        .map(|a| a.allocated_budget)
        .collect();
    assert_eq!(amounts, [266.67, 266.67, 266.66]);
}

#[test]
fn budget_fallback_honours_max_per_kol_and_declines_invalid_budgets() {
    let clock = ManualClock::new();
    let kol = fallbacks(&clock);
    let mut capped = budget_request(1000.0, &["a", "b"]);
    capped.max_per_kol = Some(150.0);
    let response = block_on(kol.budget_fallback(&capped, &open()))
        .unwrap()
        .response;
    assert_eq!(
        (response.total_allocated, response.remaining_budget),
        (300.0, 700.0)
    );

    let declined =
        block_on(kol.budget_fallback(&budget_request(f64::NAN, &["a"]), &open())).unwrap_err();
    assert!(matches!(declined, Declined::NotApplicable(_)), "{declined}");
    assert_eq!(kol.stats().declines, 1);
}

#[test]
fn the_match_chain_can_be_replaced() {
    let clock = ManualClock::new();
    let kol = fallbacks(&clock);
    let custom = FallbackChain::new("match-kols")
        .then(CacheFallback::new(kol.match_cache().clone()))
        .then(from_fn("refuse", |_: &MatchRequest, _: &FallbackReason| {
            Err::<Served<MatchResponseModel>, _>(Declined::NotApplicable(
                "no empty answers here".into(),
            ))
        }));
    let kol = kol.with_match_chain(custom);
    let result = block_on(kol.match_fallback(&MatchRequest::new("c", &["x"]), &open()));
    assert!(matches!(result, Err(Declined::NotApplicable(_))));
    assert_eq!(kol.match_chain().step_names(), [kind::CACHE, "refuse"]);
    assert_eq!(
        kol.stats().declines,
        1,
        "replaced chains count into the shared counters"
    );
    assert!(format!("{kol:?}").contains("KolFallbacks"));
}

#[test]
fn a_replaced_chain_cannot_serve_an_unmarked_cached_answer() {
    let clock = ManualClock::new();
    let kol = fallbacks(&clock);
    let request = MatchRequest::new("c", &["tech"]);
    kol.record_match(&request, &MatchResponseModel::seeded(3));
    // A plain cache step, without `marking`: the bundle marks the answer.
    let unmarked =
        FallbackChain::new("match-kols").then(CacheFallback::new(kol.match_cache().clone()));
    let kol = kol.with_match_chain(unmarked);
    clock.advance(Duration::from_secs(2));
    let served = block_on(kol.match_fallback(&request, &open())).unwrap();
    assert_eq!(served.response.meta.algorithm_used, kind::CACHE);
    assert_eq!(served.provenance.age(), Some(Duration::from_secs(2)));
    assert_eq!(
        served.response.matches,
        MatchResponseModel::seeded(3).matches
    );
}

#[test]
fn scores_outside_the_contract_range_are_clamped_before_planning() {
    let clock = ManualClock::new();
    let kol = fallbacks(&clock);
    let mut live = MatchResponseModel::seeded(1);
    live.matches[0].score = 1e300;
    live.matches[1].score = -4.0;
    live.matches[2].score = 0.5;
    kol.record_match(&MatchRequest::new("c-1", &["tech"]), &live);
    assert_eq!(kol.scores().score("kol-1-0"), Some(1.0));
    assert_eq!(kol.scores().score("kol-1-1"), Some(0.0));

    let request = budget_request(1000.0, &["kol-1-0", "kol-1-1", "kol-1-2"]);
    let amounts: Vec<f64> = block_on(kol.budget_fallback(&request, &open()))
        .unwrap()
        .response
        .allocation
        .iter()
        .map(|a| a.allocated_budget)
        .collect();
    // 1 : 0 : 0.5 of 800; unclamped, 1e300 would have taken all of it and
    // -4 would have counted as unknown (the mean).
    assert_eq!(amounts, [533.33, 0.0, 266.67]);
}

#[test]
fn record_match_renews_an_unchanged_answer_in_place() {
    let clock = ManualClock::new();
    let kol = fallbacks(&clock);
    let request = MatchRequest::new("c-1", &["tech"]);
    let key = request.cache_key();
    kol.record_match(&request, &MatchResponseModel::seeded(7));
    let first = kol.match_cache().fresh(&key).unwrap();

    clock.advance(FRESH + Duration::from_secs(1));
    kol.record_match(&request, &MatchResponseModel::seeded(7));
    let renewed = kol.match_cache().fresh(&key).unwrap();
    assert_eq!(renewed.age, Duration::ZERO);
    assert!(
        Arc::ptr_eq(&first.value, &renewed.value),
        "no copy was stored"
    );

    clock.advance(Duration::from_secs(5));
    let served = block_on(kol.match_fallback(&request, &open())).unwrap();
    assert_eq!(
        served.provenance,
        Provenance::Cache {
            age: Duration::from_secs(5),
            freshness: Freshness::Fresh,
            max_age: FRESH + STALE,
        }
    );

    kol.record_match(&request, &MatchResponseModel::seeded(8));
    let replaced = kol.match_cache().fresh(&key).unwrap();
    assert_eq!(
        (&*replaced.value, replaced.age),
        (&MatchResponseModel::seeded(8), Duration::ZERO)
    );
}

#[test]
fn the_score_book_renews_known_scores_and_still_forgets_stale_ones() {
    let clock = ManualClock::new();
    let kol = fallbacks(&clock);
    let request = MatchRequest::new("c-1", &["tech"]);
    let live = MatchResponseModel::seeded(7);
    kol.record_match(&request, &live);
    let scores = kol.scores();
    let first = scores.cache().fresh("kol-7-0").unwrap();

    clock.advance(FRESH + Duration::from_secs(30));
    assert_eq!(
        scores.cache().stale_if_error("kol-7-0").unwrap().freshness,
        Freshness::Stale
    );
    kol.record_match(&request, &live);
    let renewed = scores.cache().fresh("kol-7-0").unwrap();
    assert_eq!(renewed.age, Duration::ZERO);
    assert!(
        Arc::ptr_eq(&first.value, &renewed.value),
        "renewed in place"
    );

    let tick = Duration::from_nanos(1);
    clock.advance(FRESH + STALE - tick);
    assert_eq!(scores.score("kol-7-0"), Some(0.5));
    clock.advance(tick);
    assert_eq!(scores.score("kol-7-0"), None, "expired at the maximum age");

    scores.record("kol-7-0", 0.75);
    assert_eq!(scores.score("kol-7-0"), Some(0.75));
    scores.record("kol-7-0", 0.25);
    assert_eq!(
        scores.score("kol-7-0"),
        Some(0.25),
        "a changed score replaces"
    );
    scores.record("kol-7-0", f64::NAN);
    assert_eq!(scores.score("kol-7-0"), Some(0.25));
}

#[test]
fn scores_of_an_answer_confirmed_again_and_again_are_renewed_once_per_period() {
    let clock = ManualClock::new();
    let kol = fallbacks(&clock);
    let renewal = kol.score_renewal();
    assert_eq!(renewal, Duration::from_secs(1), "FRESH / 60");
    let request = MatchRequest::new("c-1", &["tech"]);
    let live = MatchResponseModel::seeded(7);
    kol.record_match(&request, &live);
    let tick = Duration::from_millis(100);
    let mut oldest = Duration::ZERO;
    for _ in 0..100 {
        clock.advance(tick);
        kol.record_match(&request, &live);
        let age = kol.scores().cache().fresh("kol-7-0").unwrap().age;
        oldest = oldest.max(age);
        // The answer itself is renewed on every success, to the tick.
        assert_eq!(
            kol.match_cache().fresh(&request.cache_key()).unwrap().age,
            Duration::ZERO
        );
    }
    assert!(oldest < renewal, "a score lagged {oldest:?}");
    assert!(
        oldest >= renewal - tick,
        "scores were renewed more often than needed: {oldest:?}"
    );
}
