//! What the dashboard remembers of each breaker, and how it tells what
//! changed: a sweep every quarter second reads each breaker's state (one
//! atomic load), and its metrics when it is not closed, when its state
//! moved, and on every fourth sweep (the one-second tick).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Weak};
use std::time::SystemTime;

use circuit_core::{
    CircuitBreaker, Config, HISTORY_CAPACITY, Metrics, RejectReason, State, TransitionRecord,
};

use super::set::BreakerSet;
use super::wire::{
    Hidden, History, Live, Membership, Reconfigured, Rejections, Thresholds, Transition, millis,
    unix_millis,
};
pub(super) use crate::registry::severity;
use crate::{BreakerSource, FallbackCount};

/// Seconds of history kept per breaker (the sparkline and the strip).
pub(super) const HISTORY_SECONDS: usize = 300;
/// Transitions listed per breaker in `/api/breakers`.
pub(super) const RECENT_TRANSITIONS: usize = 10;
/// Sweeps per one-second tick.
pub(super) const SWEEPS_PER_TICK: u64 = 4;

/// What a sweep found.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Found {
    Transition(Transition),
    Rejections(Rejections),
    Membership(Membership),
    Reconfigured(Reconfigured),
    /// The one-second tick: [`Board::lives`] has fresh values.
    Tick,
}

/// Every tracked breaker, in the set's order.
#[derive(Debug, Default)]
pub(super) struct Board {
    tracked: Vec<Tracked>,
    /// What the set left out at the last sweep.
    hidden: Hidden,
    sweeps: u64,
    /// Wall time of the last tick.
    ticked_at: Option<SystemTime>,
}

struct Tracked {
    /// Weak between sweeps: a registry forgets only breakers nobody else
    /// holds, and the dashboard must not keep its idle keys alive. (A
    /// `Weak` also keeps the address from being reused, so `key` stays
    /// unique.)
    breaker: Weak<CircuitBreaker>,
    fallbacks: Option<FallbackCount>,
    /// The breaker's address: names may repeat, breakers may not.
    key: usize,
    name: String,
    /// The config last seen: a new `Arc` means `reconfigure` ran.
    config: Arc<Config>,
    seen_state: State,
    /// Worst state seen since the last tick.
    worst: State,
    last_change: Option<SystemTime>,
    last_record: Option<TransitionRecord>,
    /// Length of the breaker's history when last read.
    seen_len: usize,
    /// Lifetime totals at the last tick.
    totals: Option<Totals>,
    /// `total_rejected` when the last `rejections` event was sent.
    rejected_reported: Option<u64>,
    last_burst_sweep: Option<u64>,
    history: VecDeque<Second>,
    live: Option<Live>,
}

#[derive(Debug, Clone, Copy)]
struct Totals {
    requests: u64,
    failures: u64,
    rejected: u64,
    fallbacks: Option<u64>,
}

#[derive(Debug, Clone, Copy)]
struct Second {
    state: State,
    calls: u32,
    failures: u32,
    rejections: u32,
    fallbacks: Option<u32>,
}

impl Board {
    /// Reads `set` and every breaker in it; `now` dates the tick.
    pub(super) fn sweep(&mut self, set: &dyn BreakerSet, now: SystemTime) -> Vec<Found> {
        let tick = self.sweeps % SWEEPS_PER_TICK == 0;
        let sweep = self.sweeps;
        self.sweeps += 1;
        let mut found = Vec::new();
        let listing = set.listing();
        self.hidden = Hidden {
            count: listing.hidden,
            not_closed: listing.hidden_not_closed,
        };
        // Strong references for this sweep only.
        let (changed, breakers) = self.sync(listing.breakers);
        if let Some(changed) = changed {
            found.push(Found::Membership(changed));
        }
        for (tracked, breaker) in self.tracked.iter_mut().zip(&breakers) {
            tracked.sweep(breaker, sweep, tick, &mut found);
        }
        if tick {
            self.ticked_at = Some(now);
            found.push(Found::Tick);
        }
        found
    }

    /// How many breakers the set left out at the last sweep.
    pub(super) fn hidden(&self) -> Hidden {
        self.hidden
    }

    /// The breakers' values as of the last tick.
    pub(super) fn lives(&self) -> impl Iterator<Item = &Live> {
        self.tracked.iter().filter_map(|t| t.live.as_ref())
    }

