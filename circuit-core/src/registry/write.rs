//! What changes a registry's shards: creating a breaker (and making room
//! for it), evicting idle ones, removing one. All under the writer lock;
//! each change copies only the shards it touches.

use std::borrow::Borrow;
use std::hash::Hash;
use std::sync::Arc;

use super::shards::{self, Table};
use super::slot::Slot;
use super::{Registry, RegistryError, WhenFull, evict};
use crate::CircuitBreaker;
use crate::sync::{Ordering, lock};

/// Slots to forget in one shard.
struct Victims<K> {
    shard: usize,
    table: Arc<Table<K>>,
    slots: Vec<Arc<Slot>>,
}

impl<K> Victims<K> {
    fn remove_from(&self, table: &mut Table<K>) -> usize {
        self.slots
            .iter()
            .filter(|slot| shards::remove(table, slot))
            .count()
    }
}

impl<K> Registry<K>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
{
    pub(super) fn create<Q>(
        &self,
        key: &Q,
        when_full: WhenFull,
    ) -> Result<Arc<CircuitBreaker>, RegistryError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        let writer = lock(&self.writer);
        let hash = self.shards.hash(key);
        let home = self.shards.index(hash);
        let current = self.shards.cell(home).load();
        // Another caller may have created it while this one waited.
        if let Some(slot) = shards::find(&current, hash, key) {
            return Ok(Arc::clone(&slot.breaker));
        }
        let now = self.clock.now_nanos();
        let mut here = evict::idle(shards::slots(&current), now, self.idle_nanos);
        let mut elsewhere = Vec::new();
        // With no idle breaker here, `len` is what it will be after the
        // sweep; it never exceeds the bound, so `>=` means full.
        if here.is_empty() && self.len() >= self.max_breakers {
            match evict::least_recently_used(shards::slots(&current)) {
                Some(slot) => here.push(slot),
                None => {
                    elsewhere = self.room_elsewhere(home, now).ok_or(RegistryError::Full {
                        max_breakers: self.max_breakers,
                    })?;
                }
            }
        }
        let key = key.to_owned();
        let breaker = match self.make.breaker(&key, writer.config_of(&key)) {
            Ok(breaker) => breaker,
            Err(source) => {
                let breaker = self.make.name(&key);
                let error = RegistryError::KeyConfig { breaker, source };
                if when_full == WhenFull::Fail {
                    return Err(error);
                }
                #[cfg(feature = "tracing")]
                tracing::error!(%error, "using the registry's default config instead");
                self.make
                    .breaker(&key, writer.default.clone())
                    .map_err(RegistryError::Config)?
            }
        };
        let breaker = Arc::new(breaker);
        let mut removed = 0;
        for victims in &elsewhere {
            self.shards.rewrite(victims.shard, &victims.table, |table| {
                removed += victims.remove_from(table);
            });
        }
        let slot = Arc::new(Slot::new(hash, Arc::clone(&breaker), now));
        self.shards.rewrite(home, &current, |table| {
            for victim in &here {
                removed += usize::from(shards::remove(table, victim));
            }
            shards::insert(table, key, slot);
        });
        self.set_len(self.len() - removed + 1);
        Ok(breaker)
    }

    /// Room for one breaker when the new key's shard has nothing that may
    /// go: every idle breaker of the other shards, or else the least
    /// recently used one that may go. `None` if nothing may.
    fn room_elsewhere(&self, home: usize, now: u64) -> Option<Vec<Victims<K>>> {
        let others = || self.shards.current().filter(|&(shard, _)| shard != home);
        let idle: Vec<Victims<K>> = others()
            .map(|(shard, table)| Victims {
                shard,
                slots: evict::idle(shards::slots(&table), now, self.idle_nanos),
                table,
            })
            .filter(|victims| !victims.slots.is_empty())
            .collect();
        if !idle.is_empty() {
            return Some(idle);
        }
        others()
            .filter_map(|(shard, table)| {
                let slot = evict::least_recently_used(shards::slots(&table))?;
                Some(Victims {
                    shard,
                    slots: vec![slot],
                    table,
                })
            })
            .min_by_key(|victims| victims.slots[0].last_used())
            .map(|victims| vec![victims])
    }

    pub(super) fn overflow(&self) -> Arc<CircuitBreaker> {
        self.overflowed.fetch_add(1, Ordering::Relaxed);
        Arc::clone(&self.overflow)
    }

    fn set_len(&self, len: usize) {
        self.len.store(len as u64, Ordering::Relaxed);
    }

    /// Forgets the breakers that may be evicted (CLOSED, held by no caller)
    /// and were not looked up for `idle_timeout`; returns how many. Reads
    /// every shard: O(breakers).
    pub fn evict_idle(&self) -> usize {
        let _writer = lock(&self.writer);
        let now = self.clock.now_nanos();
        let mut removed = 0;
        for (shard, table) in self.shards.current() {
            let slots = evict::idle(shards::slots(&table), now, self.idle_nanos);
            if !slots.is_empty() {
                let victims = Victims {
                    shard,
                    table,
                    slots,
                };
                self.shards.rewrite(shard, &victims.table, |table| {
                    removed += victims.remove_from(table);
                });
            }
        }
        self.set_len(self.len() - removed);
        removed
    }

    /// Forgets `key`'s breaker whatever its state, and returns it. A config
    /// given for the key with [`reconfigure_key`](Self::reconfigure_key) is
    /// kept.
    pub fn remove<Q>(&self, key: &Q) -> Option<Arc<CircuitBreaker>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let _writer = lock(&self.writer);
        let hash = self.shards.hash(key);
        let shard = self.shards.index(hash);
        let current = self.shards.cell(shard).load();
        let slot = Arc::clone(&shards::find(&current, hash, key)?.slot);
        self.shards.rewrite(shard, &current, |table| {
            shards::remove(table, &slot);
        });
        self.set_len(self.len() - 1);
        Some(Arc::clone(&slot.breaker))
    }
}
