//! The counters bumped without the lock: successes, ignored, cancelled and
//! rejected calls, striped so that threads on different cores do not fight
//! over one cache line; and the epoch-tagged run of consecutive failures.
//!
//! A breaker starts with one stripe inside itself. The first time two
//! threads collide on it, the breaker allocates one stripe per cache line
//! for the rest of its life (once, under its lock), so that a breaker
//! nobody shares stays small and a busy one stays fast.
//!
//! Successes carry the epoch they count for. A transition retags every
//! stripe under the lock before it publishes the new epoch, so a success
//! whose permit belongs to an older epoch fails its compare-and-swap and is
//! counted as stale: it can never land in a newer epoch's window.

use crate::Outcome;
use crate::state::Packed;
use crate::sync::{AtomicU64, Once, Ordering, stripe_index};

/// Stripes allocated on first contention. Four keep two to four busy
/// threads apart; each is one 64-byte cache line.
pub(crate) const STRIPES: usize = 4;

/// The order threads are dealt stripes in: the first two threads get lines
/// 128 bytes apart, so the adjacent-line prefetcher of x86 cores does not
/// pull one thread's line along with the other's.
const DEAL: [usize; STRIPES] = [0, 2, 1, 3];

/// The tag of a word: its high 32 bits.
const fn tag_of(word: u64) -> u32 {
    (word >> 32) as u32
}

/// The count of a word: its low 32 bits.
const fn count_of(word: u64) -> u32 {
    word as u32
}

const fn word(tag: u32, count: u32) -> u64 {
    ((tag as u64) << 32) | count as u64
}

/// What happened to a success handed to [`Stripe::add_success`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Added {
    /// Counted for its epoch.
    Counted {
        /// Another thread bumped the same stripe at the same moment.
        contended: bool,
    },
    /// Its epoch is over: count it as stale.
    Stale,
    /// The stripe's 32-bit count is full: roll it over under the lock and
    /// try again.
    Full,
}

/// One thread's share of the lock-free counters.
#[derive(Debug, Default)]
pub(crate) struct Stripe {
    /// Successes of the current epoch: tag (high 32 bits) and count.
    successes: AtomicU64,
    /// Successes moved out of `successes` at retagging; written only under
    /// the breaker's lock.
    retired: AtomicU64,
    ignored: AtomicU64,
    cancelled: AtomicU64,
    rejected: AtomicU64,
}

/// One stripe per cache line.
#[derive(Debug, Default)]
#[repr(align(64))]
struct Line(Stripe);

/// Adds one, saturating at `u64::MAX` instead of wrapping.
#[inline]
pub(crate) fn bump(counter: &AtomicU64) {
    if counter.fetch_add(1, Ordering::Relaxed) == u64::MAX {
        counter.store(u64::MAX, Ordering::Relaxed);
    }
}

impl Stripe {
    fn tagged(tag: u32) -> Self {
        let stripe = Self::default();
        stripe.successes.store(word(tag, 0), Ordering::Relaxed);
        stripe
    }

    /// Counts a success of the epoch tagged `tag`. `SeqCst`, so that a
    /// success followed by a load of the state word cannot miss the armed
    /// mark set by a concurrent cold path (see `CircuitBreaker::rearm`).
    #[inline]
    pub(crate) fn add_success(&self, tag: u32) -> Added {
        let mut current = self.successes.load(Ordering::Relaxed);
        let mut contended = false;
        loop {
            if tag_of(current) != tag {
                return Added::Stale;
            }
            if count_of(current) == u32::MAX {
                return Added::Full;
            }
            match self.successes.compare_exchange(
                current,
                current + 1,
                Ordering::SeqCst,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Added::Counted { contended },
                Err(seen) => {
                    contended |= tag_of(seen) == tag;
                    current = seen;
                }
            }
        }
    }

    /// Counts an ignored or cancelled call, or a rejection.
    #[inline]
    pub(crate) fn add(&self, outcome: Outcome) {
        match outcome {
            Outcome::Ignored => bump(&self.ignored),
            Outcome::Cancelled => bump(&self.cancelled),
            Outcome::Success | Outcome::Failure | Outcome::Timeout => {
                debug_assert!(false, "judged outcomes are counted elsewhere");
            }
        }
    }

