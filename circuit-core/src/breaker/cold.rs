//! What lives under the breaker's lock: the window ring, the judged counts,
//! the probe table, the recovery ramp and the history.

use std::collections::VecDeque;
use std::time::SystemTime;

use super::HISTORY_CAPACITY;
use crate::config::MAX_HALF_OPEN_REQUESTS;
use crate::listener::TransitionRecord;
use crate::permit::NO_PROBE;
use crate::ramp::Ramp;
use crate::window::Ring;

/// State that only changes under the lock.
#[derive(Debug)]
pub(super) struct Cold {
    pub(super) ring: Ring,
    pub(super) tally: Tally,
    /// Successes counted when the last failure was: the current success
    /// run is the difference.
    pub(super) success_base: u64,
    /// Consecutive trips since CLOSED (`k`); reset when a recovery ramp
    /// completes, or at once without one.
    pub(super) trips: u32,
    pub(super) probe_successes: u32,
    /// The backoff part of the current (or last) open period, in ns.
    pub(super) current_backoff: u64,
    pub(super) probes: Probes,
    /// Boxed: most breakers never ramp, and memory per breaker counts.
    pub(super) ramp: Option<Box<Ramp>>,
    /// Allocated at the first transition (boxed, an empty `VecDeque` still
    /// takes 32 bytes in every breaker).
    #[allow(clippy::box_collection)]
    pub(super) history: Option<Box<VecDeque<TransitionRecord>>>,
    pub(super) last_change: SystemTime,
    pub(super) open_count: u64,
    pub(super) recovery_attempts: u64,
}

impl Cold {
    pub(super) fn new(ring: Ring, now: SystemTime) -> Self {
        Self {
            ring,
            tally: Tally::default(),
            success_base: 0,
            trips: 0,
            probe_successes: 0,
            current_backoff: 0,
            probes: Probes::default(),
            ramp: None,
            history: None,
            last_change: now,
            open_count: 0,
            recovery_attempts: 0,
        }
    }

    pub(super) fn remember(&mut self, record: TransitionRecord) {
        let history = self.history.get_or_insert_with(Box::default);
        if history.len() == HISTORY_CAPACITY {
            history.pop_front();
        }
        history.push_back(record);
    }

    /// The transitions remembered, oldest first.
    pub(super) fn history(&self) -> impl Iterator<Item = &TransitionRecord> {
        self.history.iter().flat_map(|h| h.iter())
    }
}

/// Judged outcomes counted under the lock (successes are counted in the
/// lock-free stripes). All saturate.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Tally {
    /// Failures (timeouts included) of current epochs: the window's.
    pub(super) failures: u64,
    /// Slow calls of current epochs: the window's.
    pub(super) slow: u64,
    /// Every timeout, stale or not.
    pub(super) timeouts: u64,
    /// Failures and slow calls whose epoch was over, and reclaimed probes:
    /// lifetime only, never in the window.
    pub(super) off_window_failures: u64,
    pub(super) off_window_slow: u64,
}

/// The half-open probes holding slots, and the probes reclaimed from a
/// holder that was too slow, whose late outcome must not count again.
/// Allocated on the first HALF_OPEN: most breakers never get there.
#[derive(Debug, Default)]
pub(super) struct Probes(Option<Box<ProbeTable>>);

#[derive(Debug, Default)]
struct ProbeTable {
    held: Vec<Probe>,
    /// Reclaimed tickets, oldest first; a permit that is never dropped
    /// (leaked with `mem::forget`) leaves one behind, so the list is capped.
    reclaimed: VecDeque<u64>,
    next_ticket: u64,
}

/// Reclaimed tickets remembered; beyond that, the oldest is forgotten.
const RECLAIMED_CAPACITY: usize = MAX_HALF_OPEN_REQUESTS as usize;

#[derive(Debug, Clone, Copy)]
pub(super) struct Probe {
    pub(super) ticket: u64,
    pub(super) start: u64,
}

impl Probes {
    fn table(&mut self) -> &mut ProbeTable {
        self.0.get_or_insert_with(Box::default)
    }

    pub(super) fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |t| t.held.len())
    }

    /// Sizes the table on the first HALF_OPEN.
    pub(super) fn prepare(&mut self, max_requests: u32) {
        let table = self.table();
        if table.held.capacity() == 0 {
            table.held.reserve_exact(max_requests as usize);
        }
    }

    pub(super) fn admit(&mut self, start: u64) -> u64 {
        let table = self.table();
        table.next_ticket += 1;
        let ticket = NO_PROBE + table.next_ticket;
        table.held.push(Probe { ticket, start });
        ticket
    }

    /// Frees a held slot; false if the ticket holds none.
    pub(super) fn release(&mut self, ticket: u64) -> bool {
        let Some(table) = self.0.as_mut() else {
            return false;
        };
        match table.held.iter().position(|p| p.ticket == ticket) {
            Some(slot) => {
                table.held.swap_remove(slot);
                true
            }
            None => false,
        }
    }

    /// The start of the oldest held probe.
    pub(super) fn oldest_start(&self) -> Option<u64> {
        self.0.as_ref()?.held.iter().map(|p| p.start).min()
    }

    /// Takes the probes held longer than `timeout` at `now` into the
    /// reclaimed list; returns how many.
    pub(super) fn reclaim_expired(&mut self, now: u64, timeout: u64) -> u64 {
        let Some(table) = self.0.as_mut() else {
            return 0;
        };
        let mut taken = 0;
        let reclaimed = &mut table.reclaimed;
        table.held.retain(|p| {
            let expired = now.saturating_sub(p.start) > timeout;
            if expired {
                if reclaimed.len() == RECLAIMED_CAPACITY {
                    reclaimed.pop_front();
                }
                reclaimed.push_back(p.ticket);
                taken += 1;
            }
            !expired
        });
        taken
    }

    /// Whether `ticket` was reclaimed (and forgets it: its outcome comes
    /// once).
    pub(super) fn take_reclaimed(&mut self, ticket: u64) -> bool {
        let Some(table) = self.0.as_mut() else {
            return false;
        };
        match table.reclaimed.iter().position(|t| *t == ticket) {
            Some(i) => {
                table.reclaimed.remove(i);
                true
            }
            None => false,
        }
    }

    /// Every held slot is dropped (a transition out of HALF_OPEN).
    pub(super) fn clear(&mut self) {
        if let Some(table) = self.0.as_mut() {
            table.held.clear();
        }
    }
}
