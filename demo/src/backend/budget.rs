//! `efficiency-waterfill-v1`: the reference backend's budget allocation
//! (docs/backend-contract.md, "Allocation algorithm").
//!
//! The reference fills in exact rational arithmetic; this one shares out
//! whole cents with `f64` weights, which can differ from it by a cent at a
//! tie. Every guarantee of the contract holds: whole cents, allocations
//! summing to `total_allocated`, and `total_allocated + remaining_budget ==
//! total_budget` exactly.

use super::dataset::{Kol, round_to};
use super::response::{BudgetAllocation, BudgetResponse, BudgetSummary, OptimizationMeta};
use fastapi_client::{Objective, OptimizeBudgetRequest as BudgetRequest};

pub(crate) const ALGORITHM: &str = "efficiency-waterfill-v1";
const MAX_POSTS_PER_KOL: f64 = 10.0;
/// Absorbs representation error such as `0.29 * 100 == 28.999999999999996`.
const CENT_EPSILON: f64 = 1e-6;

struct Slot<'a> {
    kol: &'a Kol,
    efficiency: f64,
    cap_cents: u64,
    cap_reason: &'static str,
    priority: usize,
    cents: u64,
}

/// Allocates `request.total_budget` over `kols` (in request order).
pub(crate) fn optimize(kols: &[&Kol], request: &BudgetRequest) -> BudgetResponse {
    let mut slots: Vec<Slot<'_>> = kols
        .iter()
        .map(|kol| {
            let posts_cap = to_cents(MAX_POSTS_PER_KOL * kol.cost_per_post);
            let (cap_cents, cap_reason) = match request.max_per_kol.map(to_cents) {
                Some(cap) if cap < posts_cap => (cap, "max_per_kol"),
                _ => (posts_cap, "10 posts"),
            };
            Slot {
                kol,
                efficiency: efficiency(kol, request.objective),
                cap_cents,
                cap_reason,
                priority: 0,
                cents: 0,
            }
        })
        .collect();
    slots.sort_by(|a, b| {
        b.efficiency
            .total_cmp(&a.efficiency)
            .then_with(|| a.kol.kol_id.cmp(&b.kol.kol_id))
    });
    for (rank, slot) in slots.iter_mut().enumerate() {
        slot.priority = rank + 1;
    }
    let budget_cents = to_cents(request.total_budget);
    fill(&mut slots, budget_cents);
    let allocated_cents: u64 = slots.iter().map(|s| s.cents).sum();
    #[allow(clippy::cast_precision_loss)]
    let total_allocated = allocated_cents as f64 / 100.0;
    let count = slots.len();
    let allocation = slots
        .iter()
        .map(|s| BudgetAllocation {
            kol_id: s.kol.kol_id.clone(),
            #[allow(clippy::cast_precision_loss)]
            allocated_budget: s.cents as f64 / 100.0,
            priority: s.priority,
            reasoning: reasoning(s, count, request.objective, budget_cents),
        })
        .collect();
    let spent_share = (total_allocated / request.total_budget).min(1.0);
    #[allow(clippy::cast_precision_loss)]
    let confidence = round_to(
        0.6 + 0.3 * spent_share + 0.1 * (count as f64 / 10.0).min(1.0),
        4,
    )
    .min(1.0);
    BudgetResponse {
        allocation,
        summary: BudgetSummary {
            total_allocated,
            remaining_budget: remaining_budget(request.total_budget, total_allocated),
            efficiency_score: efficiency_score(&slots, allocated_cents, request.total_budget),
        },
        meta: OptimizationMeta {
            algorithm_used: ALGORITHM,
            confidence,
        },
    }
}