    #[inline]
    pub(crate) fn add_rejection(&self) {
        bump(&self.rejected);
    }

    /// Under the lock: moves the current count to `retired` and tags the
    /// stripe with `tag`.
    fn retag(&self, tag: u32) {
        let mut current = self.successes.load(Ordering::SeqCst);
        loop {
            match self.successes.compare_exchange(
                current,
                word(tag, 0),
                Ordering::SeqCst,
                Ordering::SeqCst,
            ) {
                Ok(_) => break,
                Err(seen) => current = seen,
            }
        }
        let retired = self.retired.load(Ordering::Relaxed);
        self.retired.store(
            retired.saturating_add(u64::from(count_of(current))),
            Ordering::Relaxed,
        );
    }

    fn successes(&self) -> u64 {
        let current = count_of(self.successes.load(Ordering::SeqCst));
        self.retired
            .load(Ordering::Relaxed)
            .saturating_add(u64::from(current))
    }

    fn add_to(&self, totals: &mut Totals) {
        totals.successes = totals.successes.saturating_add(self.successes());
        totals.ignored = totals
            .ignored
            .saturating_add(self.ignored.load(Ordering::Relaxed));
        totals.cancelled = totals
            .cancelled
            .saturating_add(self.cancelled.load(Ordering::Relaxed));
        totals.rejected = totals
            .rejected
            .saturating_add(self.rejected.load(Ordering::Relaxed));
    }
}

/// Sums of the lock-free counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Totals {
    /// Successes of every epoch, stale ones excluded.
    pub(crate) successes: u64,
    pub(crate) ignored: u64,
    pub(crate) cancelled: u64,
    pub(crate) rejected: u64,
}

/// The lock-free counters of one breaker.
#[derive(Debug)]
pub(crate) struct Counters {
    first: Stripe,
    more: Once<Box<[Line; STRIPES]>>,
}

impl Counters {
    pub(crate) fn new() -> Self {
        Self {
            first: Stripe::tagged(Packed::new(crate::State::Closed, 0).tag()),
            more: Once::new_eager(Box::default),
        }
    }

    /// The calling thread's stripe.
    #[inline]
    pub(crate) fn local(&self) -> &Stripe {
        match self.more.get() {
            Some(lines) => &lines[DEAL[stripe_index(STRIPES)]].0,
            None => &self.first,
        }
    }

    /// Under the lock: gives every thread a stripe of its own, tagged
    /// `tag` (the current epoch's). Does nothing the second time.
    pub(crate) fn spread(&self, tag: u32) {
        self.more.get_or_init(|| {
            Box::new([
                Line(Stripe::tagged(tag)),
                Line(Stripe::tagged(tag)),
                Line(Stripe::tagged(tag)),
                Line(Stripe::tagged(tag)),
            ])
        });
    }

    /// Whether the stripes were spread.
    pub(crate) fn spread_out(&self) -> bool {
        self.more.get().is_some()
    }

    fn each(&self, mut f: impl FnMut(&Stripe)) {
        f(&self.first);
        if let Some(lines) = self.more.get() {
            for line in lines.iter() {
                f(&line.0);
            }
        }
    }

    /// Under the lock, before a new epoch is published: successes of
    /// older epochs can no longer be counted.
    pub(crate) fn retag(&self, tag: u32) {
        self.each(|stripe| stripe.retag(tag));
    }

    /// The sum of every stripe.
    pub(crate) fn totals(&self) -> Totals {
        let mut totals = Totals::default();
        self.each(|stripe| stripe.add_to(&mut totals));
        totals
    }

    /// Successes only (the sum the window needs).
    pub(crate) fn successes(&self) -> u64 {
        let mut sum = 0u64;
        self.each(|stripe| sum = sum.saturating_add(stripe.successes()));
        sum
    }
}

