//! This client's models, as the `fallback-cache` crate sees them.

use std::borrow::Cow;

use fallback_cache::budget::BudgetPlan;
use fallback_cache::kol::{BudgetRequest, BudgetResponse, MatchResponse};
use fallback_cache::{CacheKey, CanonicalKey, KeyBuilder, Provenance, kind};

use crate::{
    BudgetAllocation, BudgetSummary, KolMatch, MatchKolsRequest, MatchKolsResponse, MatchMeta,
    OptimizationMeta, OptimizeBudgetRequest, OptimizeBudgetResponse, Platform,
};

impl CacheKey for MatchKolsRequest {
    /// Requests the backend treats alike share a key: categories are
    /// trimmed, lower-cased, deduplicated and unordered (the backend folds
    /// them so), platforms are a set whose omission means all four, and
    /// defaults count the same spelled out or omitted.
    fn cache_key(&self) -> CanonicalKey {
        key_builder(self).finish()
    }

    /// The key built in place, lent to `with`: the cache refresh after
    /// every live success allocates nothing for it, and builds nothing
    /// when the request equals the last one keyed on this thread (the
    /// thread keeps that request and its key).
    fn with_cache_key(&self, with: &mut dyn FnMut(&str)) {
        super::key_memo::with_key(
            self,
            |request, with| key_builder(request).finish_with(with),
            with,
        );
    }
}

fn key_builder(request: &MatchKolsRequest) -> KeyBuilder {
    let categories = request
        .categories
        .iter()
        .map(|c| fold_category(c))
        .filter(|c| !c.is_empty());
    KeyBuilder::new("match-kols")
        .text("campaign_id", &request.campaign_id)
        .set("categories", categories)
        .set_or(
            "platforms",
            request
                .platforms
                .as_ref()
                .map(|p| p.iter().map(Platform::as_str)),
            Platform::ALL.each_ref().map(Platform::as_str),
        )
        .uint("min_followers", request.min_followers)
        .opt_uint("max_followers", request.max_followers)
        .float("min_engagement_rate", request.min_engagement_rate)
        .float("budget", request.budget)
        .uint("limit", u64::from(request.limit))
}

/// A category as the backend compares it: trimmed and lower-cased.
/// Borrowed when it already is, as it almost always is, so building the
/// key allocates nothing per category.
fn fold_category(category: &str) -> Cow<'_, str> {
    let trimmed = category.trim();
    if trimmed
        .bytes()
        .any(|b| !b.is_ascii() || b.is_ascii_uppercase())
    {
        Cow::Owned(trimmed.to_lowercase())
    } else {
        Cow::Borrowed(trimmed)
    }
}

impl MatchResponse for MatchKolsResponse {
    type Request = MatchKolsRequest;

    fn empty_for(_: &MatchKolsRequest) -> Self {
        Self {
            matches: Vec::new(),
            total_candidates: 0,
            meta: MatchMeta {
                algorithm_used: kind::EMPTY.to_owned(),
                confidence: 0.0,
                processing_time_ms: 0.0,
                provenance: Provenance::fallback(kind::EMPTY),
            },
        }
    }

    fn mark(&mut self, provenance: &Provenance) {
        mark(
            &mut self.meta.provenance,
            &mut self.meta.algorithm_used,
            &mut self.meta.confidence,
            provenance,
        );
    }

    fn kol_scores(&self) -> impl Iterator<Item = (&str, f64)> {
        self.matches.iter().map(|m| (m.kol_id.as_str(), m.score))
    }

    /// The backend times every call, so `processing_time_ms` differs even
    /// when the answer does not: it is left out, or every live success
    /// would copy the response into the cache anew. Every other field
    /// counts; destructured so that a new field cannot be missed.
    fn same_answer(&self, cached: &Self) -> bool {
        let Self {
            matches,
            total_candidates,
            meta:
                MatchMeta {
                    algorithm_used,
                    confidence,
                    processing_time_ms: _,
                    provenance: _,
                },
        } = self;
        *matches == cached.matches
            && *total_candidates == cached.total_candidates
            && *algorithm_used == cached.meta.algorithm_used
            && *confidence == cached.meta.confidence
    }
}

impl BudgetRequest for OptimizeBudgetRequest {
    fn total_budget(&self) -> f64 {
        self.total_budget
    }

    fn kol_ids(&self) -> &[String] {
        &self.kol_ids
    }

    fn max_per_kol(&self) -> Option<f64> {
        self.max_per_kol
    }
}

impl BudgetResponse for OptimizeBudgetResponse {
    type Request = OptimizeBudgetRequest;

    fn from_plan(_: &OptimizeBudgetRequest, plan: &BudgetPlan) -> Self {
        Self {
            allocation: plan
                .lines
                .iter()
                .map(|line| BudgetAllocation {
                    kol_id: line.kol_id.clone(),
                    allocated_budget: line.amount,
                    priority: line.priority,
                    reasoning: BudgetPlan::REASONING.to_owned(),
                })
                .collect(),
            summary: BudgetSummary {
                total_allocated: plan.total_allocated,
                remaining_budget: plan.remaining_budget,
                efficiency_score: BudgetPlan::EFFICIENCY_SCORE,
            },
            meta: OptimizationMeta {
                algorithm_used: BudgetPlan::ALGORITHM.to_owned(),
                confidence: BudgetPlan::CONFIDENCE,
                provenance: Provenance::fallback(kind::CONSERVATIVE),
            },
        }
    }

    fn mark(&mut self, provenance: &Provenance) {
        mark(
            &mut self.meta.provenance,
            &mut self.meta.algorithm_used,
            &mut self.meta.confidence,
            provenance,
        );
    }
}

