//! The conservative budget planner, independent of any wire model.
//!
//! # Rounding
//! All arithmetic is in integer cents; `f64` appears only at the edges.
//!
//! 1. **Budget to cents.** A budget that is an exact decimal amount of
//!    cents (the `f64` closest to `c / 100`, as `12345.67` is) is `c`
//!    cents. Any other budget (`100.005`) is floored to the cent; the
//!    sub-cent rest stays in `remaining_budget`.
//! 2. **Ratio.** Taken to the nearest millionth (0.8 is exactly 800 000
//!    ppm). The pool is `floor(total_cents * ppm / 1 000 000)`, so the plan
//!    never allocates more than the ratio allows.
//! 3. **Split.** Evenly: every KOL gets `pool / n` cents and the first
//!    `pool % n` KOLs in request order get one cent more. By score: the
//!    largest-remainder method on integer weights, leftover cents going to
//!    the largest remainders, ties to the earlier KOL. A `max_per_kol` cap
//!    (floored to the cent like the budget) only lowers a share; what it
//!    cuts stays unallocated.
//! 4. **Back to `f64`.** Each amount is `cents / 100` correctly rounded.
//!    `total_allocated` is `allocated_cents / 100` and `remaining_budget`
//!    is chosen so that `total_allocated + remaining_budget == total_budget`
//!    holds exactly in `f64`; in the rare case no such remainder exists,
//!    `total_allocated` moves by one ulp (far below a cent).

mod cents;
mod plan;
mod ratio;
mod split;
#[cfg(test)]
mod tests;

pub use cents::MAX_AMOUNT;
pub use plan::{BudgetPlan, ConservativePlanner, PlanLine, Weighting};
pub use ratio::Ratio;
