//! Which breakers a registry forgets, as a pure choice over its entries.

use std::hash::Hash;

use super::Map;

/// The keys to remove so that one more breaker fits under `max`, or `None`
/// if no choice makes room.
///
/// Idle breakers that may be evicted go first, all of them: they would go
/// at the next sweep anyway. If that is not enough, the least recently
/// used breaker that may be evicted goes too; a CLOSED breaker in use
/// loses at most part of its window, which a working set larger than the
/// bound cannot avoid.
pub(super) fn make_room<K: Eq + Hash + Clone>(
    map: &Map<K>,
    now: u64,
    idle_nanos: u64,
    max: usize,
) -> Option<Vec<K>> {
    let mut victims = idle(map, now, idle_nanos);
    if map.len() - victims.len() < max {
        return Some(victims);
    }
    let lru = map
        .iter()
        .filter(|(key, slot)| slot.evictable() && !victims.contains(key))
        .min_by_key(|(_, slot)| slot.last_used())
        .map(|(key, _)| key.clone())?;
    victims.push(lru);
    Some(victims)
}

/// The keys whose breakers may be evicted and were not looked up for
/// `idle_nanos` or more.
pub(super) fn idle<K: Clone>(map: &Map<K>, now: u64, idle_nanos: u64) -> Vec<K> {
    map.iter()
        .filter(|(_, slot)| now.saturating_sub(slot.last_used()) >= idle_nanos && slot.evictable())
        .map(|(key, _)| key.clone())
        .collect()
}
