//! Lifetime outcome counters, striped so that threads on different cores do
//! not fight over one cache line.

use crate::Outcome;
use crate::sync::{AtomicU64, Ordering, stripe_index};

/// Stripes per breaker. Four keep two to four busy threads apart while the
/// breaker stays small: each stripe is one 64-byte cache line.
pub(crate) const STRIPES: usize = 4;

/// The order threads are dealt stripes in: the first two threads get lines
/// 128 bytes apart, so the adjacent-line prefetcher of x86 cores does not
/// pull one thread's line along with the other's.
const DEAL: [usize; STRIPES] = [0, 2, 1, 3];

/// One stripe per cache line.
#[derive(Debug, Default)]
#[repr(align(64))]
struct Line(Stripe);

/// One set of monotonically growing counters.
#[derive(Debug, Default)]
pub(crate) struct Stripe {
    successes: AtomicU64,
    failures: AtomicU64,
    timeouts: AtomicU64,
    slow: AtomicU64,
    ignored: AtomicU64,
    cancelled: AtomicU64,
    rejected: AtomicU64,
}

/// A consistent-enough sum of counters (each counter is read once; a sum
/// taken while other threads record may miss their latest increments).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Totals {
    pub(crate) successes: u64,
    pub(crate) failures: u64,
    pub(crate) timeouts: u64,
    pub(crate) slow: u64,
    pub(crate) ignored: u64,
    pub(crate) cancelled: u64,
    pub(crate) rejected: u64,
}

impl Totals {
    fn add(&mut self, s: &Stripe) {
        self.successes += s.successes.load(Ordering::Relaxed);
        self.failures += s.failures.load(Ordering::Relaxed);
        self.timeouts += s.timeouts.load(Ordering::Relaxed);
        self.slow += s.slow.load(Ordering::Relaxed);
        self.ignored += s.ignored.load(Ordering::Relaxed);
        self.cancelled += s.cancelled.load(Ordering::Relaxed);
        self.rejected += s.rejected.load(Ordering::Relaxed);
    }

    pub(crate) fn plus(mut self, other: &Self) -> Self {
        self.successes += other.successes;
        self.failures += other.failures;
        self.timeouts += other.timeouts;
        self.slow += other.slow;
        self.ignored += other.ignored;
        self.cancelled += other.cancelled;
        self.rejected += other.rejected;
        self
    }
}

impl Stripe {
    /// Counts one finished call. Timeouts are failures too.
    #[inline]
    pub(crate) fn record(&self, outcome: Outcome, slow: bool) {
        let counter = match outcome {
            Outcome::Success => &self.successes,
            Outcome::Failure => &self.failures,
            Outcome::Timeout => {
                self.timeouts.fetch_add(1, Ordering::Relaxed);
                &self.failures
            }
            Outcome::Ignored => &self.ignored,
            Outcome::Cancelled => &self.cancelled,
        };
        if slow {
            self.slow.fetch_add(1, Ordering::Relaxed);
        }
        counter.fetch_add(1, Ordering::Relaxed);
    }

    #[inline]
    pub(crate) fn record_rejection(&self) {
        self.rejected.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn totals(&self) -> Totals {
        let mut t = Totals::default();
        t.add(self);
        t
    }
}

/// The striped lifetime counters of one breaker.
#[derive(Debug, Default)]
pub(crate) struct StripedCounters {
    stripes: [Line; STRIPES],
}

impl StripedCounters {
    /// The calling thread's stripe.
    #[inline]
    pub(crate) fn local(&self) -> &Stripe {
        &self.stripes[DEAL[stripe_index(STRIPES)]].0
    }

    pub(crate) fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for line in &self.stripes {
            t.add(&line.0);
        }
        t
    }
}