/// The current run of consecutive failures, tagged with the epoch that
/// last wrote it. Transitions retag it (keeping or clearing the run), so a
/// success of an older epoch cannot end a newer epoch's run.
#[derive(Debug, Default)]
pub(crate) struct FailureRun(AtomicU64);

impl FailureRun {
    pub(crate) fn get(&self) -> u32 {
        count_of(self.0.load(Ordering::Relaxed))
    }

    /// Under the lock: one more failure of the epoch tagged `tag`; returns
    /// the run it makes.
    pub(crate) fn extend(&self, tag: u32) -> u32 {
        self.update(|run| word(tag, run.saturating_add(1)))
    }

    /// Under the lock, at a transition: the new epoch's tag, with the run
    /// kept (OPEN, HALF_OPEN, forced states) or cleared (CLOSED).
    pub(crate) fn retag(&self, tag: u32, keep: bool) {
        self.update(|run| word(tag, if keep { run } else { 0 }));
    }

    /// Under the lock, at a trip: the new epoch's tag, with the run the
    /// trip was judged on.
    pub(crate) fn set(&self, tag: u32, run: u32) {
        self.update(|_| word(tag, run));
    }

    /// Under the lock: a success judged there ends the run.
    pub(crate) fn clear(&self, tag: u32) {
        self.update(|_| word(tag, 0));
    }

    fn update(&self, f: impl Fn(u32) -> u64) -> u32 {
        let mut current = self.0.load(Ordering::Relaxed);
        loop {
            let next = f(count_of(current));
            match self
                .0
                .compare_exchange(current, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return count_of(next),
                Err(seen) => current = seen,
            }
        }
    }

    /// Lock-free: a success of the epoch tagged `tag` ends the run if that
    /// epoch is still the run's. Reading first keeps the line shared
    /// between cores while the run is already zero, the usual case.
    #[inline]
    pub(crate) fn end(&self, tag: u32) {
        let mut current = self.0.load(Ordering::Relaxed);
        while count_of(current) != 0 && tag_of(current) == tag {
            match self.0.compare_exchange(
                current,
                word(tag, 0),
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(seen) => current = seen,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_success_of_an_older_epoch_is_stale_after_retagging() {
        let counters = Counters::new();
        assert_eq!(
            counters.local().add_success(0),
            Added::Counted { contended: false }
        );
        counters.retag(1);
        assert_eq!(counters.local().add_success(0), Added::Stale);
        assert_eq!(
            counters.local().add_success(1),
            Added::Counted { contended: false }
        );
        assert_eq!(counters.successes(), 2);
    }

    #[test]
    fn a_full_stripe_asks_for_a_roll_over_and_keeps_its_count() {
        let stripe = Stripe::tagged(3);
        stripe.successes.store(word(3, u32::MAX), Ordering::Relaxed);
        assert_eq!(stripe.add_success(3), Added::Full);
        stripe.retag(3);
        assert_eq!(stripe.add_success(3), Added::Counted { contended: false });
        assert_eq!(stripe.successes(), u64::from(u32::MAX) + 1);
    }

    #[test]
    fn counters_saturate_instead_of_wrapping() {
        let counter = AtomicU64::new(u64::MAX);
        bump(&counter);
        assert_eq!(counter.load(Ordering::Relaxed), u64::MAX);
        let run = FailureRun::default();
        run.0.store(word(0, u32::MAX), Ordering::Relaxed);
        assert_eq!(run.extend(0), u32::MAX);
    }

    #[test]
    fn the_run_ends_only_for_its_own_epoch() {
        let run = FailureRun::default();
        run.extend(4);
        run.extend(4);
        run.retag(5, true);
        run.end(4);
        assert_eq!(run.get(), 2);
        run.end(5);
        assert_eq!(run.get(), 0);
    }

    #[test]
    fn spreading_keeps_what_was_counted() {
        let counters = Counters::new();
        counters.local().add_success(0);
        counters.local().add(Outcome::Ignored);
        counters.spread(0);
        assert!(counters.spread_out());
        counters.local().add_success(0);
        counters.local().add_rejection();
        let t = counters.totals();
        assert_eq!((t.successes, t.ignored, t.rejected), (2, 1, 1));
    }
}
