//! The conservative allocation: a share of the budget spread over the KOLs.

use super::cents::{complement, from_cents, to_cents};
use super::{Ratio, split};
use crate::Error;

/// How the pool was divided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Weighting {
    /// Equal shares: no last known scores.
    Even,
    /// In proportion to last known scores; KOLs without one were weighted
    /// with the mean of the known scores.
    Scores {
        /// How many KOLs had a known score.
        known: usize,
    },
}

/// One KOL's share.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanLine {
    /// The KOL.
    pub kol_id: String,
    /// The share in whole cents.
    pub cents: u64,
    /// The share in currency units: `cents / 100`.
    pub amount: f64,
    /// 1-based position in the request.
    pub priority: u32,
}

/// A conservative allocation. Invariants: `lines` follow the request order
/// with priorities `1..=n`; the lines' cents sum to `allocated_cents`;
/// `allocated_cents <= floor(total_cents * ratio)`; and
/// `total_allocated + remaining_budget == total_budget` exactly.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetPlan {
    /// One line per requested KOL, in request order.
    pub lines: Vec<PlanLine>,
    /// The budget as given.
    pub total_budget: f64,
    /// The budget in whole cents (floored if it had a finer part).
    pub total_cents: u64,
    /// The sum of the lines' cents.
    pub allocated_cents: u64,
    /// `allocated_cents / 100`.
    pub total_allocated: f64,
    /// `total_budget - total_allocated`, exact in `f64`.
    pub remaining_budget: f64,
    /// The ratio applied.
    pub ratio: Ratio,
    /// Even or by score.
    pub weighting: Weighting,
}

impl BudgetPlan {
    /// Each line's `reasoning`.
    pub const REASONING: &'static str = "Conservative allocation due to service degradation";
    /// The summary's `efficiency_score`.
    pub const EFFICIENCY_SCORE: f64 = 0.5;
    /// `meta.algorithm_used`.
    pub const ALGORITHM: &'static str = crate::kind::CONSERVATIVE;
    /// `meta.confidence`.
    pub const CONFIDENCE: f64 = 0.5;
}

/// Plans conservative allocations with a fixed [`Ratio`].
///
/// ```
/// use fallback_cache::budget::{ConservativePlanner, Ratio};
///
/// let plan = ConservativePlanner::new(Ratio::DEFAULT).plan(1000.0, &["a", "b", "c"], None, |_| None).unwrap();
/// let cents: Vec<u64> = plan.lines.iter().map(|l| l.cents).collect();
/// assert_eq!(cents, [26_667, 26_667, 26_666]);
/// assert_eq!((plan.total_allocated, plan.remaining_budget), (800.0, 200.0));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConservativePlanner {
    ratio: Ratio,
}

impl ConservativePlanner {
    /// A planner allocating `ratio` of each budget.
    pub fn new(ratio: Ratio) -> Self {
        Self { ratio }
    }

    /// The ratio applied.
    pub fn ratio(&self) -> Ratio {
        self.ratio
    }

    /// Spreads `ratio * total_budget` over `kol_ids`, by `score_of` where it
    /// knows scores (finite and non-negative; others count as unknown),
    /// each share capped at `max_per_kol`. No KOLs allocate nothing.
    ///
    /// # Errors
    /// [`Error::InvalidAmount`] for a NaN, infinite, zero or negative budget
    /// or cap; [`Error::AmountTooLarge`] above
    /// [`MAX_AMOUNT`](super::MAX_AMOUNT).
    pub fn plan<S: AsRef<str>>(
        &self,
        total_budget: f64,
        kol_ids: &[S],
        max_per_kol: Option<f64>,
        score_of: impl Fn(&str) -> Option<f64>,
    ) -> Result<BudgetPlan, Error> {
        let total_cents = to_cents(total_budget, "total_budget")?;
        let cap = max_per_kol
            .map(|m| to_cents(m, "max_per_kol"))
            .transpose()?;
        let pool = self.ratio.apply(total_cents);
        let scores: Vec<Option<f64>> = kol_ids
            .iter()
            .map(|id| score_of(id.as_ref()).filter(|s| s.is_finite() && *s >= 0.0))
            .collect();
        let (shares, weighting) = split_scores(pool, &scores);
        let lines: Vec<PlanLine> = kol_ids
            .iter()
            .zip(shares)
            .enumerate()
            .map(|(i, (id, share))| {
                let cents = cap.map_or(share, |c| share.min(c));
                PlanLine {
                    kol_id: id.as_ref().to_owned(),
                    cents,
                    amount: from_cents(cents),
                    priority: u32::try_from(i + 1).unwrap_or(u32::MAX),
                }
            })
            .collect();
        let allocated_cents = lines.iter().map(|l| l.cents).sum();
        let (total_allocated, remaining_budget) =
            complement(total_budget, from_cents(allocated_cents));
        Ok(BudgetPlan {
            lines,
            total_budget,
            total_cents,
            allocated_cents,
            total_allocated,
            remaining_budget,
            ratio: self.ratio,
            weighting,
        })
    }
}

/// Integer weights on a common scale: `2^32` for the top score.
fn split_scores(pool: u64, scores: &[Option<f64>]) -> (Vec<u64>, Weighting) {
    let known: Vec<f64> = scores.iter().flatten().copied().collect();
    if known.is_empty() {
        return (split::even(pool, scores.len()), Weighting::Even);
    }
    #[allow(clippy::cast_precision_loss)]
    let mean = known.iter().sum::<f64>() / known.len() as f64;
    let top = known.iter().copied().fold(0.0_f64, f64::max);
    let units: Vec<u64> = scores
        .iter()
        .map(|s| {
            let w = s.unwrap_or(mean);
            if top > 0.0 {
                // In [0, 2^32] by construction.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let u = (w / top * 4_294_967_296.0).round() as u64;
                u
            } else {
                0
            }
        })
        .collect();
    (
        split::weighted(pool, &units),
        Weighting::Scores { known: known.len() },
    )
}
