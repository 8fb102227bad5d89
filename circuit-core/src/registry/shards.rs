//! The registry's keys, split into shards by hash: each shard is an
//! immutable hash table behind its own `ArcSwap`, so that a lookup reads
//! one pointer and creating a breaker copies one shard, not every key.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;

use hashbrown::HashTable;

use super::slot::Slot;
use crate::sync::SwapCell;

/// One shard: entries found by the key's hash, which the slot keeps. A
/// copy clones the keys and the slots' `Arc`s; it never hashes a key.
pub(super) type Table<K> = HashTable<Entry<K>>;

/// A key and its slot. The key sits in the table itself, not behind the
/// slot's `Arc`, so that a lookup compares keys without one more pointer
/// to follow (a shard copy clones its keys instead: about 16 per insert).
#[derive(Debug, Clone)]
pub(super) struct Entry<K> {
    pub(super) key: K,
    pub(super) slot: Arc<Slot>,
}

impl<K> std::ops::Deref for Entry<K> {
    type Target = Slot;

    fn deref(&self) -> &Slot {
        &self.slot
    }
}

/// At most this many shards (one pointer each, 32 KiB in all): past
/// 65 536 breakers a shard holds more than 16 and an insert copies more.
pub(super) const MAX_SHARDS: usize = 4096;

/// Shards are sized so that each holds about this many keys when the
/// registry is full: an insert copies that many entries.
const KEYS_PER_SHARD: usize = 16;

/// Which bits of the hash pick the shard. hashbrown places a key in its
/// table with the lowest bits and tags it with the highest seven; taking
/// the shard from bits 32 and up keeps both informative within a shard.
const SHARD_SHIFT: u32 = 32;

/// How many shards a registry of `max_breakers` gets: a power of two, one
/// per [`KEYS_PER_SHARD`] keys, between 1 and [`MAX_SHARDS`].
pub(super) fn shard_count(max_breakers: usize) -> usize {
    (max_breakers / KEYS_PER_SHARD)
        .clamp(1, MAX_SHARDS)
        .next_power_of_two()
}

/// The shards and the hasher that picks one for a key.
pub(super) struct Shards<K> {
    cells: Box<[SwapCell<Table<K>>]>,
    /// foldhash rather than SipHash: a lookup hashes its key every time,
    /// and SipHash was half of a lookup's cost (22 of 44 ns for a 31-byte
    /// host key, 16 ns in all with foldhash: `cargo bench -p circuit-core
    /// --bench registry`). foldhash is seeded per process and only
    /// minimally resistant to crafted collisions; a registry never holds
    /// more than `max_breakers` keys, which bounds what such an attack
    /// could slow down.
    hasher: foldhash::fast::RandomState,
    mask: u64,
}

impl<K> Shards<K> {
    /// `count` empty shards; `count` must be a power of two.
    pub(super) fn new(count: usize) -> Self {
        debug_assert!(count.is_power_of_two() && count <= MAX_SHARDS);
        // Every shard starts as the same empty table: no allocation per
        // shard until a key lands in it.
        let empty = Arc::new(Table::new());
        Self {
            cells: (0..count)
                .map(|_| SwapCell::new(Arc::clone(&empty)))
                .collect(),
            hasher: foldhash::fast::RandomState::default(),
            mask: count as u64 - 1,
        }
    }

    /// The hash of a key, the same for `K` and any `Q` it borrows as.
    #[inline]
    pub(super) fn hash<Q: Hash + ?Sized>(&self, key: &Q) -> u64 {
        self.hasher.hash_one(key)
    }

    /// The shard of a hash.
    #[inline]
    pub(super) fn index(&self, hash: u64) -> usize {
        ((hash >> SHARD_SHIFT) & self.mask) as usize
    }

    #[inline]
    pub(super) fn cell(&self, index: usize) -> &SwapCell<Table<K>> {
        &self.cells[index]
    }

    /// The shard a hash falls in.
    #[inline]
    pub(super) fn cell_of(&self, hash: u64) -> &SwapCell<Table<K>> {
        self.cell(self.index(hash))
    }

    /// How many shards there are.
    pub(super) fn count(&self) -> usize {
        self.cells.len()
    }

    /// Every shard as it is now, with its index. Each shard is read at its
    /// own instant: a writer may change a shard read earlier.
    pub(super) fn current(&self) -> impl Iterator<Item = (usize, Arc<Table<K>>)> + '_ {
        self.cells.iter().map(SwapCell::load).enumerate()
    }

    /// Replaces shard `index` (now `current`) with a copy that `change`
    /// edits. Only under the registry's writer lock, so that no other
    /// write to the shard is lost.
    pub(super) fn rewrite(
        &self,
        index: usize,
        current: &Table<K>,
        change: impl FnOnce(&mut Table<K>),
    ) where
        K: Clone,
    {
        let mut next = current.clone();
        change(&mut next);
        self.cells[index].swap(Arc::new(next));
    }
}

/// The slot of `key` (of hash `hash`) in `table`.
#[inline]
pub(super) fn find<'a, K, Q>(table: &'a Table<K>, hash: u64, key: &Q) -> Option<&'a Entry<K>>
where
    K: Borrow<Q>,
    Q: Eq + ?Sized,
{
    table.find(hash, |entry| entry.key.borrow() == key)
}

/// Adds a key that `table` does not hold, with its slot.
pub(super) fn insert<K>(table: &mut Table<K>, key: K, slot: Arc<Slot>) {
    table.insert_unique(slot.hash, Entry { key, slot }, |entry| entry.hash);
}

/// The slots of a table.
pub(super) fn slots<K>(table: &Table<K>) -> impl Iterator<Item = &Arc<Slot>> {
    table.iter().map(|entry| &entry.slot)
}

/// Removes that very slot; whether it was there.
pub(super) fn remove<K>(table: &mut Table<K>, victim: &Arc<Slot>) -> bool {
    table
        .find_entry(victim.hash, |entry| Arc::ptr_eq(&entry.slot, victim))
        .map(|entry| drop(entry.remove()))
        .is_ok()
}

impl<K> fmt::Debug for Shards<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shards")
            .field("count", &self.count())
            .finish_non_exhaustive()
    }
}
