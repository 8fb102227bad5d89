//! One entry of the registry: a breaker and when it was last looked up.

use std::sync::Arc;

use crate::sync::{AtomicU64, Ordering};
use crate::{CircuitBreaker, State};

/// A breaker in one of the registry's shards. Copies of a shard share
/// slots, so a lookup through any copy marks the same slot as used.
#[derive(Debug)]
pub(super) struct Slot {
    /// The key's hash, kept so that a shard grows without hashing keys
    /// again and a slot is found again without its key.
    pub(super) hash: u64,
    pub(super) breaker: Arc<CircuitBreaker>,
    /// Registry clock time (ns) of the last lookup, to the registry's
    /// touch granularity.
    last_used: AtomicU64,
}

impl Slot {
    pub(super) fn new(hash: u64, breaker: Arc<CircuitBreaker>, now: u64) -> Self {
        Self {
            hash,
            breaker,
            last_used: AtomicU64::new(now),
        }
    }

    /// Marks the slot used at `now`. Writes only when the stored time is
    /// `every` or more behind, so that two threads looking up one key
    /// share its cache line instead of bouncing it on every lookup.
    #[inline]
    pub(super) fn touch(&self, now: u64, every: u64) {
        let last = self.last_used.load(Ordering::Relaxed);
        if now.saturating_sub(last) >= every {
            self.last_used.store(now, Ordering::Relaxed);
        }
    }

    pub(super) fn last_used(&self) -> u64 {
        self.last_used.load(Ordering::Relaxed)
    }

    /// Whether the registry may forget this breaker: it is CLOSED (never
    /// an outage in progress, a probe or an operator's choice) and nobody
    /// but the registry holds it (a caller with an `Arc` would otherwise
    /// keep counting on a breaker that a new lookup replaces).
    pub(super) fn evictable(&self) -> bool {
        Arc::strong_count(&self.breaker) == 1 && self.breaker.state() == State::Closed
    }
}
