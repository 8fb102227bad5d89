//! `POST /api/v1/budget/optimize`: spread a budget over chosen KOLs.

use serde::{Deserialize, Serialize};

use fallback_cache::Provenance;

use super::Objective;
use crate::validate::{Check, ValidationError};

/// Asks the backend how to spread a campaign budget over some KOLs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimizeBudgetRequest {
    /// The campaign (1 to 64 characters).
    pub campaign_id: String,
    /// The budget to spread; greater than zero, at most
    /// [`MAX_AMOUNT`](crate::MAX_AMOUNT).
    pub total_budget: f64,
    /// The KOLs to fund: 1 to 100 distinct ids.
    pub kol_ids: Vec<String>,
    /// What to maximise (default [`Objective::Engagement`]).
    #[serde(default)]
    pub objective: Objective,
    /// A cap per KOL, greater than zero, at most
    /// [`MAX_AMOUNT`](crate::MAX_AMOUNT); `None` for no cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_per_kol: Option<f64>,
}

impl OptimizeBudgetRequest {
    /// A request with the backend's defaults for every optional field.
    pub fn new(
        campaign_id: impl Into<String>,
        total_budget: f64,
        kol_ids: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            campaign_id: campaign_id.into(),
            total_budget,
            kol_ids: kol_ids.into_iter().map(Into::into).collect(),
            objective: Objective::default(),
            max_per_kol: None,
        }
    }

    /// Checks the contract's rules; the client calls this before sending.
    ///
    /// # Errors
    /// The first rule broken, naming the field.
    pub fn validate(&self) -> Result<(), ValidationError> {
        Check::campaign_id(&self.campaign_id)?;
        Check::amount("total_budget", self.total_budget)?;
        Check::items("kol_ids", &self.kol_ids, 1, 100)?;
        Check::unique("kol_ids", &self.kol_ids)?;
        if let Some(cap) = self.max_per_kol {
            Check::amount("max_per_kol", cap)?;
        }
        Ok(())
    }
}

/// The share of the budget one KOL gets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetAllocation {
    /// The KOL.
    pub kol_id: String,
    /// Money allocated to it.
    pub allocated_budget: f64,
    /// 1 is the most important.
    pub priority: u32,
    /// Why, for humans.
    pub reasoning: String,
}

/// Totals of an allocation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetSummary {
    /// Sum of the allocations.
    pub total_allocated: f64,
    /// What was left unallocated.
    pub remaining_budget: f64,
    /// The producer's estimate of the allocation's quality, in `[0, 1]`.
    pub efficiency_score: f64,
}

/// How an allocation was produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimizationMeta {
    /// The backend's algorithm, or `fallback-conservative`.
    pub algorithm_used: String,
    /// How sure the producer is of the result, in `[0, 1]`.
    pub confidence: f64,
    /// Where the answer came from: [`Provenance::Live`] for an answer
    /// decoded from the backend, [`Provenance::Fallback`] for the
    /// conservative plan (or whatever a custom chain served). Not on the
    /// wire.
    #[serde(skip)]
    pub provenance: Provenance,
}

/// How to spread the budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimizeBudgetResponse {
    /// One entry per funded KOL, by priority.
    pub allocation: Vec<BudgetAllocation>,
    /// Totals.
    pub summary: BudgetSummary,
    /// How it was produced.
    pub meta: OptimizationMeta,
}
