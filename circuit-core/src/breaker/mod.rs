//! The breaker: a thin layer of atomics over the pure decision code.
//!
//! Hot paths (CLOSED admission and success, OPEN rejection) touch only
//! atomics. Everything that can change the state (failures and slow calls
//! in CLOSED, HALF_OPEN probes, manual control, bucket rotation) runs under
//! one small mutex (`cold`), held for a few hundred nanoseconds at most and
//! never across user code: listeners run after it is released.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::backoff::Backoff;
use crate::clock::BreakerClock;
use crate::counters::{Stripe, StripedCounters, Totals};
use crate::listener::{EventListener, StateChange, TransitionReason, TransitionRecord};
use crate::permit::{NO_PROBE, Outcome, Permit};
use crate::policy::{DefaultTripPolicy, TripPolicy, WindowSnapshot};
use crate::state::{Packed, State};
use crate::sync::{AtomicU32, AtomicU64, Mutex, Ordering, lock};
use crate::window::{Cumulative, Ring};
use crate::{Config, Rejected};

mod builder;
mod snapshot;
mod transition;

pub use builder::Builder;

/// Transitions kept by [`CircuitBreaker::transitions`].
pub const HISTORY_CAPACITY: usize = 64;

/// A circuit breaker. `Send + Sync`: share it by reference or through an
/// `Arc`.
///
/// See the [crate documentation](crate) for the rules it follows.
pub struct CircuitBreaker {
    name: Box<str>,
    config: Config,
    /// [`Packed`] state and epoch.
    state: AtomicU64,
    /// While OPEN: clock time (ns) when a probe will be allowed. Written
    /// before the state word that publishes it.
    open_until: AtomicU64,
    /// Clock time (ns) when the window's current bucket ends.
    bucket_end: AtomicU64,
    consecutive_failures: AtomicU32,
    /// Successes counted when the last failure was: the current success
    /// run is the difference.
    success_base: AtomicU64,
    counters: StripedCounters,
    /// Lifetime-only counts: stale outcomes and reclaimed probes.
    off_window: Stripe,
    cold: Mutex<Cold>,
    pub(crate) clock: BreakerClock,
    policy: Option<Arc<dyn TripPolicy>>,
    backoff: Option<Arc<dyn Backoff>>,
    listeners: Box<[Arc<dyn EventListener>]>,
    slow_nanos: u64,
    probe_timeout_nanos: u64,
    recovery_nanos: u64,
}

/// State that only changes under the lock.
#[derive(Debug)]
struct Cold {
    ring: Ring,
    /// Consecutive trips since CLOSED (`k`).
    trips: u32,
    current_backoff: Duration,
    probes: Vec<Probe>,
    probe_successes: u32,
    next_ticket: u64,
    history: VecDeque<TransitionRecord>,
    last_change: SystemTime,
    open_count: u64,
    recovery_attempts: u64,
}

#[derive(Debug, Clone, Copy)]
struct Probe {
    ticket: u64,
    start: u64,
}

/// Events gathered under the lock, delivered after it is released. One
/// operation makes at most two transitions (OPEN → HALF_OPEN on acquire,
/// say, then HALF_OPEN → OPEN on a reclaimed probe), so no allocation.
#[derive(Default)]
struct Events {
    changes: [Option<StateChange>; 2],
    reset: bool,
}

impl Events {
    fn push(&mut self, change: StateChange) {
        match self.changes.iter_mut().find(|slot| slot.is_none()) {
            Some(slot) => *slot = Some(change),
            None => debug_assert!(false, "more than two transitions in one operation"),
        }
    }
}

impl CircuitBreaker {
    /// The breaker's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The current state.
    #[inline]
    pub fn state(&self) -> State {
        self.load().state()
    }

    #[inline]
    pub(crate) fn load(&self) -> Packed {
        Packed(self.state.load(Ordering::Acquire))
    }

