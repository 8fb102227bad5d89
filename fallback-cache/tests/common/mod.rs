//! Stand-ins for the client's wire models, shaped like the contract.

#![allow(dead_code, unreachable_pub)]

use fallback_cache::budget::BudgetPlan;
use fallback_cache::kol::{BudgetRequest, BudgetResponse, MatchResponse};
use fallback_cache::{CacheKey, CanonicalKey, KeyBuilder, Provenance};
use serde::{Deserialize, Serialize};

pub const ALL_PLATFORMS: [&str; 4] = ["instagram", "tiktok", "youtube", "twitter"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchRequest {
    pub campaign_id: String,
    pub categories: Vec<String>,
    pub platforms: Option<Vec<String>>,
    pub min_followers: u64,
    pub max_followers: Option<u64>,
    pub min_engagement_rate: f64,
    pub budget: f64,
    pub limit: u32,
}

impl MatchRequest {
    pub fn new(campaign_id: &str, categories: &[&str]) -> Self {
        Self {
            campaign_id: campaign_id.into(),
            categories: categories.iter().map(|c| (*c).to_owned()).collect(),
            platforms: None,
            min_followers: 0,
            max_followers: None,
            min_engagement_rate: 0.0,
            budget: 1000.0,
            limit: 10,
        }
    }
}

impl CacheKey for MatchRequest {
    fn cache_key(&self) -> CanonicalKey {
        self.key_builder().finish()
    }

    fn with_cache_key(&self, with: &mut dyn FnMut(&str)) {
        self.key_builder().finish_with(with);
    }
}

impl MatchRequest {
    fn key_builder(&self) -> KeyBuilder {
        KeyBuilder::new("match-kols")
            .text("campaign_id", &self.campaign_id)
            .set("categories", &self.categories)
            .set_or("platforms", self.platforms.as_ref(), ALL_PLATFORMS)
            .uint("min_followers", self.min_followers)
            .opt_uint("max_followers", self.max_followers)
            .float("min_engagement_rate", self.min_engagement_rate)
            .float("budget", self.budget)
            .uint("limit", u64::from(self.limit))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KolMatch {
    pub kol_id: String,
    pub score: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchMeta {
    pub algorithm_used: String,
    pub confidence: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchResponseModel {
    pub matches: Vec<KolMatch>,
    pub total_candidates: u64,
    pub meta: MatchMeta,
}

impl MatchResponseModel {
    /// A live response whose fields all derive from `seed`, so a reader can
    /// tell a torn one.
    pub fn seeded(seed: u64) -> Self {
        Self {
            matches: (0..3)
                .map(|i| KolMatch {
                    kol_id: format!("kol-{seed}-{i}"),
                    score: 0.5,
                })
                .collect(),
            total_candidates: seed,
            meta: MatchMeta {
                algorithm_used: format!("live-{seed}"),
                confidence: 0.9,
            },
        }
    }

    pub fn is_consistent(&self) -> bool {
        let seed = self.total_candidates;
        self.meta.algorithm_used == format!("live-{seed}")
            && self.matches.len() == 3
            && self
                .matches
                .iter()
                .enumerate()
                .all(|(i, m)| m.kol_id == format!("kol-{seed}-{i}"))
    }
}

impl MatchResponse for MatchResponseModel {
    type Request = MatchRequest;

    fn empty_for(_: &MatchRequest) -> Self {
        Self {
            matches: Vec::new(),
            total_candidates: 0,
            meta: MatchMeta {
                algorithm_used: String::new(),
                confidence: 0.0,
            },
        }
    }

    fn mark(&mut self, provenance: &Provenance) {
        self.meta.algorithm_used = provenance.label().to_owned();
    }

    fn kol_scores(&self) -> impl Iterator<Item = (&str, f64)> {
        self.matches.iter().map(|m| (m.kol_id.as_str(), m.score))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct BudgetRequestModel {
    pub campaign_id: String,
    pub total_budget: f64,
    pub kol_ids: Vec<String>,
    pub max_per_kol: Option<f64>,
}

impl BudgetRequest for BudgetRequestModel {
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

#[derive(Debug, Clone, PartialEq)]
pub struct Allocation {
    pub kol_id: String,
    pub allocated_budget: f64,
    pub priority: u32,
    pub reasoning: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BudgetResponseModel {
    pub allocation: Vec<Allocation>,
    pub total_allocated: f64,
    pub remaining_budget: f64,
    pub efficiency_score: f64,
    pub algorithm_used: String,
    pub confidence: f64,
}

impl BudgetResponse for BudgetResponseModel {
    type Request = BudgetRequestModel;

    fn from_plan(_: &BudgetRequestModel, plan: &BudgetPlan) -> Self {
        Self {
            allocation: plan
                .lines
                .iter()
                .map(|l| Allocation {
                    kol_id: l.kol_id.clone(),
                    allocated_budget: l.amount,
                    priority: l.priority,
                    reasoning: BudgetPlan::REASONING.to_owned(),
                })
                .collect(),
            total_allocated: plan.total_allocated,
            remaining_budget: plan.remaining_budget,
            efficiency_score: BudgetPlan::EFFICIENCY_SCORE,
            algorithm_used: BudgetPlan::ALGORITHM.to_owned(),
            confidence: BudgetPlan::CONFIDENCE,
        }
    }

    fn mark(&mut self, provenance: &Provenance) {
        provenance.label().clone_into(&mut self.algorithm_used);
    }
}