#[allow(clippy::cast_precision_loss)]
fn efficiency(kol: &Kol, objective: Objective) -> f64 {
    let mut value = kol.followers as f64;
    if matches!(objective, Objective::Engagement | Objective::Conversions) {
        value *= kol.engagement_rate;
    }
    if objective == Objective::Conversions {
        value *= kol.conversion_rate;
    }
    value / kol.cost_per_post
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn to_cents(amount: f64) -> u64 {
    (amount * 100.0 + CENT_EPSILON).floor().max(0.0) as u64
}

/// Shares `budget_cents` out in proportion to efficiency; a slot whose
/// share would pass its cap gets the cap and leaves the pool, and the rest
/// is shared again. Cents lost to flooring go one each to the best slots.
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]
fn fill(slots: &mut [Slot<'_>], budget_cents: u64) {
    let mut remaining = budget_cents;
    let mut active: Vec<usize> = (0..slots.len())
        .filter(|&i| slots[i].cap_cents > 0)
        .collect();
    while !active.is_empty() && remaining > 0 {
        let total_weight: f64 = active.iter().map(|&i| slots[i].efficiency).sum();
        let share = |i: usize| remaining as f64 * slots[i].efficiency / total_weight;
        let capped: Vec<usize> = active
            .iter()
            .copied()
            .filter(|&i| share(i) >= (slots[i].cap_cents - slots[i].cents) as f64)
            .collect();
        if !capped.is_empty() {
            for &i in &capped {
                remaining -= slots[i].cap_cents - slots[i].cents;
                slots[i].cents = slots[i].cap_cents;
            }
            active.retain(|i| !capped.contains(i));
            continue;
        }
        let shares: Vec<u64> = active.iter().map(|&i| share(i).floor() as u64).collect();
        for (&i, given) in active.iter().zip(shares) {
            // Float shares may sum a hair above `remaining`: never give more.
            let given = given.min(remaining);
            slots[i].cents += given;
            remaining -= given;
        }
        for &i in &active {
            if remaining == 0 {
                break;
            }
            if slots[i].cents < slots[i].cap_cents {
                slots[i].cents += 1;
                remaining -= 1;
            }
        }
        break;
    }
}

/// The `r >= 0` closest to `total - allocated` with `allocated + r == total`
/// exactly in doubles; whole cents when that works.
fn remaining_budget(total: f64, allocated: f64) -> f64 {
    for candidate in [round_to(total - allocated, 2), total - allocated] {
        if candidate >= 0.0 && allocated + candidate == total {
            return candidate;
        }
    }
    let (mut up, mut down) = (total - allocated, total - allocated);
    for _ in 0..16 {
        up = next_toward(up, f64::INFINITY);
        down = next_toward(down, f64::NEG_INFINITY);
        for candidate in [up, down] {
            if candidate >= 0.0 && allocated + candidate == total {
                return candidate;
            }
        }
    }
    (total - allocated).max(0.0)
}

/// The neighbouring double in the direction of `target` (C's `nextafter`).
fn next_toward(x: f64, target: f64) -> f64 {
    if x.is_nan() || x == target {
        return x;
    }
    if x == 0.0 {
        let tiny = f64::from_bits(1);
        return if target > 0.0 { tiny } else { -tiny };
    }
    let bits = x.to_bits();
    let away_from_zero = (target > x) == (x > 0.0);
    f64::from_bits(if away_from_zero { bits + 1 } else { bits - 1 })
}

fn efficiency_score(slots: &[Slot<'_>], allocated_cents: u64, total_budget: f64) -> f64 {
    if allocated_cents == 0 {
        return 0.0;
    }
    let best = slots.iter().map(|s| s.efficiency).fold(0.0, f64::max);
    #[allow(clippy::cast_precision_loss)]
    let weighted = slots
        .iter()
        .map(|s| s.cents as f64 * s.efficiency)
        .sum::<f64>()
        / (allocated_cents as f64 * best);
    #[allow(clippy::cast_precision_loss)]
    let spent_share = (allocated_cents as f64 / 100.0 / total_budget).min(1.0);
    round_to((spent_share * weighted).clamp(0.0, 1.0), 4)
}

fn reasoning(slot: &Slot<'_>, count: usize, objective: Objective, total_cents: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let share = if total_cents == 0 {
        0.0
    } else {
        100.0 * slot.cents as f64 / total_cents as f64
    };
    let unit = match objective {
        Objective::Reach => "followers reached per USD",
        Objective::Conversions => "expected conversions per USD",
        Objective::Engagement => "engagements per USD",
    };
    let mut text = format!(
        "rank {} of {count} by {objective}: {} {unit}; {share:.1}% of budget",
        slot.priority,
        significant(slot.efficiency, 4)
    );
    if slot.cap_cents > 0 && slot.cents == slot.cap_cents {
        text.push_str("; capped at ");
        text.push_str(slot.cap_reason);
    }
    text
}

/// `x` with `digits` significant digits, like Python's `{:.4g}`.
fn significant(x: f64, digits: i32) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    #[allow(clippy::cast_possible_truncation)]
    let exponent = x.abs().log10().floor() as i32;
    if exponent < -4 || exponent >= digits {
        let mantissa = format!("{:.*e}", usize::try_from(digits - 1).unwrap_or(0), x);
        // Rust writes 1.235e4; Python writes 1.235e+04 and trims zeros.
        let (m, e) = mantissa.split_once('e').unwrap_or((&mantissa, "0"));
        let m = if m.contains('.') {
            m.trim_end_matches('0').trim_end_matches('.')
        } else {
            m
        };
        let e: i32 = e.parse().unwrap_or(0);
        format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
    } else {
        let decimals = usize::try_from(digits - 1 - exponent).unwrap_or(0);
        let fixed = format!("{x:.decimals$}");
        if fixed.contains('.') {
            fixed.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            fixed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::dataset::Dataset;
    use super::*;

    fn request(total: f64, ids: &[&str], cap: Option<f64>) -> BudgetRequest {
        BudgetRequest {
            total_budget: total,
            kol_ids: ids.iter().map(|s| (*s).to_owned()).collect(),
            objective: Objective::Engagement,
            campaign_id: "c".to_owned(),
            max_per_kol: cap,
        }
    }

    #[test]
    fn totals_add_up_exactly_in_whole_cents() {
        let data = Dataset::generate(42);
        let ids = ["kol-0003", "kol-0010", "kol-0100", "kol-0200", "kol-0042"];
        let kols: Vec<&Kol> = ids.iter().map(|id| data.get(id).unwrap()).collect();
        for total in [0.01, 99.99, 1234.56, 20_000.0, 1e7, 333.333] {
            for cap in [None, Some(75.5)] {
                let answer = optimize(&kols, &request(total, &ids, cap));
                let sum_cents: u64 = answer
                    .allocation
                    .iter()
                    .map(|a| to_cents(a.allocated_budget))
                    .sum();
                assert_eq!(sum_cents, to_cents(answer.summary.total_allocated));
                assert!(answer.summary.remaining_budget >= 0.0);
                assert_eq!(
                    answer.summary.total_allocated + answer.summary.remaining_budget,
                    total
                );
                let mut priorities: Vec<usize> =
                    answer.allocation.iter().map(|a| a.priority).collect();
                priorities.sort_unstable();
                assert_eq!(priorities, [1, 2, 3, 4, 5]);
            }
        }
    }

    #[test]
    fn python_style_significant_digits() {
        assert_eq!(significant(7.92211, 4), "7.922");
        assert_eq!(significant(1234.0, 4), "1234");
        assert_eq!(significant(12345.0, 4), "1.234e+04");
        assert_eq!(significant(0.5, 4), "0.5");
        assert_eq!(significant(0.000_012_34, 4), "1.234e-05");
    }

    #[test]
    fn next_toward_steps_one_ulp() {
        assert!(next_toward(1.0, 2.0) > 1.0);
        assert!(next_toward(1.0, 0.0) < 1.0);
        assert!(next_toward(0.0, 1.0) > 0.0);
        assert!(next_toward(-1.0, 0.0) > -1.0);
    }
}
