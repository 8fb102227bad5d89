//! The compact bucket layout: 46 buckets from 50 µs to 120 s, for
//! [`LatencyRecorder::compact`](crate::LatencyRecorder::compact).
//!
//! The upper edges ([`COMPACT_EDGES`]) are, per decade from 100 µs to 10 s,
//! the mantissas 1, 1.5, 2, 2.5, 3.5, 5 and 7.5; below that 50 and 75 µs;
//! above it 10, 15, 20, 30, 45, 60, 90 and 120 s. Bucket 0 holds
//! `[0, 50 µs]`, the last one what is above 120 s; the others hold
//! `(edge[i-1], edge[i]]`, upper edge included like Prometheus's `le`.
//!
//! Why these:
//! * Every bound of [`DEFAULT_LATENCY_BOUNDS`](crate::DEFAULT_LATENCY_BOUNDS)
//!   is an edge, so exports at the default bounds are exact, as with the
//!   fine layout.
//! * Every edge is an edge of the fine layout, so a fine snapshot turns
//!   into a compact one exactly (snapshots of both layouts merge).
//! * Two neighbouring edges are at most 1.5× apart, so a value estimated
//!   by its bucket's midpoint is off by at most 25 %
//!   ([`COMPACT_MAX_RELATIVE_ERROR`]) from 50 µs to 120 s.
//! * 46 counters and a sum of 8 bytes each are 376 bytes per outcome: a
//!   recorder that saw all five outcomes holds under 2 KiB.
//!
//! A bucket is found through the fine layout's index and a table built at
//! compile time: no search on the call path.

use std::time::Duration;

use super::{BUCKETS as FINE_BUCKETS, bounds as fine_bounds, index as fine_index};

/// Upper edges of the compact buckets, in microseconds.
const EDGES_US: [u64; 45] = [
    50,
    75, //
    100,
    150,
    200,
    250,
    350,
    500,
    750, //
    1_000,
    1_500,
    2_000,
    2_500,
    3_500,
    5_000,
    7_500, //
    10_000,
    15_000,
    20_000,
    25_000,
    35_000,
    50_000,
    75_000, //
    100_000,
    150_000,
    200_000,
    250_000,
    350_000,
    500_000,
    750_000, //
    1_000_000,
    1_500_000,
    2_000_000,
    2_500_000,
    3_500_000,
    5_000_000,
    7_500_000, //
    10_000_000,
    15_000_000,
    20_000_000,
    30_000_000,
    45_000_000,
    60_000_000,
    90_000_000,
    120_000_000,
];

/// Number of compact buckets: one below each edge, one above the last.
pub(crate) const BUCKETS: usize = EDGES_US.len() + 1;

/// The compact buckets' finite upper edges, in increasing order.
pub const COMPACT_EDGES: [Duration; EDGES_US.len()] = {
    let mut edges = [Duration::ZERO; EDGES_US.len()];
    let mut i = 0;
    while i < EDGES_US.len() {
        edges[i] = Duration::from_micros(EDGES_US[i]);
        i += 1;
    }
    edges
};

/// The largest relative error of a value estimated by its compact
/// bucket's midpoint, for values from 50 µs to 120 s.
pub const COMPACT_MAX_RELATIVE_ERROR: f64 = 0.25;

/// The compact bucket of each fine bucket. A fine bucket lies inside one
/// compact bucket because every compact edge is a fine edge.
const FROM_FINE: [u8; FINE_BUCKETS] = {
    let mut table = [0u8; FINE_BUCKETS];
    let mut fine = 0;
    while fine < FINE_BUCKETS {
        let upper = fine_bounds(fine).1;
        // Compact edges below the fine bucket's upper edge.
        let mut below = 0;
        while below < EDGES_US.len() && EDGES_US[below] * 1_000 < upper {
            below += 1;
        }
        table[fine] = below as u8;
        fine += 1;
    }
    table
};

/// The compact bucket of a latency of `nanos` ns.
#[inline]
pub(crate) fn index(nanos: u64) -> usize {
    usize::from(FROM_FINE[fine_index(nanos)])
}

/// The compact bucket that holds fine bucket `fine`.
#[inline]
pub(crate) fn from_fine(fine: usize) -> usize {
    usize::from(FROM_FINE[fine])
}

/// The bucket's edges in ns: `(lower, upper]` (bucket 0 includes 0; the
/// last bucket's upper edge is `u64::MAX`).
pub(crate) fn bounds(index: usize) -> (u64, u64) {
    let edge = |i: usize| EDGES_US[i] * 1_000;
    match index {
        0 => (0, edge(0)),
        i if i >= BUCKETS - 1 => (edge(EDGES_US.len() - 1), u64::MAX),
        i => (edge(i - 1), edge(i)),
    }
}

/// A value standing for the bucket: its midpoint (the overflow bucket's
/// lower edge).
pub(crate) fn representative(index: usize) -> u64 {
    super::midpoint(bounds(index), index >= BUCKETS - 1)
}

#[cfg(test)]
mod tests;
