//! The compact histogram: the 46 buckets of [`crate::buckets::compact`]
//! and the sum, 47 counters in one 376-byte allocation.
//!
//! Recording is the same two relaxed `fetch_add`s as the fine histogram's,
//! without stripes: two threads recording into one compact histogram share
//! its cache lines. That is the price of its size; a breaker that is hot on
//! many cores keeps the fine recorder.

use std::time::Duration;

use super::{HistogramSnapshot, micros, nanos};
use crate::buckets::Layout;
use crate::buckets::compact::{BUCKETS, index};
use crate::sync::{AtomicU64, Ordering};

/// Where the sum (in µs) sits, after the bucket counters.
const SUM: usize = BUCKETS;

/// A compact histogram shared by the threads that record into it.
#[derive(Debug)]
pub(crate) struct CompactHistogram {
    cells: Box<[AtomicU64; BUCKETS + 1]>,
}

impl CompactHistogram {
    pub(crate) fn new() -> Self {
        Self {
            cells: Box::new([const { AtomicU64::new(0) }; BUCKETS + 1]),
        }
    }

    /// Records one latency. Lock-free, allocation-free.
    #[inline]
    pub(crate) fn record(&self, latency: Duration) {
        let nanos = nanos(latency);
        self.cells[index(nanos)].fetch_add(1, Ordering::Relaxed);
        self.cells[SUM].fetch_add(micros(nanos), Ordering::Relaxed);
    }

    /// The counts so far, each read once (see
    /// [`LatencyHistogram::snapshot`](super::LatencyHistogram::snapshot)).
    pub(crate) fn snapshot(&self) -> HistogramSnapshot {
        let counts = self.cells[..BUCKETS]
            .iter()
            .enumerate()
            .filter_map(|(i, cell)| {
                let n = cell.load(Ordering::Relaxed);
                (n > 0).then_some((i as u32, n))
            })
            .collect();
        HistogramSnapshot {
            layout: Layout::Compact,
            counts,
            sum_micros: self.cells[SUM].load(Ordering::Relaxed),
        }
    }
}

impl Default for CompactHistogram {
    fn default() -> Self {
        Self::new()
    }
}
