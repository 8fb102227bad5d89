//! The refresh every live success pays stays within its allocation budget:
//! nothing at all when the answer and the scores are unchanged (the key is
//! built in reused buffers and only its text is looked up), one allocation
//! for a key made to be kept.
//!
//! The counting allocator sees the whole process, so this binary holds a
//! single test. Counts, not times: they do not depend on the machine.

mod common;

use std::alloc::System;
use std::hint::black_box;

use common::{BudgetResponseModel, KolMatch, MatchRequest, MatchResponseModel};
use fallback_cache::budget::Ratio;
use fallback_cache::kol::KolFallbacks;
use fallback_cache::{CacheKey, ResponseCache};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const CALLS: usize = 1_000;

fn allocations_per_call(mut call: impl FnMut()) -> f64 {
    for _ in 0..CALLS {
        call();
    }
    let region = Region::new(GLOBAL);
    for _ in 0..CALLS {
        call();
    }
    let stats = region.change();
    (stats.allocations + stats.reallocations) as f64 / CALLS as f64
}

#[test]
fn steady_state_refreshes_allocate_only_the_key() {
    let request = MatchRequest::new("spring-launch", &["beauty", "fashion"]);
    let key = allocations_per_call(|| {
        black_box(request.cache_key());
    });
    assert!(key <= 1.0, "a canonical key took {key} allocations");
    let lent = allocations_per_call(|| {
        request.with_cache_key(&mut |k| {
            black_box(k);
        });
    });
    assert_eq!(lent, 0.0, "a key lent in place allocates nothing");

    let mut live = MatchResponseModel::seeded(1);
    live.matches = (0..10)
        .map(|i| KolMatch {
            kol_id: format!("kol-{i}"),
            score: 0.5 + f64::from(i) / 100.0,
        })
        .collect();
    let kol = KolFallbacks::<MatchResponseModel, BudgetResponseModel>::new(
        ResponseCache::builder().build().unwrap(),
        Ratio::DEFAULT,
    )
    .unwrap();
    let unchanged = allocations_per_call(|| kol.record_match(&request, &live));
    assert_eq!(
        unchanged, 0.0,
        "record_match of an unchanged answer allocates nothing"
    );

    // A changed answer is copied in: that costs, and is measured, not capped.
    let mut other = live.clone();
    other.total_candidates += 1;
    let mut flip = false;
    let changed = allocations_per_call(|| {
        flip = !flip;
        kol.record_match(&request, if flip { &other } else { &live });
    });
    assert!(
        changed > unchanged,
        "changed {changed}, unchanged {unchanged}"
    );
}
