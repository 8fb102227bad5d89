//! A fixed-size, lock-free latency histogram and its snapshots.
//!
//! Recording is two relaxed `fetch_add`s (one bucket, one sum stripe) and
//! never allocates. Memory is fixed at construction: two stripes of 812
//! buckets of 8 bytes plus four padded sum stripes, about 13 KB. The bucket
//! layout and its error bound are in [`crate::buckets`]; `compact.rs` is
//! the 376-byte histogram of [`LatencyRecorder::compact`](crate::LatencyRecorder::compact).

use std::fmt;
use std::time::Duration;

use crossbeam_utils::CachePadded;

use crate::buckets::{self, BUCKETS, Layout};
use crate::sync::{AtomicU64, Ordering, stripe_index};

mod compact;

pub(crate) use compact::CompactHistogram;

/// Stripes of the running sum: the sum is touched by every call, so threads
/// on different cores each get their own cache line.
const SUM_STRIPES: usize = 4;

/// Copies of the bucket array. Calls of similar latency hit the same
/// bucket, so two busy threads sharing one array fight over its cache line
/// (measured: 68 ns per call with two threads against 30 ns with one); two
/// copies, 6.5 KB apart, keep the first two threads apart.
const BUCKET_STRIPES: usize = 2;

/// A latency histogram shared by the threads that record into it.
///
/// Counts are exact per bucket; the sum is kept in whole microseconds
/// (rounded per call), which lasts about 580 000 years of summed latency
/// before it wraps.
pub struct LatencyHistogram {
    buckets: Box<[AtomicU64]>,
    sum_micros: [CachePadded<AtomicU64>; SUM_STRIPES],
}

impl LatencyHistogram {
    /// An empty histogram.
    pub fn new() -> Self {
        Self {
            buckets: (0..BUCKETS * BUCKET_STRIPES)
                .map(|_| AtomicU64::new(0))
                .collect(),
            sum_micros: Default::default(),
        }
    }

    /// Records one latency. Lock-free, allocation-free.
    #[inline]
    pub fn record(&self, latency: Duration) {
        let nanos = nanos(latency);
        let stripe = stripe_index(BUCKET_STRIPES);
        self.buckets[stripe * BUCKETS + buckets::index(nanos)].fetch_add(1, Ordering::Relaxed);
        self.sum_micros[stripe_index(SUM_STRIPES)].fetch_add(micros(nanos), Ordering::Relaxed);
    }

    /// The counts so far. Each bucket is read once: a snapshot taken while
    /// other threads record may miss their latest calls, and its count and
    /// sum may disagree by those calls.
    pub fn snapshot(&self) -> HistogramSnapshot {
        let counts = (0..BUCKETS)
            .filter_map(|i| {
                let n = (0..BUCKET_STRIPES)
                    .map(|s| self.buckets[s * BUCKETS + i].load(Ordering::Relaxed))
                    .fold(0u64, u64::wrapping_add);
                (n > 0).then_some((i as u32, n))
            })
            .collect();
        let sum_micros = self
            .sum_micros
            .iter()
            .map(|s| s.load(Ordering::Relaxed))
            .fold(0u64, u64::wrapping_add);
        HistogramSnapshot {
            layout: Layout::Fine,
            counts,
            sum_micros,
        }
    }
}

/// A latency in whole nanoseconds, saturating.
#[inline]
fn nanos(latency: Duration) -> u64 {
    u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX)
}

/// Nanoseconds rounded to the microsecond, as the sum keeps them.
#[inline]
fn micros(nanos: u64) -> u64 {
    nanos.saturating_add(500) / 1_000
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for LatencyHistogram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.snapshot();
        f.debug_struct("LatencyHistogram")
            .field("count", &s.count())
            .field("sum", &s.sum())
            .finish()
    }
}

/// A histogram's counts at one moment: the non-empty buckets, in order.
///
/// A snapshot counts in the layout of the histogram it came from (the
/// fine one of [`crate::buckets`], or the compact one of
/// [`LatencyRecorder::compact`](crate::LatencyRecorder::compact)). Where
/// snapshots of both layouts meet ([`merge`](Self::merge),
/// [`since`](Self::since)), the result is compact: every compact edge is
/// a fine edge, so the fine counts are moved into compact buckets exactly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistogramSnapshot {
    layout: Layout,
    counts: Vec<(u32, u64)>,
    sum_micros: u64,
}

impl HistogramSnapshot {
    /// The largest relative error of a quantile of this snapshot, for
    /// latencies within its layout's range:
    /// [`MAX_RELATIVE_ERROR`](crate::MAX_RELATIVE_ERROR) (5 %, 1 µs to
    /// 1000 s) or, from a compact recorder,
    /// [`COMPACT_MAX_RELATIVE_ERROR`](crate::COMPACT_MAX_RELATIVE_ERROR)
    /// (25 %, 50 µs to 120 s).
    pub fn max_relative_error(&self) -> f64 {
        self.layout.max_relative_error()
    }

    /// The same counts in the compact layout (a copy if already compact).
    fn to_compact(&self) -> Self {
        if self.layout == Layout::Compact {
            return self.clone();
        }
        let mut counts: Vec<(u32, u64)> = Vec::with_capacity(self.counts.len());
        for &(fine, n) in &self.counts {
            let i = buckets::compact::from_fine(fine as usize) as u32;
            match counts.last_mut() {
                Some((last, total)) if *last == i => *total += n,
                _ => counts.push((i, n)),
            }
        }
        Self {
            layout: Layout::Compact,
            counts,
            sum_micros: self.sum_micros,
        }
    }

