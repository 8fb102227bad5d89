//! What moka stores for one key: an immutable value and the time of the
//! last live success that stored or confirmed it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Shared behind an `Arc` in moka, so a refresh that confirms the value can
/// renew its time in place. The value never changes after the slot is
/// built (a different value gets a new slot), so a reader sees one value
/// and a time at which that very value was live: never a torn entry.
#[derive(Debug)]
pub(crate) struct Slot<V> {
    value: Arc<V>,
    /// Age the value already had when stored: non-zero only for entries
    /// that arrived old (loaded, `insert_with_age`). Those are replaced,
    /// never renewed in place, so the age is one atomic and cannot tear.
    age_at_insert: Duration,
    /// Our clock's reading, in nanoseconds, when the value was last stored
    /// or confirmed.
    stored_at: AtomicU64,
    /// ... when it was last stored or confirmed with a confirmation that
    /// was due (see [`Slot::confirm`]).
    due_at: AtomicU64,
}

impl<V> Slot<V> {
    pub(crate) fn new(value: Arc<V>, age_at_insert: Duration, now: Duration) -> Self {
        Self {
            value,
            age_at_insert,
            stored_at: AtomicU64::new(nanos(now)),
            due_at: AtomicU64::new(nanos(now)),
        }
    }

    pub(crate) fn value(&self) -> &Arc<V> {
        &self.value
    }

    pub(crate) fn age(&self, now: Duration) -> Duration {
        // Relaxed: the time publishes no other data (the value is immutable
        // and published by moka), and coherence already keeps each reader's
        // view of this one atomic moving forward.
        let stored_at = Duration::from_nanos(self.stored_at.load(Ordering::Relaxed));
        self.age_at_insert
            .saturating_add(now.saturating_sub(stored_at))
    }

    /// Marks the value as live again at `now`. Returns whether the
    /// confirmation is *due*: at least `every` since the last due one (or
    /// the store); of several racing, one is. Returns `None`, changing
    /// nothing, for a slot that arrived old: the caller replaces it.
    pub(crate) fn confirm(&self, now: Duration, every: Duration) -> Option<bool> {
        if !self.age_at_insert.is_zero() {
            return None;
        }
        let now = nanos(now);
        // `max`: two refreshes racing with clock readings a moment apart
        // must not move the age back up.
        self.stored_at.fetch_max(now, Ordering::Relaxed);
        let last_due = self.due_at.load(Ordering::Relaxed);
        let due = now >= last_due.saturating_add(nanos(every))
            && self
                .due_at
                .compare_exchange(last_due, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok();
        Some(due)
    }
}

/// Clock readings as nanoseconds; exact for 584 years of clock time.
fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn confirming_restarts_the_age_and_never_moves_it_back() {
        let slot = Slot::new(Arc::new(1), Duration::ZERO, 10 * SECOND);
        assert_eq!(slot.age(15 * SECOND), 5 * SECOND);
        assert_eq!(slot.confirm(14 * SECOND, Duration::ZERO), Some(true));
        assert_eq!(slot.age(15 * SECOND), SECOND);
        assert_eq!(
            slot.confirm(12 * SECOND, Duration::ZERO),
            Some(false),
            "a late, older confirmation"
        );
        assert_eq!(slot.age(15 * SECOND), SECOND);
    }

    #[test]
    fn confirmations_fall_due_once_per_period_however_often_they_come() {
        let slot = Slot::new(Arc::new(1), Duration::ZERO, Duration::ZERO);
        let every = 10 * SECOND;
        let dues: Vec<bool> = (1..=25)
            .map(|s| slot.confirm(s * SECOND, every).unwrap())
            .collect();
        let due_at: Vec<u64> = (1..=25u64)
            .zip(dues)
            .filter(|(_, d)| *d)
            .map(|(s, _)| s)
            .collect();
        assert_eq!(due_at, [10, 20], "every second confirmed, due every tenth");
        assert_eq!(slot.age(25 * SECOND), Duration::ZERO, "ages stay exact");
    }

    #[test]
    fn a_slot_that_arrived_old_is_not_confirmed_in_place() {
        let slot = Slot::new(Arc::new(1), 3 * SECOND, 10 * SECOND);
        assert_eq!(slot.age(11 * SECOND), 4 * SECOND);
        assert_eq!(slot.confirm(11 * SECOND, Duration::ZERO), None);
        assert_eq!(slot.age(11 * SECOND), 4 * SECOND);
    }

    #[test]
    fn a_reading_before_the_store_counts_as_age_zero() {
        let slot = Slot::new(Arc::new(1), Duration::ZERO, 10 * SECOND);
        assert_eq!(slot.age(9 * SECOND), Duration::ZERO);
    }
}
