//! The histogram's bucket layout: log-linear in base 10, two significant
//! digits, as a pure function of the latency in nanoseconds.
//!
//! Bucket 0 holds `[0, 1 µs]`. Then each decade from 1 µs to 1000 s is cut
//! into 90 buckets of equal width `10^k` ns: the bucket of mantissa
//! `m` (10 to 99) holds `(m·10^k, (m+1)·10^k]`. The last bucket holds what
//! is above 1000 s. Buckets include their upper bound, like Prometheus's
//! `le`, so every bound with two significant digits between 1 µs and
//! 1000 s (1 ms, 2.5 ms, 75 ms, 7.5 s, 30 s, …) is a bucket edge and counts
//! at such bounds are exact.
//!
//! Error bound: a bucket's width is at most 1/m ≤ 10 % of its lower edge
//! (1 % at the top of a decade), so any value estimated by its bucket's
//! midpoint is off by at most 5 % (`MAX_RELATIVE_ERROR`).
//!
//! The compact layout ([`LatencyRecorder::compact`](crate::LatencyRecorder::compact))
//! keeps 46 of these edges, [`COMPACT_EDGES`]: see [`compact`].

pub mod compact;

pub use compact::{COMPACT_EDGES, COMPACT_MAX_RELATIVE_ERROR};

/// Which bucket layout a histogram (and its snapshots) counts in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Layout {
    /// This module's: 812 buckets, two significant digits.
    #[default]
    Fine,
    /// [`compact`]'s: 46 buckets, each edge one of the fine layout's.
    Compact,
}

impl Layout {
    /// The bucket's edges in ns: `(lower, upper]`.
    pub(crate) fn bounds(self, index: usize) -> (u64, u64) {
        match self {
            Self::Fine => bounds(index),
            Self::Compact => compact::bounds(index),
        }
    }

    /// A value standing for the bucket.
    pub(crate) fn representative(self, index: usize) -> u64 {
        match self {
            Self::Fine => representative(index),
            Self::Compact => compact::representative(index),
        }
    }

    /// The largest relative error of a value estimated by its bucket's
    /// representative, within the layout's range.
    pub(crate) fn max_relative_error(self) -> f64 {
        match self {
            Self::Fine => MAX_RELATIVE_ERROR,
            Self::Compact => COMPACT_MAX_RELATIVE_ERROR,
        }
    }
}

/// Buckets per decade: mantissas 10 to 99.
const PER_DECADE: usize = 90;
/// Decade exponents: the bucket width is `10^k` ns for `k` in
/// `FIRST_K..=LAST_K`, i.e. decades 1–10 µs up to 100–1000 s.
const FIRST_K: u32 = 2;
const LAST_K: u32 = 10;
const DECADES: usize = (LAST_K - FIRST_K + 1) as usize;
/// Values up to this many ns land in bucket 0.
const UNDERFLOW_NS: u64 = 1_000;
/// Values above this many ns land in the last bucket.
const OVERFLOW_NS: u64 = 1_000_000_000_000;

/// Number of buckets: underflow, nine decades, overflow.
pub(crate) const BUCKETS: usize = 1 + DECADES * PER_DECADE + 1;
/// The largest relative error of a value estimated by its bucket's
/// midpoint, for values from 1 µs to 1000 s.
pub const MAX_RELATIVE_ERROR: f64 = 0.05;

/// The bucket of a latency of `nanos` ns.
#[inline]
pub(crate) fn index(nanos: u64) -> usize {
    // Shifting by one makes buckets include their upper edge.
    let v = nanos.saturating_sub(1);
    if v < UNDERFLOW_NS {
        return 0;
    }
    if v >= OVERFLOW_NS {
        return BUCKETS - 1;
    }
    // v has 4 to 12 digits: k = digits - 2 keeps two for the mantissa.
    let k = v.ilog10() - 1;
    let mantissa = div_pow10(v, k);
    1 + (k - FIRST_K) as usize * PER_DECADE + (mantissa as usize - 10)
}

