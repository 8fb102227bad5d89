//! The KOL-specific fallbacks, generic over the client's models through
//! three small traits the client implements.
//!
//! * [`MatchResponse`] (on `MatchKolsResponse`): build an empty response,
//!   stamp provenance into the response (`meta`), list each match's score
//!   (borrowed); tell an unchanged answer (`PartialEq`, or
//!   [`MatchResponse::same_answer`] to ignore per-call fields).
//! * [`BudgetRequest`] (on `OptimizeBudgetRequest`) and [`BudgetResponse`]
//!   (on `OptimizeBudgetResponse`): read the budget and KOL ids, build a
//!   response from a [`BudgetPlan`], stamp provenance into it.
//!
//! [`KolFallbacks`] bundles the match cache, the score book and both
//! chains; `docs/fallbacks.md` shows a client wiring it.

mod budget;
mod bundle;
mod matching;
mod scores;

pub use budget::ConservativeBudget;
pub use bundle::KolFallbacks;
pub use matching::EmptyMatch;
pub use scores::ScoreBook;

use crate::budget::BudgetPlan;
use crate::{CacheKey, Provenance};

/// A KOL match response, as the client models it.
pub trait MatchResponse: Clone + PartialEq + Send + Sync + 'static {
    /// Its request type, with a canonical cache key.
    type Request: CacheKey + Send + Sync;

    /// An answer with no matches (`total_candidates` 0) for `request`.
    fn empty_for(request: &Self::Request) -> Self;

    /// Records a degraded answer's provenance in the response itself:
    /// typically `meta.algorithm_used = provenance.label()`, the
    /// provenance itself, and the confidence scaled by
    /// [`Provenance::confidence_factor`].
    ///
    /// [`KolFallbacks`] calls it on every answer its match chain serves,
    /// after any fallback's own marking, so it must be idempotent: marking
    /// again with the same provenance must change nothing.
    fn mark(&mut self, provenance: &Provenance);

    /// Each match's KOL id and score, remembered as last known scores for
    /// budget fallbacks. Borrowed, so recording them allocates nothing for
    /// KOLs already known.
    fn kol_scores(&self) -> impl Iterator<Item = (&str, f64)>;

    /// Whether this live response gives the same answer as `cached`, so
    /// that recording it only renews the cached entry's age, without a copy
    /// ([`ResponseCache::refresh_by`](crate::ResponseCache::refresh_by)).
    ///
    /// Defaults to `==`. Override it to ignore fields that describe the
    /// call rather than the answer, such as a processing time that differs
    /// on every call (otherwise every live success copies the response
    /// anew); the cache then keeps those fields from the earlier call.
    fn same_answer(&self, cached: &Self) -> bool {
        self == cached
    }
}

/// A budget request, as the client models it.
pub trait BudgetRequest: Send + Sync {
    /// The budget to allocate.
    fn total_budget(&self) -> f64;

    /// The KOLs, in priority order.
    fn kol_ids(&self) -> &[String];

    /// A cap per KOL, if the request has one.
    fn max_per_kol(&self) -> Option<f64> {
        None
    }
}

/// A budget response, as the client models it.
pub trait BudgetResponse: Send + Sync + 'static {
    /// Its request type.
    type Request: BudgetRequest;

    /// The response for `plan`: one allocation per line (`kol_id`,
    /// `allocated_budget = amount`, `priority`, `reasoning =`
    /// [`BudgetPlan::REASONING`]), summary from `total_allocated`,
    /// `remaining_budget` and [`BudgetPlan::EFFICIENCY_SCORE`], meta from
    /// [`BudgetPlan::ALGORITHM`] and [`BudgetPlan::CONFIDENCE`].
    fn from_plan(request: &Self::Request, plan: &BudgetPlan) -> Self;

    /// Records a degraded answer's provenance in the response itself, as
    /// [`MatchResponse::mark`] (and idempotent like it): [`KolFallbacks`]
    /// calls it on every answer its budget chain serves.
    fn mark(&mut self, provenance: &Provenance);
}