    /// What `/api/breakers` lists for each breaker.
    pub(super) fn views(&self) -> Vec<(&Live, Arc<Config>, Vec<Transition>, History)> {
        let end_ms = self.ticked_at.map(unix_millis).unwrap_or_default();
        self.tracked
            .iter()
            .filter_map(|t| {
                let live = t.live.as_ref()?;
                let breaker = t.breaker.upgrade()?;
                let records = breaker.transitions();
                let recent = records
                    .iter()
                    .skip(records.len().saturating_sub(RECENT_TRANSITIONS))
                    .map(|r| Transition::of(&t.name, r))
                    .collect();
                Some((live, breaker.config(), recent, t.history(end_ms)))
            })
            .collect()
    }

    /// The breakers named `name` now.
    pub(super) fn named(&self, name: &str) -> Vec<Arc<CircuitBreaker>> {
        self.tracked
            .iter()
            .filter(|t| t.name == name)
            .filter_map(|t| t.breaker.upgrade())
            .collect()
    }

    /// Tracks `sources` in their order; returns what came and went, and
    /// the breakers, one per tracked entry.
    fn sync(
        &mut self,
        sources: Vec<BreakerSource>,
    ) -> (Option<Membership>, Vec<Arc<CircuitBreaker>>) {
        let mut old: HashMap<usize, Tracked> = std::mem::take(&mut self.tracked)
            .into_iter()
            .map(|t| (t.key, t))
            .collect();
        let mut changed = Membership::default();
        let mut breakers = Vec::with_capacity(sources.len());
        for source in sources {
            let key = Arc::as_ptr(source.breaker()) as usize;
            match old.remove(&key) {
                Some(mut tracked) => {
                    tracked.fallbacks = source.fallback_count();
                    self.tracked.push(tracked);
                }
                None => {
                    let tracked = Tracked::new(&source, key);
                    changed.added.push(tracked.name.clone());
                    self.tracked.push(tracked);
                }
            }
            breakers.push(Arc::clone(source.breaker()));
        }
        changed.removed = old.into_values().map(|t| t.name).collect();
        changed.removed.sort();
        (
            (changed != Membership::default()).then_some(changed),
            breakers,
        )
    }
}

impl std::fmt::Debug for Tracked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracked")
            .field("name", &self.name)
            .field("seen_state", &self.seen_state)
            .field("fallbacks", &self.fallbacks.is_some())
            .field("seconds", &self.history.len())
            .finish_non_exhaustive()
    }
}

impl Tracked {
    fn new(source: &BreakerSource, key: usize) -> Self {
        let breaker = source.breaker();
        let state = breaker.state();
        let mut history = breaker.transitions();
        Self {
            name: breaker.name().to_owned(),
            config: breaker.config(),
            key,
            seen_state: state,
            worst: state,
            last_change: None,
            // What happened before the dashboard looked is history, not news.
            seen_len: history.len(),
            last_record: history.pop(),
            totals: None,
            rejected_reported: None,
            last_burst_sweep: None,
            history: VecDeque::with_capacity(HISTORY_SECONDS),
            live: None,
            breaker: Arc::downgrade(breaker),
            fallbacks: source.fallback_count(),
        }
    }

    fn sweep(&mut self, breaker: &CircuitBreaker, sweep: u64, tick: bool, found: &mut Vec<Found>) {
        let state = breaker.state();
        let moved = state != self.seen_state;
        let config = breaker.config();
        if !Arc::ptr_eq(&config, &self.config) {
            let old = std::mem::replace(&mut self.config, config);
            let changed = old.changed_fields(&self.config);
            if !changed.is_empty() {
                found.push(Found::Reconfigured(Reconfigured {
                    name: self.name.clone(),
                    changed,
                    thresholds: Thresholds::of(&self.config),
                    config: Arc::clone(&self.config),
                }));
            }
        }
        let may_reject = !state.admits_all()
            || !self.seen_state.admits_all()
            || self.live.as_ref().is_some_and(|l| l.admitted_share < 1.0);
        let metrics = (tick || moved || may_reject).then(|| breaker.metrics());
        let changed_at = metrics.as_ref().map(|m| m.last_state_change);
        // Every transition stamps `last_state_change` with the breaker's
        // wall clock, so one that leaves the state as it was is still seen.
        if moved || (changed_at.is_some() && changed_at != self.last_change) {
            let records = breaker.transitions();
            let start = if records.len() < HISTORY_CAPACITY {
                // Nothing dropped yet: what is new is past what was seen.
                self.seen_len.min(records.len())
            } else {
                self.last_record
                    .as_ref()
                    .and_then(|last| records.iter().rposition(|r| r == last))
                    .map_or(0, |i| i + 1)
            };
            self.seen_len = records.len();
            for record in &records[start..] {
                self.worst = worse(self.worst, worse(record.from, record.to));
                found.push(Found::Transition(Transition::of(&self.name, record)));
            }
            if let Some(last) = records.last() {
                self.last_record = Some(last.clone());
            }
        }
        if changed_at.is_some() {
            self.last_change = changed_at;
        }
        self.seen_state = state;
        self.worst = worse(self.worst, state);
        if let Some(m) = &metrics {
            self.note_rejections(m, sweep, found);
        }
        if tick {
            if let Some(m) = &metrics {
                self.tick(m);
            }
        }
    }