/// `v / 10^k` with constant divisors, which compile to multiplications.
#[inline]
fn div_pow10(v: u64, k: u32) -> u64 {
    match k {
        2 => v / 100,
        3 => v / 1_000,
        4 => v / 10_000,
        5 => v / 100_000,
        6 => v / 1_000_000,
        7 => v / 10_000_000,
        8 => v / 100_000_000,
        9 => v / 1_000_000_000,
        _ => v / 10_000_000_000,
    }
}

/// The bucket's edges in ns: `(lower, upper]` (bucket 0 includes 0;
/// the last bucket's upper edge is `u64::MAX`).
pub(crate) const fn bounds(index: usize) -> (u64, u64) {
    if index == 0 {
        return (0, UNDERFLOW_NS);
    }
    if index >= BUCKETS - 1 {
        return (OVERFLOW_NS, u64::MAX);
    }
    let i = index - 1;
    let k = FIRST_K + (i / PER_DECADE) as u32;
    let m = (10 + i % PER_DECADE) as u64;
    let width = 10u64.pow(k);
    (m * width, (m + 1) * width)
}

/// A value standing for the bucket: its midpoint (the overflow bucket's
/// lower edge, as nothing better is known).
pub(crate) fn representative(index: usize) -> u64 {
    midpoint(bounds(index), index >= BUCKETS - 1)
}

/// The midpoint of `(lower, upper]`, or `lower` for an overflow bucket.
fn midpoint((lower, upper): (u64, u64), overflow: bool) -> u64 {
    if overflow {
        lower
    } else {
        lower + (upper - lower) / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks that `index` puts `edges`, their neighbours and values
    /// spread over all of `u64` in a bucket of `0..buckets` whose
    /// `bounds` hold them.
    pub(super) fn assert_every_value_lands_inside_its_bucket(
        index: fn(u64) -> usize,
        bounds: fn(usize) -> (u64, u64),
        buckets: usize,
        edges: &[u64],
    ) {
        let mut values = vec![0, 1, u64::MAX];
        for &edge in edges {
            values.extend([edge - 1, edge, edge + 1]);
        }
        let mut v = 1u64;
        while v < u64::MAX / 3 {
            values.extend([v - 1, v, v + 1]);
            v = v * 3 + 7;
        }
        for v in values {
            let i = index(v);
            let (lower, upper) = bounds(i);
            assert!(i < buckets);
            assert!(
                (v > lower || (i == 0 && v == 0)) && v <= upper,
                "{v} in bucket {i} = ({lower}, {upper}]"
            );
        }
    }

    #[test]
    fn every_value_lands_inside_its_bucket() {
        let edges = [1_000, 1_100, 100_000, 5_000_000];
        assert_every_value_lands_inside_its_bucket(index, bounds, BUCKETS, &edges);
    }

    #[test]
    fn buckets_tile_the_range_in_order() {
        for i in 1..BUCKETS {
            assert_eq!(
                bounds(i - 1).1,
                bounds(i).0,
                "gap between buckets {} and {i}",
                i - 1
            );
        }
        assert_eq!(bounds(BUCKETS - 2).1, OVERFLOW_NS);
    }

    #[test]
    fn two_digit_bounds_are_bucket_edges() {
        for seconds in [
            0.000_001, 0.001, 0.0025, 0.005, 0.075, 0.1, 0.25, 1.0, 7.5, 30.0, 60.0, 1000.0,
        ] {
            let ns = (seconds * 1e9_f64).round() as u64;
            assert_eq!(bounds(index(ns)).1, ns, "{seconds} s is not an upper edge");
            assert_eq!(index(ns + 1), index(ns) + 1);
        }
    }

    #[test]
    fn midpoints_are_within_the_error_bound() {
        for i in 1..BUCKETS - 1 {
            let (lower, upper) = bounds(i);
            let mid = representative(i) as f64;
            for v in [lower + 1, upper] {
                let error = (mid - v as f64).abs() / v as f64;
                assert!(
                    error <= MAX_RELATIVE_ERROR,
                    "bucket {i}: {v} estimated as {mid} ({error})"
                );
            }
        }
    }
}
