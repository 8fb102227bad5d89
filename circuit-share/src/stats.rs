//! [`ShareStats`]: what sharing did, counted with relaxed atomics.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use serde::Serialize;

/// Counters of one [`Sharing`](crate::Sharing), cumulative since it was
/// built. Read them with [`Running::stats`](crate::Running::stats).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ShareStats {
    /// Messages this replica published (its own trips and recoveries).
    pub published: u64,
    /// Messages read from the store (live, and stored open states read at
    /// start or after a reconnection), own echoes included.
    pub received: u64,
    /// Received messages that changed a local breaker (opened it, or let
    /// an open one probe at once).
    pub applied: u64,
    /// This process's own messages coming back; never applied.
    pub ignored_own: u64,
    /// Malformed, oversized, wrongly versioned or other-namespace
    /// messages; never applied.
    pub ignored_forged: u64,
    /// Messages older than one already seen from the same sender for the
    /// same breaker; never applied.
    pub ignored_stale: u64,
    /// Pending changes replaced by a newer one for the same breaker before
    /// they were sent (the newest state wins).
    pub superseded: u64,
    /// Changes dropped because `max_pending` breakers already had one
    /// waiting.
    pub dropped: u64,
    /// Times the store became unreachable (each outage counts once).
    pub outages: u64,
    /// Times the store was reached again after an outage.
    pub reconnects: u64,
    /// Whether the store is reachable now, as far as sharing knows.
    pub connected: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) published: AtomicU64,
    pub(crate) received: AtomicU64,
    pub(crate) applied: AtomicU64,
    pub(crate) ignored_own: AtomicU64,
    pub(crate) ignored_forged: AtomicU64,
    pub(crate) ignored_stale: AtomicU64,
    pub(crate) superseded: AtomicU64,
    pub(crate) dropped: AtomicU64,
    pub(crate) outages: AtomicU64,
    pub(crate) reconnects: AtomicU64,
    pub(crate) connected: AtomicBool,
}

pub(crate) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Counters {
    pub(crate) fn snapshot(&self) -> ShareStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        ShareStats {
            published: get(&self.published),
            received: get(&self.received),
            applied: get(&self.applied),
            ignored_own: get(&self.ignored_own),
            ignored_forged: get(&self.ignored_forged),
            ignored_stale: get(&self.ignored_stale),
            superseded: get(&self.superseded),
            dropped: get(&self.dropped),
            outages: get(&self.outages),
            reconnects: get(&self.reconnects),
            connected: self.connected.load(Ordering::Relaxed),
        }
    }
}
