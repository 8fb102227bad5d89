//! Which breakers a registry forgets, as a choice over its slots.

use std::sync::Arc;

use super::slot::Slot;

/// The slots that may be evicted and were not looked up for `idle_nanos`
/// or more.
pub(super) fn idle<'a>(
    slots: impl IntoIterator<Item = &'a Arc<Slot>>,
    now: u64,
    idle_nanos: u64,
) -> Vec<Arc<Slot>> {
    slots
        .into_iter()
        .filter(|slot| now.saturating_sub(slot.last_used()) >= idle_nanos && slot.evictable())
        .map(Arc::clone)
        .collect()
}

/// The least recently used slot that may be evicted, if any. A CLOSED
/// breaker in use loses at most part of its window, which a working set
/// larger than the bound cannot avoid.
pub(super) fn least_recently_used<'a>(
    slots: impl IntoIterator<Item = &'a Arc<Slot>>,
) -> Option<Arc<Slot>> {
    slots
        .into_iter()
        .filter(|slot| slot.evictable())
        .min_by_key(|slot| slot.last_used())
        .map(Arc::clone)
}