    /// Asks to make one call.
    ///
    /// CLOSED and FORCED_CLOSED admit every call without a lock. OPEN
    /// rejects until the open period has passed; the first caller after it
    /// moves the breaker to HALF_OPEN and becomes a probe. HALF_OPEN admits
    /// up to `max_requests` probes at once.
    ///
    /// # Errors
    /// [`Rejected`], saying how long until a probe will be allowed.
    #[inline]
    pub fn try_acquire(&self) -> Result<Permit<'_>, Rejected> {
        let word = self.load();
        let now = self.clock.now_nanos();
        if word.state().admits_all() {
            return Ok(Permit::new(self, word.epoch(), now, NO_PROBE));
        }
        self.acquire_cold(word, now)
    }

    #[cold]
    fn acquire_cold(&self, word: Packed, now: u64) -> Result<Permit<'_>, Rejected> {
        // Rejections while open are the outage hot path: no lock.
        match word.state() {
            State::ForcedOpen => {
                return Err(self.reject(Rejected::new(State::ForcedOpen, Duration::MAX)));
            }
            State::Open if now < self.open_until.load(Ordering::Acquire) => {
                return Err(self.reject(self.open_rejection(now)));
            }
            _ => {}
        }
        let mut events = Events::default();
        let result = self.acquire_locked(&mut lock(&self.cold), now, &mut events);
        self.emit(events);
        result.map_err(|rejected| self.reject(rejected))
    }

    /// Counts and announces a rejection.
    fn reject(&self, rejected: Rejected) -> Rejected {
        self.counters.local().record_rejection();
        for listener in &self.listeners {
            listener.on_rejected(&self.name, &rejected);
        }
        rejected
    }

    fn acquire_locked(
        &self,
        cold: &mut Cold,
        now: u64,
        events: &mut Events,
    ) -> Result<Permit<'_>, Rejected> {
        let word = self.load();
        match word.state() {
            State::Closed | State::ForcedClosed => {
                Ok(Permit::new(self, word.epoch(), now, NO_PROBE))
            }
            State::ForcedOpen => Err(Rejected::new(State::ForcedOpen, Duration::MAX)),
            State::Open => {
                if now < self.open_until.load(Ordering::Acquire) {
                    return Err(self.open_rejection(now));
                }
                let word = self.transition(
                    cold,
                    word,
                    State::HalfOpen,
                    TransitionReason::OpenPeriodElapsed,
                    now,
                    0,
                    events,
                );
                Ok(self.admit_probe(cold, word, now))
            }
            State::HalfOpen => {
                let timeout = self.probe_timeout_nanos;
                if cold
                    .probes
                    .iter()
                    .any(|p| now.saturating_sub(p.start) > timeout)
                {
                    // A probe held its slot too long: reclaim it as a failure.
                    self.off_window.record(Outcome::Failure, false);
                    self.note_failure(self.counters.totals().successes);
                    self.transition(
                        cold,
                        word,
                        State::Open,
                        TransitionReason::ProbeTimedOut,
                        now,
                        0,
                        events,
                    );
                    return Err(self.open_rejection(now));
                }
                if cold.probes.len() < self.config.max_requests as usize {
                    return Ok(self.admit_probe(cold, word, now));
                }
                let oldest = cold.probes.iter().map(|p| p.start).min().unwrap_or(now);
                let reclaim_at = oldest.saturating_add(timeout).saturating_add(1);
                Err(Rejected::new(
                    State::HalfOpen,
                    Duration::from_nanos(reclaim_at.saturating_sub(now)),
                ))
            }
        }
    }

    fn open_rejection(&self, now: u64) -> Rejected {
        let until = self.open_until.load(Ordering::Acquire);
        Rejected::new(State::Open, Duration::from_nanos(until.saturating_sub(now)))
    }

    fn admit_probe(&self, cold: &mut Cold, word: Packed, now: u64) -> Permit<'_> {
        let ticket = cold.next_ticket;
        cold.next_ticket += 1;
        cold.probes.push(Probe { ticket, start: now });
        Permit::new(self, word.epoch(), now, ticket)
    }

    /// Counts a permit's outcome; called once per permit.
    #[inline]
    pub(crate) fn finish(
        &self,
        permit: &Permit<'_>,
        outcome: Outcome,
        now: u64,
        latency: u64,
        retry_after: Option<u64>,
    ) {
        let slow = outcome.is_judged() && latency > self.slow_nanos;
        if permit.probe != NO_PROBE {
            self.finish_probe(permit.epoch, permit.probe, outcome, now, slow, retry_after);
        } else if outcome == Outcome::Success && !slow {
            self.finish_fast_success(permit.epoch, now);
        } else if outcome.is_judged() {
            self.finish_judged(permit.epoch, outcome, now, slow, retry_after);
        } else {
            // Ignored and cancelled calls never enter the window.
            self.counters.local().record(outcome, false);
        }
        if !self.listeners.is_empty() {
            let latency = Duration::from_nanos(latency);
            for listener in &self.listeners {
                listener.on_call(&self.name, outcome, latency);
                if slow {
                    listener.on_slow_call(&self.name, latency);
                }
            }
        }
    }

    /// The hot path: a quick success admitted by a CLOSED breaker.
    #[inline]
    fn finish_fast_success(&self, epoch: u64, now: u64) {
        if self.load().epoch() != epoch {
            self.off_window.record(Outcome::Success, false);
            return;
        }
        if now >= self.bucket_end.load(Ordering::Relaxed) {
            self.rotate(now);
        }
        self.counters.local().record(Outcome::Success, false);
        // Reading first keeps the line shared between cores while the run
        // is already zero, the usual case.
        if self.consecutive_failures.load(Ordering::Relaxed) != 0 {
            self.consecutive_failures.store(0, Ordering::Relaxed);
        }
    }

    #[cold]
    fn rotate(&self, now: u64) {
        let mut cold = lock(&self.cold);
        self.advance_ring(&mut cold, now);
    }

    fn advance_ring(&self, cold: &mut Cold, now: u64) {
        // Still in the current bucket: nothing to start, and no need to sum
        // the stripes.
        if now < self.bucket_end.load(Ordering::Relaxed) {
            return;
        }
        cold.ring.advance(now, self.cumulative());
        self.bucket_end
            .store(cold.ring.current_bucket_end(), Ordering::Relaxed);
    }

    /// A failure, timeout or slow call admitted outside HALF_OPEN: counts
    /// it and, in CLOSED, asks the trip policy.
    fn finish_judged(
        &self,
        epoch: u64,
        outcome: Outcome,
        now: u64,
        slow: bool,
        retry_after: Option<u64>,
    ) {
        let mut events = Events::default();
        {
            let mut cold = lock(&self.cold);
            let word = self.load();
            if word.epoch() != epoch {
                drop(cold);
                self.off_window.record(outcome, slow);
                return;
            }
            self.advance_ring(&mut cold, now);
            self.counters.local().record(outcome, slow);
            // One sum of the stripes serves the success run and the window.
            let counts = self.cumulative();
            if outcome == Outcome::Success {
                self.consecutive_failures.store(0, Ordering::Relaxed);
            } else {
                self.note_failure(counts.successes);
            }
            if word.state() == State::Closed {
                let window = self.window_at(&cold, now, counts);
                let policy: &dyn TripPolicy = self.policy.as_deref().unwrap_or(&DefaultTripPolicy);
                if let Some(reason) = policy.should_trip(&window, &self.config) {
                    let retry_after = retry_after.unwrap_or(0);
                    self.transition(
                        &mut cold,
                        word,
                        State::Open,
                        TransitionReason::Tripped(reason),
                        now,
                        retry_after,
                        &mut events,
                    );
                }
            }
        }
        self.emit(events);
    }

    fn finish_probe(
        &self,
        epoch: u64,
        ticket: u64,
        outcome: Outcome,
        now: u64,
        slow: bool,
        retry_after: Option<u64>,
    ) {
        let mut events = Events::default();
        {
            let mut cold = lock(&self.cold);
            let word = self.load();
            let slot = if word.epoch() == epoch && word.state() == State::HalfOpen {
                cold.probes.iter().position(|p| p.ticket == ticket)
            } else {
                None
            };
            let Some(slot) = slot else {
                drop(cold);
                self.count_stale(outcome, slow);
                return;
            };
            cold.probes.swap_remove(slot);
            self.advance_ring(&mut cold, now);
            self.counters.local().record(outcome, slow);
            match outcome {
                Outcome::Success => {
                    self.consecutive_failures.store(0, Ordering::Relaxed);
                    cold.probe_successes += 1;
                    if cold.probe_successes >= self.config.max_requests {
                        self.transition(
                            &mut cold,
                            word,
                            State::Closed,
                            TransitionReason::ProbesSucceeded,
                            now,
                            0,
                            &mut events,
                        );
                    }
                }
                Outcome::Failure | Outcome::Timeout => {
                    self.note_failure(self.counters.totals().successes);
                    let retry_after = retry_after.unwrap_or(0);
                    self.transition(
                        &mut cold,
                        word,
                        State::Open,
                        TransitionReason::ProbeFailed,
                        now,
                        retry_after,
                        &mut events,
                    );
                }
                Outcome::Ignored | Outcome::Cancelled => {}
            }
        }
        self.emit(events);
    }

    fn count_stale(&self, outcome: Outcome, slow: bool) {
        if outcome.is_judged() {
            self.off_window.record(outcome, slow);
        } else {
            self.counters.local().record(outcome, false);
        }
    }

    /// A failure of the current epoch: extends the failure run and ends the
    /// success run, whose start is the `successes` counted so far.
    fn note_failure(&self, successes: u64) {
        self.consecutive_failures.fetch_add(1, Ordering::Relaxed);
        self.success_base.store(successes, Ordering::Relaxed);
    }

    fn cumulative(&self) -> Cumulative {
        let t = self.counters.totals();
        Cumulative {
            successes: t.successes,
            failures: t.failures,
            slow: t.slow,
        }
    }

    fn window_snapshot(&self, cold: &Cold, now: u64) -> WindowSnapshot {
        self.window_at(cold, now, self.cumulative())
    }

    /// The window at `now`, given the counters' current sum.
    fn window_at(&self, cold: &Cold, now: u64, counts: Cumulative) -> WindowSnapshot {
        let w = cold.ring.window(now, counts);
        WindowSnapshot {
            calls: w.successes + w.failures,
            failures: w.failures,
            slow_calls: w.slow,
            consecutive_failures: self.consecutive_failures.load(Ordering::Relaxed),
        }
    }

    fn lifetime(&self) -> Totals {
        self.counters.totals().plus(&self.off_window.totals())
    }
}

impl fmt::Debug for CircuitBreaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreaker")
            .field("name", &self.name)
            .field("state", &self.state())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
