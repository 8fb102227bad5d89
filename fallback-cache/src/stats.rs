//! Counts of fallback use, shared by the chains that record into them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::{Freshness, Provenance};

/// A snapshot of [`FallbackCounters`].
///
/// Every execution ends in exactly one of `cache_hits`, `stale_serves`,
/// `fallback_serves` or `declines`, so once traffic is quiet
/// `executions` is their sum. `cache_misses` counts cache lookups that found
/// nothing servable, whether or not a later fallback then answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FallbackStats {
    /// Chain executions (one per degraded request).
    pub executions: u64,
    /// Answers from a fresh cache entry.
    pub cache_hits: u64,
    /// Answers from a stale cache entry (`stale-if-error`).
    pub stale_serves: u64,
    /// Cache lookups that found no entry, or only an expired one.
    pub cache_misses: u64,
    /// Answers from a non-cache fallback (empty list, conservative plan, ...).
    pub fallback_serves: u64,
    /// Executions where every fallback declined.
    pub declines: u64,
}

#[derive(Debug, Default)]
struct Inner {
    executions: AtomicU64,
    cache_hits: AtomicU64,
    stale_serves: AtomicU64,
    cache_misses: AtomicU64,
    fallback_serves: AtomicU64,
    declines: AtomicU64,
}

/// Lock-free counters; clones share them, so several chains can report into
/// one set.
#[derive(Debug, Clone, Default)]
pub struct FallbackCounters(Arc<Inner>);

impl FallbackCounters {
    /// Fresh counters at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads every counter. Each value is exact; the fields are read one at
    /// a time, so a snapshot taken mid-traffic may be between updates.
    pub fn snapshot(&self) -> FallbackStats {
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        FallbackStats {
            executions: load(&self.0.executions),
            cache_hits: load(&self.0.cache_hits),
            stale_serves: load(&self.0.stale_serves),
            cache_misses: load(&self.0.cache_misses),
            fallback_serves: load(&self.0.fallback_serves),
            declines: load(&self.0.declines),
        }
    }

    pub(crate) fn execution(&self) {
        self.0.executions.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn cache_miss(&self) {
        self.0.cache_misses.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn decline(&self) {
        self.0.declines.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn served(&self, provenance: &Provenance) {
        let counter = match provenance {
            Provenance::Cache {
                freshness: Freshness::Fresh,
                ..
            } => &self.0.cache_hits,
            Provenance::Cache {
                freshness: Freshness::Stale,
                ..
            } => &self.0.stale_serves,
            // A fallback claiming `Live` (e.g. a secondary service) is still a fallback here.
            _ => &self.0.fallback_serves,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}
