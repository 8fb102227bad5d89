use super::*;
use crate::DEFAULT_LATENCY_BOUNDS;

#[test]
fn every_value_lands_inside_its_bucket() {
    let edges = EDGES_US.map(|us| us * 1_000);
    super::super::tests::assert_every_value_lands_inside_its_bucket(index, bounds, BUCKETS, &edges);
}

#[test]
fn buckets_tile_the_range_in_order() {
    assert_eq!(BUCKETS, 46);
    for i in 1..BUCKETS {
        assert_eq!(bounds(i - 1).1, bounds(i).0, "gap before bucket {i}");
        assert!(bounds(i).0 < bounds(i).1);
    }
    assert_eq!(bounds(BUCKETS - 1), (120_000_000_000, u64::MAX));
    for (i, edge) in COMPACT_EDGES.iter().enumerate() {
        assert_eq!(u128::from(bounds(i).1), edge.as_nanos());
    }
}

#[test]
fn the_default_export_bounds_are_edges() {
    for seconds in DEFAULT_LATENCY_BOUNDS {
        let edge = Duration::from_secs_f64(seconds);
        assert!(COMPACT_EDGES.contains(&edge), "{seconds} s is not an edge");
    }
}

#[test]
fn every_fine_bucket_lies_inside_one_compact_bucket() {
    for fine in 0..FINE_BUCKETS {
        let (lower, upper) = fine_bounds(fine);
        let (c_lower, c_upper) = bounds(from_fine(fine));
        assert!(
            c_lower <= lower && upper <= c_upper,
            "fine ({lower}, {upper}] not inside compact ({c_lower}, {c_upper}]"
        );
    }
}

#[test]
fn midpoints_are_within_the_error_bound() {
    let mut worst: f64 = 0.0;
    for i in 1..BUCKETS - 1 {
        let (lower, upper) = bounds(i);
        let mid = representative(i) as f64;
        for v in [lower + 1, upper] {
            worst = worst.max((mid - v as f64).abs() / v as f64);
        }
    }
    assert!(worst <= COMPACT_MAX_RELATIVE_ERROR, "{worst}");
    // The bound is tight: a looser layout would fail the line above, a
    // finer one should say so.
    assert!(worst > COMPACT_MAX_RELATIVE_ERROR - 0.01, "{worst}");
}
