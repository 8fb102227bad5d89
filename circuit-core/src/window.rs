//! The sliding window: a ring of per-bucket counts.
//!
//! The breaker's counters only ever grow. The ring remembers the counters
//! as they were when the current time bucket began; when a record arrives
//! in a later bucket, the ring closes the current bucket by storing its
//! counts (counters now minus counters at its start) in the bucket's slot.
//! The window's counts are then the closed buckets still in the window
//! plus the current bucket's running count. Memory is `BUCKETS` slots of
//! 32-bit counts whatever the call rate, and recording a call touches no
//! ring state at all. The ring lives under the breaker's cold lock.
//!
//! Precision: the window covers the current bucket and the `BUCKETS - 1`
//! before it, i.e. between `monitor_window - width` and `monitor_window` of
//! history, where `width = monitor_window / BUCKETS`. Calls older than
//! `monitor_window` never count. A closed bucket holds at most `u32::MAX`
//! of each count (it saturates).

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

    fn plus(self, bucket: Bucket) -> Self {
        Self {
            successes: self.successes.saturating_add(u64::from(bucket.successes)),
            failures: self.failures.saturating_add(u64::from(bucket.failures)),
            slow: self.slow.saturating_add(u64::from(bucket.slow)),
        }
    }
}

/// The counts of one closed bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Bucket {
    successes: u32,
    failures: u32,
    slow: u32,
}

impl Bucket {
    fn of(counts: Cumulative) -> Self {
        let narrow = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        Self {
            successes: narrow(counts.successes),
            failures: narrow(counts.failures),
            slow: narrow(counts.slow),
        }
    }
}

#[derive(Debug)]
pub(crate) struct Ring {
    width: u64,
    /// The bucket of the latest record (or reset).
    current: u64,
    /// The counters when the current bucket began (or at the last reset).
    start: Cumulative,
    /// Closed buckets' counts, indexed by `bucket % BUCKETS`; a slot whose
    /// bucket has not closed since the last reset holds zeros.
    slots: [Bucket; BUCKETS as usize],
}

impl Ring {
    pub(crate) fn new(window_nanos: u64, now: u64, counts: Cumulative) -> Self {
        let width = (window_nanos / BUCKETS).max(1);
        Self {
            width,
            current: now / width,
            start: counts,
            slots: [Bucket::default(); BUCKETS as usize],
        }
    }

    fn bucket_of(&self, now: u64) -> u64 {
        now / self.width
    }

    /// When the current bucket ends: the first record at or after it must
    /// call [`advance`](Self::advance) before counting.
    pub(crate) fn current_bucket_end(&self) -> u64 {
        self.current.saturating_add(1).saturating_mul(self.width)
    }

    /// Closes the current bucket and starts `now`'s; `counts` are the
    /// counters before any call of the new bucket was counted.
    pub(crate) fn advance(&mut self, now: u64, counts: Cumulative) {
        let bucket = self.bucket_of(now);
        if bucket <= self.current {
            return;
        }
        self.slots[(self.current % BUCKETS) as usize] = Bucket::of(counts.minus(self.start));
        // Buckets skipped over saw no calls.
        let skipped = (bucket - self.current - 1).min(BUCKETS);
        for b in 1..=skipped {
            self.slots[((self.current + b) % BUCKETS) as usize] = Bucket::default();
        }
        self.current = bucket;
        self.start = counts;
    }

    /// Forgets everything counted before now (a fresh window).
    pub(crate) fn reset(&mut self, now: u64, counts: Cumulative) {
        self.current = self.bucket_of(now).max(self.current);
        self.start = counts;
        self.slots = [Bucket::default(); BUCKETS as usize];
    }

    /// The window's counts at `now`, given the counters now.
    pub(crate) fn window(&self, now: u64, counts: Cumulative) -> Cumulative {
        let newest = self.bucket_of(now).max(self.current);
        let oldest = (newest + 1).saturating_sub(BUCKETS);
        if self.current < oldest {
            // Every counted call fell in a bucket that has left the window.
            return Cumulative::default();
        }
        (oldest..self.current).fold(counts.minus(self.start), |sum, b| {
            sum.plus(self.slots[(b % BUCKETS) as usize])
        })
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
    fn skipped_buckets_do_not_resurrect_old_counts() {
        let mut ring = Ring::new(10 * SEC, 0, c(0, 0));
        // 5 failures in bucket 0, then a call in bucket 3 (1 s buckets).
        ring.advance(3 * SEC, c(0, 5));
        // Bucket 13 reuses bucket 3's slot; 3..=12 were quiet but bucket 3.
        ring.advance(13 * SEC, c(1, 5));
        assert_eq!(ring.window(13 * SEC, c(1, 5)), c(0, 0));
        assert_eq!(ring.window(12 * SEC, c(1, 5)), c(0, 0));
    }

    #[test]
    fn a_bucket_saturates_instead_of_wrapping() {
        let mut ring = Ring::new(10 * SEC, 0, c(0, 0));
        let huge = c(u64::from(u32::MAX) + 5, 0);
        ring.advance(SEC, huge);
        assert_eq!(ring.window(SEC, huge).successes, u64::from(u32::MAX));
    }

    #[test]
    fn tiny_windows_do_not_divide_by_zero() {
        let mut ring = Ring::new(3, 0, c(0, 0));
        ring.advance(100, c(0, 0));
        assert_eq!(ring.window(100, c(1, 0)), c(1, 0));
    }
}