    /// One `rejections` event when rejections start, then at most one a
    /// second while they go on, each with the count since the last.
    fn note_rejections(&mut self, m: &Metrics, sweep: u64, found: &mut Vec<Found>) {
        let reported = *self.rejected_reported.get_or_insert(m.total_rejected);
        let count = m.total_rejected.saturating_sub(reported);
        let quiet = self
            .last_burst_sweep
            .is_none_or(|last| sweep - last >= SWEEPS_PER_TICK);
        if count > 0 && quiet {
            found.push(Found::Rejections(Rejections {
                name: self.name.clone(),
                count,
                state: m.state,
                reason: rejection_reason(m.state).as_str(),
            }));
            self.rejected_reported = Some(m.total_rejected);
            self.last_burst_sweep = Some(sweep);
        }
    }

    fn tick(&mut self, m: &Metrics) {
        let now = Totals {
            requests: m.total_requests,
            failures: m.total_failures,
            rejected: m.total_rejected,
            fallbacks: self.fallbacks.as_ref().map(|count| count()),
        };
        let per_s = |new: u64, old: u64| new.saturating_sub(old);
        let (calls, failures, rejections, fallbacks) = match self.totals {
            Some(before) => (
                per_s(now.requests, before.requests),
                per_s(now.failures, before.failures),
                per_s(now.rejected, before.rejected),
                now.fallbacks
                    .map(|n| per_s(n, before.fallbacks.unwrap_or(n))),
            ),
            None => (0, 0, 0, now.fallbacks.map(|_| 0)),
        };
        if self.totals.is_some() {
            if self.history.len() == HISTORY_SECONDS {
                self.history.pop_front();
            }
            let small = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
            self.history.push_back(Second {
                state: self.worst,
                calls: small(calls),
                failures: small(failures),
                rejections: small(rejections),
                fallbacks: fallbacks.map(small),
            });
        }
        self.totals = Some(now);
        self.live = Some(Live {
            name: self.name.clone(),
            state: m.state,
            worst: self.worst,
            failure_rate: m.window.failure_rate,
            slow_call_rate: m.window.slow_call_rate,
            window_calls: m.window.calls,
            calls_per_s: calls,
            failures_per_s: failures,
            rejections_per_s: rejections,
            fallbacks_per_s: fallbacks,
            backoff_ms: millis(m.current_backoff),
            retry_after_ms: m.retry_after.map(millis),
            probe_successes: if m.state == State::HalfOpen {
                m.consecutive_successes
            } else {
                0
            },
            admitted_share: m.admitted_share,
            consecutive_failures: m.consecutive_failures,
            trips: m.circuit_open_count,
            rejected_total: m.total_rejected,
        });
        self.worst = m.state;
    }

    fn history(&self, end_ms: u64) -> History {
        let has_fallbacks =
            self.history.iter().any(|s| s.fallbacks.is_some()) || self.fallbacks.is_some();
        History {
            end_ms,
            states: self.history.iter().map(|s| state_digit(s.state)).collect(),
            calls: self.history.iter().map(|s| s.calls).collect(),
            failures: self.history.iter().map(|s| s.failures).collect(),
            rejections: self.history.iter().map(|s| s.rejections).collect(),
            fallbacks: has_fallbacks.then(|| {
                self.history
                    .iter()
                    .map(|s| s.fallbacks.unwrap_or(0))
                    .collect()
            }),
        }
    }
}

fn worse(a: State, b: State) -> State {
    if severity(b) > severity(a) { b } else { a }
}

/// The state's index in [`State::ALL`], as a digit.
fn state_digit(state: State) -> char {
    let index = State::ALL.iter().position(|s| *s == state).unwrap_or(0);
    char::from(b'0' + index as u8)
}

/// Why a breaker in `state` rejects calls (closed ones only during a
/// recovery ramp).
fn rejection_reason(state: State) -> RejectReason {
    match state {
        State::Open => RejectReason::Open,
        State::ForcedOpen => RejectReason::ForcedOpen,
        State::HalfOpen => RejectReason::HalfOpenFull,
        _ => RejectReason::Ramping,
    }
}

#[cfg(test)]
mod tests;
