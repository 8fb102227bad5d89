//! The conservative budget fallback.

use std::fmt;
use std::marker::PhantomData;

use async_trait::async_trait;

use super::{BudgetRequest, BudgetResponse, ScoreBook};
use crate::budget::ConservativePlanner;
use crate::{Declined, Fallback, FallbackReason, Provenance, Served, kind};

/// Answers budget requests with a [`ConservativePlanner`] plan, weighted by
/// the [`ScoreBook`] when it knows the KOLs, marked [`kind::CONSERVATIVE`].
/// Declines ([`Declined::NotApplicable`]) only for a budget the planner
/// rejects.
pub struct ConservativeBudget<B> {
    planner: ConservativePlanner,
    scores: Option<ScoreBook>,
    _response: PhantomData<fn() -> B>,
}

impl<B> ConservativeBudget<B> {
    /// Plans with `planner`, evenly.
    pub fn new(planner: ConservativePlanner) -> Self {
        Self {
            planner,
            scores: None,
            _response: PhantomData,
        }
    }

    /// Weights by the last known scores in `scores`.
    #[must_use]
    pub fn with_scores(mut self, scores: ScoreBook) -> Self {
        self.scores = Some(scores);
        self
    }
}

#[async_trait]
impl<B: BudgetResponse> Fallback<B::Request, B> for ConservativeBudget<B> {
    async fn fallback(
        &self,
        request: &B::Request,
        _: &FallbackReason,
    ) -> Result<Served<B>, Declined> {
        let plan = self
            .planner
            .plan(
                request.total_budget(),
                request.kol_ids(),
                request.max_per_kol(),
                |id| self.scores.as_ref().and_then(|s| s.score(id)),
            )
            .map_err(|e| Declined::NotApplicable(e.to_string().into()))?;
        Ok(Served::new(
            B::from_plan(request, &plan),
            Provenance::fallback(kind::CONSERVATIVE),
        ))
    }

    fn name(&self) -> &str {
        kind::CONSERVATIVE
    }
}

impl<B> fmt::Debug for ConservativeBudget<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConservativeBudget")
            .field("planner", &self.planner)
            .field("scores", &self.scores)
            .finish()
    }
}
