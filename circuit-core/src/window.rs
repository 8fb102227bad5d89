//! The sliding window: a ring of cumulative-count snapshots, one per time
//! bucket.
//!
//! The breaker's counters only ever grow. At the first record of each new
//! time bucket the ring stores the counters as they were when the bucket
//! began; the window's counts are then `counters now - counters at the
//! start of the oldest bucket still in the window`. Memory is `BUCKETS`
//! snapshots whatever the call rate, and recording a call touches no ring
//! state at all. The ring lives under the breaker's cold lock.
//!
//! Precision: the window covers the current bucket and the `BUCKETS - 1`
//! before it, i.e. between `monitor_window - width` and `monitor_window` of
//! history, where `width = monitor_window / BUCKETS`. Calls older than
//! `monitor_window` never count.

/// Buckets per window: with the default 60 s window, 6 s buckets.
pub(crate) const BUCKETS: u64 = 10;

/// The window-relevant counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Cumulative {
    pub(crate) successes: u64,
    pub(crate) failures: u64,
    pub(crate) slow: u64,
}

impl Cumulative {
    fn minus(self, base: Self) -> Self {
        Self {
            successes: self.successes.saturating_sub(base.successes),
            failures: self.failures.saturating_sub(base.failures),
            slow: self.slow.saturating_sub(base.slow),
        }
    }
}

#[derive(Debug)]
pub(crate) struct Ring {
    width: u64,
    /// The bucket of the latest record (or reset).
    current: u64,
    /// Counts at the last reset; the window never reaches behind them.
    floor_bucket: u64,
    floor: Cumulative,
    /// `(bucket, counts when it began)`, indexed by `bucket % BUCKETS`.
    slots: [(u64, Cumulative); BUCKETS as usize],
}

impl Ring {
    pub(crate) fn new(window_nanos: u64, now: u64, counts: Cumulative) -> Self {
        let width = (window_nanos / BUCKETS).max(1);
        let bucket = now / width;
        Self {
            width,
            current: bucket,
            floor_bucket: bucket,
            floor: counts,
            slots: [(u64::MAX, Cumulative::default()); BUCKETS as usize],
        }
    }

    pub(crate) fn bucket_of(&self, now: u64) -> u64 {
        now / self.width
    }

    /// When the current bucket ends: the first record at or after it must
    /// call [`advance`](Self::advance) before counting.
    pub(crate) fn current_bucket_end(&self) -> u64 {
        self.current.saturating_add(1).saturating_mul(self.width)
    }

    /// Starts the buckets up to `now`'s; `counts` are the counters before
    /// any call of the new bucket was counted.
    pub(crate) fn advance(&mut self, now: u64, counts: Cumulative) {
        let bucket = self.bucket_of(now);
        if bucket <= self.current {
            return;
        }
        // Skipped buckets saw no calls, so they all began with `counts`.
        let first = (self.current + 1).max(bucket.saturating_sub(BUCKETS - 1));
        for b in first..=bucket {
            self.slots[(b % BUCKETS) as usize] = (b, counts);
        }
        self.current = bucket;
    }

    /// Forgets everything counted before now (a fresh window).
    pub(crate) fn reset(&mut self, now: u64, counts: Cumulative) {
        let bucket = self.bucket_of(now).max(self.current);
        self.current = bucket;
        self.floor_bucket = bucket;
        self.floor = counts;
    }

    /// The window's counts at `now`, given the counters now.
    ///
    /// An outcome dated by a handed-in latency may lie a little ahead of the
    /// clock and have advanced the ring past `now`'s bucket; the window then
    /// ends at that latest bucket, so the slots it needs are the ones the
    /// ring filled.
    pub(crate) fn window(&self, now: u64, counts: Cumulative) -> Cumulative {
        let newest = self.bucket_of(now).max(self.current);
        let oldest = (newest + 1).saturating_sub(BUCKETS);
        if self.current < oldest {
            // Every counted call fell in a bucket that has left the window.
            return Cumulative::default();
        }
        let base = if self.floor_bucket >= oldest {
            self.floor
        } else {
            let (bucket, base) = self.slots[(oldest % BUCKETS) as usize];
            debug_assert_eq!(
                bucket, oldest,
                "ring slot missing for a bucket in the window"
            );
            if bucket == oldest { base } else { self.floor }
        };
        counts.minus(base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: u64 = 1_000_000_000;

    fn c(successes: u64, failures: u64) -> Cumulative {
        Cumulative {
            successes,
            failures,
            slow: 0,
        }
    }

    #[test]
    fn calls_leave_the_window_a_bucket_at_a_time() {
        // 60 s window, 6 s buckets.
        let mut ring = Ring::new(60 * SEC, 0, c(0, 0));
        // 3 failures in bucket 0.
        let counts = c(0, 3);
        assert_eq!(ring.window(5 * SEC, counts), c(0, 3));
        // 2 successes at t = 30 s (bucket 5).
        ring.advance(30 * SEC, counts);
        let counts = c(2, 3);
        assert_eq!(ring.window(30 * SEC, counts), c(2, 3));
        // At 59.9 s bucket 0 is still in the window (buckets 0..=9).
        assert_eq!(ring.window(59 * SEC, counts), c(2, 3));
        // At 60 s bucket 0 has left (buckets 1..=10).
        assert_eq!(ring.window(60 * SEC, counts), c(2, 0));
        // At 90 s bucket 5 has left too.
        assert_eq!(ring.window(90 * SEC, counts), c(0, 0));
        // Long silences skip many buckets.
        ring.advance(1000 * SEC, counts);
        assert_eq!(ring.window(1000 * SEC, c(3, 3)), c(1, 0));
    }

    #[test]
    fn reset_starts_a_fresh_window_mid_bucket() {
        let mut ring = Ring::new(60 * SEC, 0, c(0, 0));
        ring.reset(SEC, c(0, 4));
        assert_eq!(ring.window(2 * SEC, c(1, 4)), c(1, 0));
        ring.advance(7 * SEC, c(1, 4));
        assert_eq!(ring.window(7 * SEC, c(1, 5)), c(1, 1));
        assert_eq!(ring.window(65 * SEC, c(1, 5)), c(0, 1));
    }

    #[test]
    fn an_outcome_dated_ahead_of_the_clock_keeps_the_window_consistent() {
        let mut ring = Ring::new(60 * SEC, 0, c(0, 0));
        ring.advance(6 * SEC, c(0, 2));
        // Calls in buckets 1..: the ring is at bucket 1 when the clock
        // reads 65.9 s (bucket 10) ... then a handed-in latency dates an
        // outcome at 66.1 s, bucket 11, which reuses bucket 1's slot.
        ring.advance(65 * SEC, c(0, 3));
        ring.advance(66 * SEC + SEC / 10, c(1, 3));
        // Asked at 65.9 s the window must not read a slot of the wrong
        // bucket: it ends at bucket 11 (buckets 2..=11).
        assert_eq!(ring.window(65 * SEC + 9 * SEC / 10, c(1, 4)), c(1, 1));
    }

    #[test]
    fn tiny_windows_do_not_divide_by_zero() {
        let mut ring = Ring::new(3, 0, c(0, 0));
        ring.advance(100, c(0, 0));
        assert_eq!(ring.window(100, c(1, 0)), c(1, 0));
    }
}