/// Stamps a degraded answer's `meta`: its provenance, the label in
/// `algorithm_used`, and its confidence scaled by its age. Marking again
/// with the provenance it already has changes nothing, and a fallback
/// that claims `Live` is taken at its word.
fn mark(
    stamped: &mut Provenance,
    algorithm_used: &mut String,
    confidence: &mut f64,
    provenance: &Provenance,
) {
    if *stamped == *provenance || !provenance.is_degraded() {
        return;
    }
    provenance.label().clone_into(algorithm_used);
    *confidence *= provenance.confidence_factor();
    stamped.clone_from(provenance);
}

/// About how many bytes a match response holds, its heap included: what
/// [`FallbackConfig::cache_max_bytes`](crate::FallbackConfig::cache_max_bytes)
/// counts.
pub(crate) fn approx_bytes(response: &MatchKolsResponse) -> usize {
    let strings = |list: &Vec<String>| {
        list.capacity() * size_of::<String>() + list.iter().map(String::capacity).sum::<usize>()
    };
    let matches: usize = response
        .matches
        .iter()
        .map(|m| {
            m.kol_id.capacity()
                + m.name.capacity()
                + strings(&m.categories)
                + match &m.platform {
                    Platform::Other(name) => name.capacity(),
                    _ => 0,
                }
        })
        .sum();
    size_of::<MatchKolsResponse>()
        + response.matches.capacity() * size_of::<KolMatch>()
        + matches
        + response.meta.algorithm_used.capacity()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use circuit_core::ManualClock;
    use fallback_cache::budget::Ratio;
    use fallback_cache::{CacheKey, ResponseCache};

    use super::*;
    use crate::ClientFallbacks;

    fn response(processing_time_ms: f64) -> MatchKolsResponse {
        MatchKolsResponse {
            matches: vec![KolMatch {
                kol_id: "kol-1".into(),
                name: "Ada".into(),
                platform: Platform::Tiktok,
                followers: 12_000,
                engagement_rate: 0.04,
                categories: vec!["tech".into()],
                score: 0.8,
                estimated_cost: 300.0,
            }],
            total_candidates: 7,
            meta: MatchMeta {
                algorithm_used: "hybrid".into(),
                confidence: 0.9,
                processing_time_ms,
                provenance: Provenance::Live,
            },
        }
    }

    #[test]
    fn the_same_answer_ignores_only_the_processing_time() {
        let cached = response(1.5);
        assert!(response(2.25).same_answer(&cached));
        let mut other = response(1.5);
        other.matches[0].score = 0.7;
        assert!(!other.same_answer(&cached));
        let mut other = response(1.5);
        other.total_candidates = 8;
        assert!(!other.same_answer(&cached));
        let mut other = response(1.5);
        other.meta.algorithm_used = "rules".into();
        assert!(!other.same_answer(&cached));
        let mut other = response(1.5);
        other.meta.confidence = 0.5;
        assert!(!other.same_answer(&cached));
    }

    #[test]
    fn a_live_success_with_the_same_answer_renews_the_cached_one() {
        let clock = ManualClock::new();
        let cache = ResponseCache::builder()
            .clock(Arc::new(clock.clone()))
            .build()
            .unwrap();
        let fallbacks = ClientFallbacks::new(cache, Ratio::DEFAULT).unwrap();
        let request = MatchKolsRequest::new("c-1", ["tech"], 1_000.0);
        fallbacks.record_match(&request, &response(1.5));
        clock.advance(Duration::from_secs(90));
        fallbacks.record_match(&request, &response(2.25));
        let hit = fallbacks.match_cache().fresh(&request.cache_key()).unwrap();
        assert_eq!(hit.age, Duration::ZERO);
        assert_eq!(hit.value.meta.processing_time_ms, 1.5, "kept, not copied");
    }

    #[test]
    fn a_cached_answer_says_it_is_cached_how_old_and_trusts_itself_less() {
        let cached = Provenance::Cache {
            age: Duration::from_secs(30 * 60),
            freshness: fallback_cache::Freshness::Stale,
            max_age: Duration::from_secs(60 * 60),
        };
        let mut answer = response(1.5);
        answer.mark(&cached);
        assert_eq!(answer.meta.provenance, cached);
        assert_eq!(answer.meta.algorithm_used, "fallback-cache");
        assert_eq!(answer.meta.confidence, 0.45, "0.9, halved by its age");
        answer.mark(&cached);
        assert_eq!(
            answer.meta.confidence, 0.45,
            "marking twice changes nothing"
        );
        assert_eq!(answer.matches, response(1.5).matches);

        let mut live = response(1.5);
        live.mark(&Provenance::Live);
        assert_eq!(live, response(1.5), "a live answer is left alone");
    }

    #[test]
    fn the_size_estimate_grows_with_the_answer() {
        let one = response(1.0);
        let mut many = response(1.0);
        for i in 0..50 {
            let mut m = one.matches[0].clone();
            m.kol_id = format!("kol-{i:04}");
            m.name = "n".repeat(100);
            many.matches.push(m);
        }
        assert!(approx_bytes(&one) > size_of::<MatchKolsResponse>());
        assert!(approx_bytes(&many) > approx_bytes(&one) + 50 * 100);
    }

    #[test]
    fn categories_are_folded_before_keying() {
        let key = |categories: &[&str]| {
            MatchKolsRequest::new("c-1", categories.iter().copied(), 1_000.0).cache_key()
        };
        assert_eq!(
            key(&["tech", "beauty"]),
            key(&[" Beauty", "TECH ", "tech", ""])
        );
        assert_eq!(key(&["été"]), key(&["ÉTÉ"]));
        assert_ne!(key(&["tech"]), key(&["tech", "beauty"]));
    }
}
