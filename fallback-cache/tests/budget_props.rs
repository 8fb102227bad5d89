//! Conservative allocations add up exactly for any budget and KOL count.

use fallback_cache::budget::{ConservativePlanner, MAX_AMOUNT, Ratio, Weighting};
use proptest::prelude::*;

fn budgets() -> impl Strategy<Value = f64> {
    prop_oneof![
        // Whole cents, from one cent to the maximum.
        (1_u64..=1_000_000_000_000_000).prop_map(|c| c as f64 / 100.0),
        // Everyday budgets in whole cents.
        (1_u64..=100_000_000).prop_map(|c| c as f64 / 100.0),
        // Any float in range, sub-cent parts included.
        (1e-9_f64..=MAX_AMOUNT),
        (1e-6_f64..=1.0),
    ]
}

fn kol_ids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("kol-{i:03}")).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn allocations_add_up_exactly(
        total in budgets(),
        n in 0_usize..120,
        ppm in prop_oneof![Just(800_000_u32), 1_u32..=1_000_000],
        scores in proptest::collection::vec(proptest::option::of(0.0_f64..=1.0), 120),
        cap in proptest::option::of(0.01_f64..1e9),
    ) {
        let ratio = Ratio::new(f64::from(ppm) / 1e6).unwrap();
        prop_assert_eq!(ratio.parts_per_million(), ppm);
        let ids = kol_ids(n);
        let score_of = |id: &str| scores[id[4..].parse::<usize>().unwrap()];
        let plan = ConservativePlanner::new(ratio).plan(total, &ids, cap, score_of).unwrap();

        // Exact in f64 and in cents.
        prop_assert_eq!(plan.total_allocated + plan.remaining_budget, total);
        prop_assert!(plan.remaining_budget >= 0.0 && plan.total_allocated >= 0.0);
        prop_assert_eq!(plan.lines.iter().map(|l| l.cents).sum::<u64>(), plan.allocated_cents);
        prop_assert!(plan.total_cents as f64 / 100.0 <= total * (1.0 + 1e-15));

        // The ratio: never above; without a cap, short by less than a cent of
        // the budget's cents (so under two cents of a budget with sub-cent parts).
        let pool = u128::from(plan.total_cents) * u128::from(ppm) / 1_000_000;
        prop_assert!(u128::from(plan.allocated_cents) <= pool);
        if cap.is_none() && n > 0 {
            prop_assert_eq!(u128::from(plan.allocated_cents), pool);
            let whole = plan.total_cents as f64 / 100.0;
            prop_assert!((plan.total_allocated - whole * ratio.as_f64()).abs() <= 0.01 + total * 1e-12);
            prop_assert!((plan.total_allocated - total * ratio.as_f64()).abs() <= 0.02 + total * 1e-12);
        }
        let exact = plan.allocated_cents as f64 / 100.0;
        prop_assert!((plan.total_allocated - exact).abs() <= exact * f64::EPSILON);

        // Lines: request order, priorities 1..=n, non-negative, capped, amounts = cents / 100.
        prop_assert_eq!(plan.lines.len(), n);
        for (i, line) in plan.lines.iter().enumerate() {
            prop_assert_eq!(&line.kol_id, &ids[i]);
            prop_assert_eq!(line.priority as usize, i + 1);
            prop_assert!(line.amount >= 0.0);
            prop_assert_eq!(line.amount, line.cents as f64 / 100.0);
            if let Some(cap) = cap {
                prop_assert!(line.amount <= cap);
            }
        }
        let f64_sum: f64 = plan.lines.iter().map(|l| l.amount).sum();
        prop_assert!((f64_sum - plan.total_allocated).abs() <= plan.total_allocated * 1e-12 + 1e-12);

        // Even splits differ by at most a cent, the extra cents going first.
        if plan.weighting == Weighting::Even && cap.is_none() {
            for pair in plan.lines.windows(2) {
                prop_assert!(pair[0].cents >= pair[1].cents && pair[0].cents - pair[1].cents <= 1);
            }
        }
    }

    #[test]
    fn whole_cent_budgets_are_taken_at_face_value(cents in 1_u64..=1_000_000_000_000_000, n in 1_usize..20) {
        let total = cents as f64 / 100.0;
        let plan = ConservativePlanner::new(Ratio::FULL).plan(total, &kol_ids(n), None, |_| None).unwrap();
        prop_assert_eq!(plan.total_cents, cents);
        prop_assert_eq!(plan.allocated_cents, cents);
        prop_assert_eq!(plan.total_allocated + plan.remaining_budget, total);
    }

    #[test]
    fn invalid_budgets_are_rejected_not_planned(total in prop_oneof![
        Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY), Just(0.0), -1e12_f64..=0.0, (MAX_AMOUNT * 1.000_001)..f64::MAX,
    ]) {
        prop_assert!(ConservativePlanner::default().plan(total, &["a"], None, |_| None).is_err());
    }
}
