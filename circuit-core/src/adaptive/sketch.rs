//! Latency quantiles: a log-linear histogram of nanoseconds.
//!
//! Bins split each power of two into eight, so a bin is at most 1/8 wide
//! relative to its lower edge and a quantile read as the bin's midpoint is
//! within about 6 % of the truth. Latencies below 1 µs count as 1 µs, above
//! about 36 minutes as 36 minutes.
//!
//! [`Recorder`] is what the call path writes into: one relaxed atomic add
//! per call, no lock, no allocation. Each closed bucket of the breaker's
//! window drains it; a steady bucket's counts go into the learned
//! [`Histogram`], which fades like every other learned number.

use std::time::Duration;

use crate::clock::duration_to_nanos;
use crate::sync::{AtomicU64, Ordering};

/// Sub-bins per power of two (a power of two itself).
const SUB_BITS: u32 = 3;
const SUB: usize = 1 << SUB_BITS;
/// Smallest and largest powers of two covered: 2^10 ns ≈ 1 µs to
/// 2^41 ns ≈ 36 min.
const LOW_EXP: u32 = 10;
const HIGH_EXP: u32 = 40;
/// Bins in all.
pub(crate) const BINS: usize = (HIGH_EXP - LOW_EXP + 1) as usize * SUB;

fn bin_of(nanos: u64) -> usize {
    let nanos = nanos.clamp(1 << LOW_EXP, (1 << (HIGH_EXP + 1)) - 1);
    let exp = 63 - nanos.leading_zeros();
    let sub = (nanos >> (exp - SUB_BITS)) as usize & (SUB - 1);
    (exp - LOW_EXP) as usize * SUB + sub
}

/// The middle of a bin, in nanoseconds.
fn midpoint(bin: usize) -> f64 {
    let exp = (bin / SUB) as u32 + LOW_EXP;
    let sub = (bin % SUB) as f64;
    let low = f64::from(1u32 << SUB_BITS) + sub;
    // [low, low + 1) * 2^(exp - SUB_BITS)
    (low + 0.5) * 2f64.powi(exp as i32 - SUB_BITS as i32)
}

/// Latencies of the bucket in progress, recorded lock-free.
#[derive(Debug)]
pub(crate) struct Recorder {
    bins: Box<[AtomicU64]>,
}

impl Default for Recorder {
    fn default() -> Self {
        Self {
            bins: (0..BINS).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

impl Recorder {
    /// Counts one latency.
    #[inline]
    pub(crate) fn record(&self, latency: Duration) {
        self.bins[bin_of(duration_to_nanos(latency))].fetch_add(1, Ordering::Relaxed);
    }

    /// Takes the counts recorded since the last drain (a call recorded
    /// meanwhile lands in this drain or the next, never in neither).
    pub(crate) fn drain(&self) -> [u64; BINS] {
        let mut counts = [0u64; BINS];
        for (count, bin) in counts.iter_mut().zip(self.bins.iter()) {
            *count = bin.swap(0, Ordering::Relaxed);
        }
        counts
    }
}

/// Learned latencies: faded weights per bin.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Histogram {
    weights: Box<[f64; BINS]>,
    total: f64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            weights: Box::new([0.0; BINS]),
            total: 0.0,
        }
    }
}

impl Histogram {
    /// Fades what was learned by `factor` (in `[0, 1]`).
    pub(crate) fn fade(&mut self, factor: f64) {
        self.weights.iter_mut().for_each(|w| *w *= factor);
        self.total *= factor;
    }

    /// Adds a bucket's counts.
    pub(crate) fn add(&mut self, counts: &[u64; BINS]) {
        for (w, c) in self.weights.iter_mut().zip(counts.iter()) {
            *w += *c as f64;
            self.total += *c as f64;
        }
    }

    /// The (faded) number of latencies learned.
    pub(crate) fn total(&self) -> f64 {
        self.total
    }

    /// The `q` quantile (`q` in `(0, 1]`), or `None` when empty.
    pub(crate) fn quantile(&self, q: f64) -> Option<Duration> {
        if self.total <= 0.0 {
            return None;
        }
        let rank = q * self.total;
        let mut seen = 0.0;
        let mut last = None;
        for (bin, w) in self.weights.iter().enumerate() {
            if *w <= 0.0 {
                continue;
            }
            seen += w;
            last = Some(bin);
            if seen >= rank {
                break;
            }
        }
        last.map(|bin| Duration::from_nanos(midpoint(bin) as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bin_holds_what_maps_to_it_within_an_eighth() {
        for nanos in [1_024u64, 1_500, 99_999, 200_000_000, 2_000_000_000, 1 << 40] {
            let mid = midpoint(bin_of(nanos));
            let error = (mid - nanos as f64).abs() / nanos as f64;
            assert!(error <= 1.0 / 16.0 + 1e-9, "{nanos}: {mid} ({error})");
        }
        assert_eq!(bin_of(0), 0);
        assert_eq!(bin_of(u64::MAX), BINS - 1);
        // Bins grow with the latency.
        let bins: Vec<usize> = (10..41).map(|e| bin_of(3u64 << (e - 1))).collect();
        assert!(bins.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn quantiles_of_a_known_spread() {
        let recorder = Recorder::default();
        // 1..=1000 ms, one each: p99 is 990 ms, p50 500 ms.
        for ms in 1..=1000u64 {
            recorder.record(Duration::from_millis(ms));
        }
        let mut h = Histogram::default();
        h.add(&recorder.drain());
        assert_eq!(h.total(), 1000.0);
        for (q, truth) in [(0.5, 500.0), (0.99, 990.0)] {
            let got = h.quantile(q).unwrap().as_secs_f64() * 1000.0;
            assert!((got - truth).abs() / truth < 0.07, "q{q}: {got} ms");
        }
        // Drained: the next bucket starts empty; fading keeps the shape.
        assert!(recorder.drain().iter().all(|c| *c == 0));
        let before = h.quantile(0.99);
        h.fade(0.5);
        assert_eq!((h.total(), h.quantile(0.99)), (500.0, before));
        assert_eq!(Histogram::default().quantile(0.99), None);
    }
}
