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

use crate::backoff::{Backoff, ExponentialBackoff};
use crate::clock::{BreakerClock, Clock, duration_to_nanos};
use crate::counters::{Stripe, StripedCounters, Totals};
use crate::listener::{EventListener, StateChange, TransitionReason, TransitionRecord};
use crate::metrics::{Metrics, WindowMetrics};
use crate::permit::{NO_PROBE, Outcome, Permit};
use crate::policy::{DefaultTripPolicy, TripPolicy, WindowSnapshot, ratio};
use crate::state::{Packed, State};
use crate::sync::{AtomicU32, AtomicU64, Mutex, Ordering, lock};
use crate::window::{Cumulative, Ring};
use crate::{Config, ConfigError, Rejected};

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
    /// Starts building a breaker named `name`.
    pub fn builder(name: impl Into<String>) -> Builder {
        Builder {
            name: name.into(),
            config: Config::default(),
            clock: None,
            listeners: Vec::new(),
            policy: None,
            backoff: None,
        }
    }

    /// A breaker with this config, the system clock and no listener.
    ///
    /// # Errors
    /// [`ConfigError`] if the config breaks a rule.
    pub fn new(name: impl Into<String>, config: Config) -> Result<Self, ConfigError> {
        Self::builder(name).config(config).build()
    }

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
                    self.note_failure();
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
            if outcome == Outcome::Success {
                self.consecutive_failures.store(0, Ordering::Relaxed);
            } else {
                self.note_failure();
            }
            if word.state() == State::Closed {
                let window = self.window_snapshot(&cold, now);
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
                    self.note_failure();
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

    fn note_failure(&self) {
        self.consecutive_failures.fetch_add(1, Ordering::Relaxed);
        self.success_base
            .store(self.counters.totals().successes, Ordering::Relaxed);
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
        let w = cold.ring.window(now, self.cumulative());
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

    /// Moves to `to`, doing what entering it means; returns the new word.
    /// `retry_after` (ns, 0 = none) lengthens an open period.
    #[allow(clippy::too_many_arguments)]
    fn transition(
        &self,
        cold: &mut Cold,
        from: Packed,
        to: State,
        reason: TransitionReason,
        now: u64,
        retry_after: u64,
        events: &mut Events,
    ) -> Packed {
        let window = self.window_snapshot(cold, now);
        let mut open_for = None;
        match to {
            State::Open => {
                cold.trips = cold.trips.saturating_add(1);
                let backoff = match &self.backoff {
                    Some(custom) => custom.backoff(cold.trips),
                    None => ExponentialBackoff {
                        base: self.config.base_backoff,
                        max: self.config.max_backoff,
                    }
                    .backoff(cold.trips),
                };
                let period = self
                    .recovery_nanos
                    .saturating_add(duration_to_nanos(backoff))
                    .max(retry_after);
                self.open_until
                    .store(now.saturating_add(period), Ordering::Release);
                cold.current_backoff = backoff;
                cold.open_count += 1;
                open_for = Some(Duration::from_nanos(period));
            }
            State::HalfOpen => {
                if cold.probes.capacity() == 0 {
                    cold.probes.reserve_exact(self.config.max_requests as usize);
                }
                cold.probe_successes = 0;
                cold.recovery_attempts += 1;
            }
            State::Closed => {
                cold.ring.reset(now, self.cumulative());
                self.bucket_end
                    .store(cold.ring.current_bucket_end(), Ordering::Relaxed);
                self.consecutive_failures.store(0, Ordering::Relaxed);
                self.success_base
                    .store(self.counters.totals().successes, Ordering::Relaxed);
                cold.trips = 0;
                cold.current_backoff = Duration::ZERO;
            }
            State::ForcedOpen | State::ForcedClosed => {}
        }
        cold.probes.clear();
        let next = from.next(to);
        self.state.store(next.0, Ordering::Release);
        if from.state() != to {
            let wall_time = self.clock.wall_now();
            cold.last_change = wall_time;
            let at = Duration::from_nanos(now);
            if cold.history.len() == HISTORY_CAPACITY {
                cold.history.pop_front();
            }
            cold.history.push_back(TransitionRecord {
                at,
                wall_time,
                from: from.state(),
                to,
                reason: reason.clone(),
            });
            let life = self.lifetime();
            events.push(StateChange {
                from: from.state(),
                to,
                reason,
                at,
                wall_time,
                window,
                total_failures: life.failures,
                success_rate: success_rate(&life),
                open_for,
            });
        }
        next
    }

    fn manual(&self, to: State, reason: TransitionReason) {
        let mut events = Events {
            reset: reason == TransitionReason::Reset,
            ..Events::default()
        };
        {
            let mut cold = lock(&self.cold);
            let now = self.clock.now_nanos();
            let word = self.load();
            if to == State::Closed || word.state() != to {
                self.transition(&mut cold, word, to, reason, now, 0, &mut events);
            }
        }
        self.emit(events);
    }

    /// Back to CLOSED with a fresh window, no backoff and no consecutive
    /// trips. Calls in flight become stale.
    pub fn reset(&self) {
        self.manual(State::Closed, TransitionReason::Reset);
    }

    /// Holds the breaker open: every call is rejected until [`reset`] or
    /// [`force_closed`]; it never goes HALF_OPEN by itself.
    ///
    /// [`reset`]: Self::reset
    /// [`force_closed`]: Self::force_closed
    pub fn force_open(&self) {
        self.manual(State::ForcedOpen, TransitionReason::ForcedOpen);
    }

    /// Holds the breaker closed: every call is admitted and counted, and it
    /// never trips, until [`reset`](Self::reset) or
    /// [`force_open`](Self::force_open).
    pub fn force_closed(&self) {
        self.manual(State::ForcedClosed, TransitionReason::ForcedClosed);
    }

    /// A snapshot of the breaker's counters and state.
    pub fn metrics(&self) -> Metrics {
        let cold = lock(&self.cold);
        let now = self.clock.now_nanos();
        let word = self.load();
        let life = self.lifetime();
        let window = self.window_snapshot(&cold, now);
        let consecutive_successes = if word.state() == State::HalfOpen {
            cold.probe_successes
        } else {
            let run = self
                .counters
                .totals()
                .successes
                .saturating_sub(self.success_base.load(Ordering::Relaxed));
            u32::try_from(run).unwrap_or(u32::MAX)
        };
        let retry_after = (word.state() == State::Open).then(|| {
            Duration::from_nanos(self.open_until.load(Ordering::Acquire).saturating_sub(now))
        });
        Metrics {
            name: self.name.to_string(),
            state: word.state(),
            total_requests: life.successes + life.failures + life.ignored + life.cancelled,
            total_successes: life.successes,
            total_failures: life.failures,
            success_rate: success_rate(&life),
            failure_rate: ratio(life.failures, life.successes + life.failures),
            consecutive_failures: window.consecutive_failures,
            consecutive_successes,
            circuit_open_count: cold.open_count,
            timeout_count: life.timeouts,
            last_state_change: cold.last_change,
            current_backoff: cold.current_backoff,
            total_rejected: life.rejected,
            total_slow: life.slow,
            total_cancelled: life.cancelled,
            total_ignored: life.ignored,
            recovery_attempts: cold.recovery_attempts,
            consecutive_trips: cold.trips,
            retry_after,
            window: WindowMetrics {
                calls: window.calls,
                failures: window.failures,
                slow_calls: window.slow_calls,
                failure_rate: window.failure_rate(),
                slow_call_rate: window.slow_call_rate(),
            },
        }
    }

    /// The last [`HISTORY_CAPACITY`] transitions, oldest first.
    pub fn transitions(&self) -> Vec<TransitionRecord> {
        lock(&self.cold).history.iter().cloned().collect()
    }

    fn emit(&self, events: Events) {
        for change in events.changes.iter().flatten() {
            #[cfg(feature = "tracing")]
            tracing::warn!(
                breaker = %self.name,
                from_state = %change.from,
                to_state = %change.to,
                total_failures = change.total_failures,
                success_rate = change.success_rate,
                reason = %change.reason,
                "Circuit breaker state changed"
            );
            for listener in &self.listeners {
                listener.on_state_change(&self.name, change);
            }
        }
        if events.reset {
            for listener in &self.listeners {
                listener.on_reset(&self.name);
            }
        }
    }
}

fn success_rate(t: &Totals) -> f64 {
    if t.successes + t.failures == 0 {
        1.0
    } else {
        ratio(t.successes, t.successes + t.failures)
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

/// Builds a [`CircuitBreaker`]; see [`CircuitBreaker::builder`].
#[must_use]
pub struct Builder {
    name: String,
    config: Config,
    clock: Option<Arc<dyn Clock>>,
    listeners: Vec<Arc<dyn EventListener>>,
    policy: Option<Arc<dyn TripPolicy>>,
    backoff: Option<Arc<dyn Backoff>>,
}

impl Builder {
    /// The configuration (default: [`Config::default`]).
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// The clock (default: [`SystemClock`](crate::SystemClock)).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Adds an event listener; call again to add more (all are called, in
    /// order).
    pub fn listener(mut self, listener: impl EventListener + 'static) -> Self {
        self.listeners.push(Arc::new(listener));
        self
    }

    /// Replaces the trip decision (default: [`DefaultTripPolicy`]).
    pub fn trip_policy(mut self, policy: impl TripPolicy + 'static) -> Self {
        self.policy = Some(Arc::new(policy));
        self
    }

    /// Replaces the backoff (default: [`ExponentialBackoff`] from the
    /// config's `base_backoff` and `max_backoff`).
    pub fn backoff(mut self, backoff: impl Backoff + 'static) -> Self {
        self.backoff = Some(Arc::new(backoff));
        self
    }

    /// Validates the config and builds the breaker.
    ///
    /// # Errors
    /// [`ConfigError`] naming the first field that breaks a rule.
    pub fn build(self) -> Result<CircuitBreaker, ConfigError> {
        self.config.validate()?;
        let clock = match self.clock {
            Some(clock) => BreakerClock::Custom(clock),
            None => BreakerClock::System,
        };
        let now = clock.now_nanos();
        let ring = Ring::new(
            duration_to_nanos(self.config.monitor_window),
            now,
            Cumulative::default(),
        );
        let bucket_end = ring.current_bucket_end();
        let cold = Cold {
            ring,
            trips: 0,
            current_backoff: Duration::ZERO,
            // Sized on the first HALF_OPEN: most breakers never get there.
            probes: Vec::new(),
            probe_successes: 0,
            next_ticket: NO_PROBE + 1,
            history: VecDeque::new(),
            last_change: clock.wall_now(),
            open_count: 0,
            recovery_attempts: 0,
        };
        Ok(CircuitBreaker {
            name: self.name.into_boxed_str(),
            slow_nanos: duration_to_nanos(self.config.slow_call_threshold),
            probe_timeout_nanos: duration_to_nanos(self.config.half_open_probe_timeout),
            recovery_nanos: duration_to_nanos(self.config.recovery_timeout),
            config: self.config,
            state: AtomicU64::new(Packed::new(State::Closed, 0).0),
            open_until: AtomicU64::new(0),
            bucket_end: AtomicU64::new(bucket_end),
            consecutive_failures: AtomicU32::new(0),
            success_base: AtomicU64::new(0),
            counters: StripedCounters::default(),
            off_window: Stripe::default(),
            cold: Mutex::new(cold),
            clock,
            policy: self.policy,
            backoff: self.backoff,
            listeners: self.listeners.into_boxed_slice(),
        })
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("name", &self.name)
            .field("config", &self.config)
            .field("clock", &self.clock)
            .field("listeners", &self.listeners.len())
            .field("policy", &self.policy)
            .field("backoff", &self.backoff)
            .finish()
    }
}
