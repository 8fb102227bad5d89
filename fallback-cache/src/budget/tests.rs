use super::cents::{MAX_AMOUNT, complement, from_cents, to_cents};
use super::*;
use crate::Error;

fn cents(plan: &BudgetPlan) -> Vec<u64> {
    plan.lines.iter().map(|l| l.cents).collect()
}

fn plan(total: f64, kols: &[&str]) -> BudgetPlan {
    ConservativePlanner::default()
        .plan(total, kols, None, |_| None)
        .unwrap()
}

#[test]
fn decimal_cent_budgets_are_exact_and_finer_ones_floor() {
    assert_eq!(to_cents(0.29, "b").unwrap(), 29);
    assert_eq!(to_cents(12_345.67, "b").unwrap(), 1_234_567);
    assert_eq!(to_cents(100.005, "b").unwrap(), 10_000);
    assert_eq!(to_cents(0.009, "b").unwrap(), 0);
    assert_eq!(to_cents(f64::MIN_POSITIVE, "b").unwrap(), 0);
    assert_eq!(to_cents(5e-324, "b").unwrap(), 0);
    assert_eq!(to_cents(MAX_AMOUNT, "b").unwrap(), 1_000_000_000_000_000);
    assert_eq!(from_cents(1_234_567), 12_345.67);
}

#[test]
fn invalid_amounts_are_typed_errors() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -0.0, -1.0] {
        assert!(
            matches!(
                to_cents(bad, "total_budget"),
                Err(Error::InvalidAmount {
                    field: "total_budget",
                    ..
                })
            ),
            "{bad}"
        );
    }
    assert!(matches!(
        to_cents(MAX_AMOUNT * 1.5, "total_budget"),
        Err(Error::AmountTooLarge { .. })
    ));
    let planner = ConservativePlanner::default();
    assert!(matches!(
        planner.plan(f64::NAN, &["a"], None, |_| None),
        Err(Error::InvalidAmount { .. })
    ));
    assert!(matches!(
        planner.plan(10.0, &["a"], Some(-1.0), |_| None),
        Err(Error::InvalidAmount {
            field: "max_per_kol",
            ..
        })
    ));
}

#[test]
fn ratio_is_validated_and_exact_in_millionths() {
    for bad in [0.0, -0.1, 1.000_001, f64::NAN, f64::INFINITY, 1e-9] {
        assert!(
            matches!(Ratio::new(bad), Err(Error::InvalidRatio { .. })),
            "{bad}"
        );
    }
    assert_eq!(Ratio::new(0.8).unwrap(), Ratio::DEFAULT);
    assert_eq!(Ratio::default().parts_per_million(), 800_000);
    assert_eq!(Ratio::new(1.0).unwrap(), Ratio::FULL);
    assert_eq!(Ratio::new(0.29).unwrap().apply(100), 29);
    assert_eq!(Ratio::FULL.apply(u64::MAX), u64::MAX);
    assert_eq!(Ratio::new(0.25).unwrap().to_string(), "0.25");
}

#[test]
fn even_split_gives_extra_cents_to_the_first_kols() {
    let plan = plan(1000.0, &["a", "b", "c"]);
    assert_eq!(cents(&plan), [26_667, 26_667, 26_666]);
    assert_eq!(
        (
            plan.allocated_cents,
            plan.total_allocated,
            plan.remaining_budget
        ),
        (80_000, 800.0, 200.0)
    );
    assert_eq!(plan.weighting, Weighting::Even);
    let priorities: Vec<u32> = plan.lines.iter().map(|l| l.priority).collect();
    assert_eq!(priorities, [1, 2, 3]);
    assert_eq!(plan.lines[0].amount, 266.67);
}

#[test]
fn scores_weight_the_split_and_fill_gaps_with_the_mean() {
    let planner = ConservativePlanner::default();
    let plan = planner
        .plan(100.0, &["a", "b"], None, |id| {
            (id == "a").then_some(0.75).or(Some(0.25))
        })
        .unwrap();
    assert_eq!(cents(&plan), [6_000, 2_000]);
    assert_eq!(plan.weighting, Weighting::Scores { known: 2 });

    let plan = planner
        .plan(100.0, &["a", "b", "c"], None, |id| match id {
            "a" => Some(0.9),
            "b" => Some(0.3),
            _ => None,
        })
        .unwrap();
    assert_eq!(cents(&plan), [4_000, 1_333, 2_667]);
    assert_eq!(plan.weighting, Weighting::Scores { known: 2 });

    let unusable = planner
        .plan(100.0, &["a", "b"], None, |_| Some(f64::NAN))
        .unwrap();
    assert_eq!(unusable.weighting, Weighting::Even);
    let all_zero = planner
        .plan(100.0, &["a", "b"], None, |_| Some(0.0))
        .unwrap();
    assert_eq!(cents(&all_zero), [4_000, 4_000]);
}

#[test]
fn caps_only_lower_shares() {
    let plan = ConservativePlanner::default()
        .plan(1000.0, &["a", "b"], Some(100.0), |_| None)
        .unwrap();
    assert_eq!(cents(&plan), [10_000, 10_000]);
    assert_eq!(
        (plan.total_allocated, plan.remaining_budget),
        (200.0, 800.0)
    );
}

#[test]
fn edge_budgets() {
    let nobody = plan(50.0, &[]);
    assert!(nobody.lines.is_empty());
    assert_eq!(
        (nobody.total_allocated, nobody.remaining_budget),
        (0.0, 50.0)
    );

    let tiny = plan(0.001, &["a"]);
    assert_eq!(
        (
            tiny.allocated_cents,
            tiny.total_allocated,
            tiny.remaining_budget
        ),
        (0, 0.0, 0.001)
    );

    let sub_cent = plan(100.005, &["a", "b"]);
    assert_eq!(sub_cent.total_cents, 10_000);
    assert_eq!(
        sub_cent.total_allocated + sub_cent.remaining_budget,
        100.005
    );

    let huge = plan(MAX_AMOUNT, &["a", "b", "c"]);
    assert_eq!(huge.allocated_cents, 800_000_000_000_000);
    assert_eq!(huge.total_allocated + huge.remaining_budget, MAX_AMOUNT);
}

#[test]
fn complement_is_exact_where_plain_subtraction_is_not() {
    let (a, r) = complement(0.3, 0.1);
    assert_eq!(a + r, 0.3);
    assert_eq!(complement(10.0, 10.0), (10.0, 0.0));
    assert_eq!(complement(10.0, 0.0), (0.0, 10.0));
}

#[test]
fn complement_nudges_the_allocation_out_of_a_rounding_tie() {
    // total has an odd last bit and allocated sits half an ulp(total) off
    // its grid, so every remainder lands on a tie that rounds away from
    // total; only moving allocated by one of its (much smaller) ulps helps.
    let total = 1.5 * 2f64.powi(42) + 2f64.powi(-10);
    let allocated = 1.0 + 2f64.powi(-11);
    let (a, r) = complement(total, allocated);
    assert_eq!(a + r, total);
    assert!((a - allocated).abs() <= 2f64.powi(-52));
    assert!(r >= 0.0);
}
