//! This client's models, as the `fallback-cache` crate sees them.

use fallback_cache::budget::BudgetPlan;
use fallback_cache::kol::{BudgetRequest, BudgetResponse, MatchResponse};
use fallback_cache::{CacheKey, CanonicalKey, KeyBuilder, Provenance, kind};

use crate::{
    BudgetAllocation, BudgetSummary, MatchKolsRequest, MatchKolsResponse, MatchMeta,
    OptimizationMeta, OptimizeBudgetRequest, OptimizeBudgetResponse, Platform,
};

impl CacheKey for MatchKolsRequest {
    /// Requests the backend treats alike share a key: categories are
    /// trimmed, lower-cased, deduplicated and unordered (the backend folds
    /// them so), platforms are a set whose omission means all four, and
    /// defaults count the same spelled out or omitted.
    fn cache_key(&self) -> CanonicalKey {
        let categories = self
            .categories
            .iter()
            .map(|c| c.trim().to_lowercase())
            .filter(|c| !c.is_empty());
        KeyBuilder::new("match-kols")
            .text("campaign_id", &self.campaign_id)
            .set("categories", categories)
            .set_or(
                "platforms",
                self.platforms
                    .as_ref()
                    .map(|p| p.iter().map(|p| p.as_str())),
                Platform::ALL.map(Platform::as_str),
            )
            .uint("min_followers", self.min_followers)
            .opt_uint("max_followers", self.max_followers)
            .float("min_engagement_rate", self.min_engagement_rate)
            .float("budget", self.budget)
            .uint("limit", u64::from(self.limit))
            .finish()
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
            },
        }
    }

    fn mark(&mut self, provenance: &Provenance) {
        provenance.label().clone_into(&mut self.meta.algorithm_used);
    }

    fn kol_scores(&self) -> Vec<(String, f64)> {
        self.matches
            .iter()
            .map(|m| (m.kol_id.clone(), m.score))
            .collect()
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
            },
        }
    }
}
