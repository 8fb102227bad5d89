//! Section 5, fallback cache: what answering from the last-good cache
//! costs, and what keeping it fresh costs on every live success.

use std::hint::black_box;
use std::time::Duration;

use fallback_cache::budget::Ratio;
use fallback_cache::{CacheKey, FallbackReason, ResponseCache};
use fastapi_client::{ClientFallbacks, MatchKolsRequest};
use serde::Serialize;

use crate::alloc::{self, PerUnit};
use crate::error::Error;
use crate::poll::block_on;
use crate::scenarios::server::match_body;
use crate::timing::{self, Plan, Sample};

/// The row of the cache refresh every live success pays.
pub(crate) const REFRESH: &str = "record_match";

/// Calls counted for allocations.
const ALLOC_CALLS: u64 = 1_000;

#[derive(Debug, Clone, Serialize)]
pub(crate) struct FallbackRow {
    pub(crate) name: &'static str,
    pub(crate) what: &'static str,
    pub(crate) per_call: Sample,
    pub(crate) allocs: PerUnit,
}

fn row(
    plan: &Plan,
    name: &'static str,
    what: &'static str,
    mut call: impl FnMut() -> bool,
) -> FallbackRow {
    let per_call = timing::single(plan, &mut call);
    let ((), allocs) = alloc::measure(|| {
        for _ in 0..ALLOC_CALLS {
            black_box(call());
        }
    });
    FallbackRow {
        name,
        what,
        per_call,
        allocs: allocs.per(ALLOC_CALLS),
    }
}

pub(crate) fn run(plan: &Plan) -> Result<Vec<FallbackRow>, Error> {
    let setup = |e: fallback_cache::Error| Error::setup("fallback-cache", e);
    let request = MatchKolsRequest::new("spring-launch", ["beauty", "fashion"], 20_000.0);
    let response = match_body();
    let fallbacks = ClientFallbacks::new(
        ResponseCache::builder().build().map_err(setup)?,
        Ratio::DEFAULT,
    )
    .map_err(setup)?;
    fallbacks.record_match(&request, &response);
    let reason = FallbackReason::CircuitOpen {
        retry_after: Duration::from_secs(30),
    };
    let cache = fallbacks.match_cache().clone();
    Ok(vec![
        row(
            plan,
            "cache lookup",
            "canonical key of the request + fresh hit",
            || cache.fresh(&request.cache_key()).is_some(),
        ),
        row(
            plan,
            "fallback chain, cache hit",
            "match_fallback(): chain, counters, log, clone of the answer",
            || block_on(fallbacks.match_fallback(&request, &reason)).is_ok(),
        ),
        row(
            plan,
            REFRESH,
            "refresh after a live success: confirm or replace the answer, 10 scores",
            || {
                fallbacks.record_match(&request, &response);
                true
            },
        ),
    ])
}