    /// Number of recorded latencies.
    pub fn count(&self) -> u64 {
        self.counts.iter().map(|(_, n)| n).sum()
    }

    /// Sum of the recorded latencies (to the microsecond per call).
    pub fn sum(&self) -> Duration {
        Duration::from_micros(self.sum_micros)
    }

    /// The non-empty buckets as `(lower, upper, count)`: each holds the
    /// latencies in `(lower, upper]` (the first also holds zero; the last
    /// bucket's upper edge is `Duration::MAX`-like, above 1000 s).
    pub fn buckets(&self) -> impl Iterator<Item = (Duration, Duration, u64)> + '_ {
        self.counts.iter().map(|&(i, n)| {
            let (lower, upper) = self.layout.bounds(i as usize);
            (Duration::from_nanos(lower), Duration::from_nanos(upper), n)
        })
    }

    /// The `q`-quantile (0 ≤ q ≤ 1) estimated by the midpoint of the bucket
    /// that holds it, within [`max_relative_error`](Self::max_relative_error)
    /// of a true latency in that bucket. `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<Duration> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for &(i, n) in &self.counts {
            seen += n;
            if seen >= rank {
                return Some(Duration::from_nanos(self.layout.representative(i as usize)));
            }
        }
        self.counts
            .last()
            .map(|&(i, _)| Duration::from_nanos(self.layout.representative(i as usize)))
    }

    /// Counts per export bucket: entry `j` counts the latencies in
    /// `(bounds[j-1], bounds[j]]` (from zero for `j = 0`), and one more entry
    /// counts those above the last bound. `bounds` must be increasing.
    ///
    /// Exact when every bound is a bucket edge: two significant digits,
    /// from 1 µs to 1000 s, or for a compact snapshot one of
    /// [`COMPACT_EDGES`](crate::buckets::COMPACT_EDGES) (all the
    /// [`DEFAULT_LATENCY_BOUNDS`](crate::DEFAULT_LATENCY_BOUNDS) are both).
    /// Otherwise a bucket that straddles a bound is counted below it, so a
    /// bound `b` acts as the largest edge `≤ b`, which is at least `b / 1.1`
    /// (`b / 1.5` for a compact snapshot, from 50 µs to 120 s).
    pub fn counts_at(&self, bounds: &[Duration]) -> Vec<u64> {
        let edges: Vec<u64> = bounds
            .iter()
            .map(|b| u64::try_from(b.as_nanos()).unwrap_or(u64::MAX))
            .collect();
        let mut out = vec![0; edges.len() + 1];
        for &(i, n) in &self.counts {
            let upper = self.layout.bounds(i as usize).1;
            let slot = edges.partition_point(|&edge| edge < upper);
            out[slot] += n;
        }
        out
    }

    /// What was recorded after `earlier` (a snapshot of the same histogram
    /// taken before this one); buckets that went down count as zero.
    pub fn since(&self, earlier: &HistogramSnapshot) -> HistogramSnapshot {
        if self.layout != earlier.layout {
            return self.to_compact().since(&earlier.to_compact());
        }
        let counts = self
            .counts
            .iter()
            .filter_map(|&(i, n)| {
                let before = earlier
                    .counts
                    .binary_search_by_key(&i, |&(j, _)| j)
                    .map_or(0, |at| earlier.counts[at].1);
                let delta = n.saturating_sub(before);
                (delta > 0).then_some((i, delta))
            })
            .collect();
        HistogramSnapshot {
            layout: self.layout,
            counts,
            sum_micros: self.sum_micros.saturating_sub(earlier.sum_micros),
        }
    }

    /// Adds `other`'s counts to this one (for a total over outcomes).
    pub fn merge(&mut self, other: &HistogramSnapshot) {
        if self.layout != other.layout {
            *self = self.to_compact();
            return self.merge(&other.to_compact());
        }
        let mut merged = Vec::with_capacity(self.counts.len() + other.counts.len());
        let (mut a, mut b) = (
            self.counts.iter().peekable(),
            other.counts.iter().peekable(),
        );
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(&&(i, n)), Some(&&(j, m))) if i == j => {
                    a.next();
                    b.next();
                    (i, n + m)
                }
                (Some(&&x), Some(&&y)) => {
                    if x.0 < y.0 {
                        a.next();
                        x
                    } else {
                        b.next();
                        y
                    }
                }
                (Some(&&x), None) => {
                    a.next();
                    x
                }
                (None, Some(&&y)) => {
                    b.next();
                    y
                }
                (None, None) => break,
            };
            merged.push(next);
        }
        self.counts = merged;
        self.sum_micros = self.sum_micros.wrapping_add(other.sum_micros);
    }

    /// Bucket midpoints with their counts, for replaying into a histogram
    /// that can only record single values.
    #[cfg(feature = "otlp")]
    pub(crate) fn representatives(&self) -> impl Iterator<Item = (Duration, u64)> + '_ {
        self.counts.iter().map(|&(i, n)| {
            (
                Duration::from_nanos(self.layout.representative(i as usize)),
                n,
            )
        })
    }
}

impl fmt::Display for HistogramSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |d: Option<Duration>| d.map_or(0.0, |d| d.as_secs_f64() * 1e3);
        write!(
            f,
            "count={} sum={:.3}s p50={:.3}ms p90={:.3}ms p99={:.3}ms",
            self.count(),
            self.sum().as_secs_f64(),
            ms(self.quantile(0.5)),
            ms(self.quantile(0.9)),
            ms(self.quantile(0.99)),
        )
    }
}

#[cfg(test)]
mod tests;
