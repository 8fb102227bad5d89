//! Response bodies, field for field as the contract publishes them.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct KolMatch {
    pub(crate) kol_id: String,
    pub(crate) name: String,
    pub(crate) platform: &'static str,
    pub(crate) followers: u64,
    pub(crate) engagement_rate: f64,
    pub(crate) categories: Vec<&'static str>,
    pub(crate) score: f64,
    pub(crate) estimated_cost: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct MatchMeta {
    pub(crate) algorithm_used: &'static str,
    pub(crate) confidence: f64,
    pub(crate) processing_time_ms: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct MatchResponse {
    pub(crate) matches: Vec<KolMatch>,
    pub(crate) total_candidates: usize,
    pub(crate) meta: MatchMeta,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct BudgetAllocation {
    pub(crate) kol_id: String,
    pub(crate) allocated_budget: f64,
    pub(crate) priority: usize,
    pub(crate) reasoning: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct BudgetSummary {
    pub(crate) total_allocated: f64,
    pub(crate) remaining_budget: f64,
    pub(crate) efficiency_score: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct OptimizationMeta {
    pub(crate) algorithm_used: &'static str,
    pub(crate) confidence: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct BudgetResponse {
    pub(crate) allocation: Vec<BudgetAllocation>,
    pub(crate) summary: BudgetSummary,
    pub(crate) meta: OptimizationMeta,
}
