//! The outbox between breakers and the publisher task: at most one
//! pending change per breaker name, the newest by epoch, so that a slow or
//! absent store never grows a queue. Filled by [`ShareListener`] on the
//! caller's thread (a short lock on transitions only, never per call).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use circuit_core::{EventListener, State, StateChange, TransitionReason};
use tokio::sync::Notify;

use crate::message::wire_reason;
use crate::stats::{Counters, bump};

/// What a breaker's transition means to its peers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum News {
    /// Opened by its own evidence for `period`, as of `at`.
    Opened { period: Duration, reason: String },
    /// Closed after its probes succeeded.
    Closed,
    /// Anything else (peer-opened, forced, reset, half-open): nothing to
    /// tell, but older pending news for the breaker is now out of date.
    Nothing,
}

impl News {
    /// Which transitions are published: an OPEN the breaker reached on its
    /// own (a trip, a failed or timed-out probe) and a CLOSED its probes
    /// earned. A peer-opened breaker never re-publishes (that would echo
    /// around the fleet), and forced states and resets are one replica's
    /// operator's business.
    pub(crate) fn of(change: &StateChange) -> Self {
        match (change.to, &change.reason) {
            (State::Open, TransitionReason::External(_)) => Self::Nothing,
            (State::Open, reason) => match change.open_for {
                Some(period) if !period.is_zero() => Self::Opened {
                    period,
                    reason: wire_reason(&reason.to_string()),
                },
                _ => Self::Nothing,
            },
            (State::Closed, TransitionReason::ProbesSucceeded) => Self::Closed,
            _ => Self::Nothing,
        }
    }
}

/// One breaker's newest news, waiting for the publisher.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub(crate) epoch: u64,
    pub(crate) news: News,
    pub(crate) at: Instant,
}

pub(crate) struct Outbox {
    pending: Mutex<HashMap<String, Pending>>,
    pub(crate) notify: Notify,
    max_pending: usize,
    counters: Arc<Counters>,
}

impl fmt::Debug for Outbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outbox")
            .field("pending", &self.lock().len())
            .field("max_pending", &self.max_pending)
            .finish()
    }
}

impl Outbox {
    pub(crate) fn new(max_pending: usize, counters: Arc<Counters>) -> Self {
        Self {
            pending: Mutex::new(HashMap::new()),
            notify: Notify::new(),
            max_pending,
            counters,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Pending>> {
        // The map stays consistent whatever panicked while holding it.
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records `news` for `breaker`, unless newer news is already waiting.
    pub(crate) fn put(&self, breaker: &str, epoch: u64, news: News, at: Instant) {
        let mut pending = self.lock();
        if let Some(old) = pending.get_mut(breaker) {
            if old.epoch > epoch {
                return;
            }
            if news == News::Nothing {
                pending.remove(breaker);
                return;
            }
            bump(&self.counters.superseded);
            *old = Pending { epoch, news, at };
        } else if news != News::Nothing {
            if pending.len() >= self.max_pending {
                bump(&self.counters.dropped);
                return;
            }
            pending.insert(breaker.to_owned(), Pending { epoch, news, at });
        } else {
            return;
        }
        drop(pending);
        self.notify.notify_one();
    }

    /// Everything pending, emptying the outbox.
    pub(crate) fn take(&self) -> Vec<(String, Pending)> {
        self.lock().drain().collect()
    }

    /// Puts back what could not be sent, unless newer news arrived
    /// meanwhile.
    pub(crate) fn put_back(&self, unsent: Vec<(String, Pending)>) {
        let mut pending = self.lock();
        for (name, item) in unsent {
            match pending.get(&name) {
                Some(newer) if newer.epoch >= item.epoch => {}
                _ if pending.len() >= self.max_pending && !pending.contains_key(&name) => {
                    bump(&self.counters.dropped);
                }
                _ => {
                    pending.insert(name, item);
                }
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }
}

/// The [`EventListener`] that hands a breaker's trips and recoveries to
/// the publisher task. Give it to every breaker (or registry) whose state
/// the fleet shares, before they are built:
/// [`Sharing::listener`](crate::Sharing::listener).
///
/// It only acts on state changes (rare): it takes a short lock, stores the
/// change in the breaker's slot and wakes the publisher. It never touches
/// the network and does nothing per call.
#[derive(Clone)]
pub struct ShareListener {
    pub(crate) outbox: Arc<Outbox>,
}

impl fmt::Debug for ShareListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShareListener")
            .field("outbox", &self.outbox)
            .finish()
    }
}

impl EventListener for ShareListener {
    fn on_state_change(&self, breaker: &str, change: &StateChange) {
        self.outbox
            .put(breaker, change.epoch, News::of(change), Instant::now());
    }

    /// Sharing follows transitions only: the call path skips it.
    fn wants_calls(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outbox(max: usize) -> (Outbox, Arc<Counters>) {
        let counters = Arc::new(Counters::default());
        (Outbox::new(max, Arc::clone(&counters)), counters)
    }

    fn opened(secs: u64) -> News {
        News::Opened {
            period: Duration::from_secs(secs),
            reason: "tripped".to_owned(),
        }
    }

    #[test]
    fn the_newest_news_per_breaker_wins() {
        let (outbox, counters) = outbox(8);
        let now = Instant::now();
        outbox.put("a", 1, opened(1), now);
        outbox.put("a", 3, News::Closed, now);
        outbox.put("a", 2, opened(2), now); // delivered late: older
        outbox.put("b", 1, opened(5), now);
        let mut taken = outbox.take();
        taken.sort_by(|x, y| x.0.cmp(&y.0));
        assert_eq!(taken.len(), 2);
        assert_eq!((taken[0].1.epoch, &taken[0].1.news), (3, &News::Closed));
        assert_eq!(counters.snapshot().superseded, 1);
        assert!(outbox.is_empty());
    }

    #[test]
    fn later_unpublished_changes_cancel_older_news() {
        let (outbox, _) = outbox(8);
        outbox.put("a", 1, opened(1), Instant::now());
        outbox.put("a", 2, News::Nothing, Instant::now());
        assert!(outbox.is_empty());
    }

    #[test]
    fn the_outbox_is_bounded() {
        let (outbox, counters) = outbox(2);
        for (i, name) in ["a", "b", "c"].into_iter().enumerate() {
            outbox.put(name, i as u64, opened(1), Instant::now());
        }
        assert_eq!(outbox.take().len(), 2);
        assert_eq!(counters.snapshot().dropped, 1);
    }

    #[test]
    fn put_back_keeps_newer_news() {
        let (outbox, _) = outbox(8);
        outbox.put("a", 1, opened(1), Instant::now());
        let unsent = outbox.take();
        outbox.put("a", 2, News::Closed, Instant::now());
        outbox.put_back(unsent);
        let taken = outbox.take();
        assert_eq!(taken[0].1.news, News::Closed);
    }
}
