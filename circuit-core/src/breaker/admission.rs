//! Admission: who may call now.

use std::sync::Arc;
use std::time::Duration;

use super::transition::Move;
use super::{CircuitBreaker, Cold, Events};
use crate::Rejected;
use crate::clock::duration_to_nanos;
use crate::error::RejectReason;
use crate::listener::TransitionReason;
use crate::notify;
use crate::permit::{NO_PROBE, OwnedPermit, Permit, Ticket};
use crate::state::{Packed, State};
use crate::sync::{Ordering, lock};

impl CircuitBreaker {
    /// Asks to make one call.
    ///
    /// CLOSED and FORCED_CLOSED admit every call without a lock (during a
    /// recovery ramp, a growing share of them). OPEN rejects until the open
    /// period has passed; the first caller after it moves the breaker to
    /// HALF_OPEN and becomes a probe. HALF_OPEN admits up to
    /// `max_requests` probes at once.
    ///
    /// # Errors
    /// [`Rejected`], saying why and how long until a call may be allowed.
    #[inline]
    pub fn try_acquire(&self) -> Result<Permit<'_>, Rejected> {
        let word = self.load();
        let now = self.clock.now_nanos();
        if word.admits_all() {
            return Ok(Permit::new(self, Ticket::new(word.epoch(), now, NO_PROBE)));
        }
        self.admit_cold(word, now)
            .map(|ticket| Permit::new(self, ticket))
    }

    /// [`try_acquire`](Self::try_acquire) for a breaker in an `Arc`: the
    /// permit holds a clone of the `Arc`, so it is `'static` and can live
    /// in a future or a task.
    ///
    /// # Errors
    /// As [`try_acquire`](Self::try_acquire).
    #[inline]
    pub fn try_acquire_owned(self: &Arc<Self>) -> Result<OwnedPermit, Rejected> {
        let word = self.load();
        let now = self.clock.now_nanos();
        if word.admits_all() {
            let ticket = Ticket::new(word.epoch(), now, NO_PROBE);
            return Ok(OwnedPermit::new(Arc::clone(self), ticket));
        }
        self.admit_cold(word, now)
            .map(|ticket| OwnedPermit::new(Arc::clone(self), ticket))
    }

    #[cold]
    fn admit_cold(&self, word: Packed, now: u64) -> Result<Ticket, Rejected> {
        // Rejections while open are the outage hot path: no lock.
        match word.state() {
            State::ForcedOpen => {
                return Err(self.reject(Rejected::new(RejectReason::ForcedOpen, Duration::MAX)));
            }
            State::Open if now < self.open_until.load(Ordering::Acquire) => {
                return Err(self.reject(self.open_rejection(now)));
            }
            _ => {}
        }
        let mut events = Events::default();
        let result = self.admit_locked(&mut lock(&self.cold), now, &mut events);
        self.emit(events);
        result.map_err(|rejected| self.reject(rejected))
    }

    /// Counts and announces a rejection.
    fn reject(&self, rejected: Rejected) -> Rejected {
        self.counters.local().add_rejection();
        notify::each(&self.listeners, |l| l.on_rejected(&self.name, &rejected));
        rejected
    }

    fn admit_locked(
        &self,
        cold: &mut Cold,
        now: u64,
        events: &mut Events,
    ) -> Result<Ticket, Rejected> {
        let word = self.load();
        match word.state() {
            State::Closed if word.ramping() => self.admit_ramping(cold, word, now),
            State::Closed | State::ForcedClosed => Ok(Ticket::new(word.epoch(), now, NO_PROBE)),
            State::ForcedOpen => Err(Rejected::new(RejectReason::ForcedOpen, Duration::MAX)),
            State::Open => {
                if now < self.open_until.load(Ordering::Acquire) {
                    return Err(self.open_rejection(now));
                }
                let word = self.transition(
                    cold,
                    word,
                    Move::to(State::HalfOpen, TransitionReason::OpenPeriodElapsed, now),
                    events,
                );
                Ok(Ticket::new(word.epoch(), now, cold.probes.admit(now)))
            }
            State::HalfOpen => self.admit_probe(cold, word, now, events),
        }
    }

    fn admit_probe(
        &self,
        cold: &mut Cold,
        word: Packed,
        now: u64,
        events: &mut Events,
    ) -> Result<Ticket, Rejected> {
        let config = self.config.peek();
        let timeout = duration_to_nanos(config.half_open_probe_timeout);
        let reclaimed = cold.probes.reclaim_expired(now, timeout);
        if reclaimed > 0 {
            // Probes held their slots too long: each is a timeout, counted
            // once (their holders' late outcomes will not count again).
            let t = &mut cold.tally;
            t.off_window_failures = t.off_window_failures.saturating_add(reclaimed);
            t.timeouts = t.timeouts.saturating_add(reclaimed);
            for _ in 0..reclaimed {
                self.run.extend(word.tag());
            }
            cold.success_base = self.counters.successes();
            self.transition(
                cold,
                word,
                Move::to(State::Open, TransitionReason::ProbeTimedOut, now),
                events,
            );
            return Err(self.open_rejection(now));
        }
        if cold.probes.len() < config.max_requests as usize {
            return Ok(Ticket::new(word.epoch(), now, cold.probes.admit(now)));
        }
        let oldest = cold.probes.oldest_start().unwrap_or(now);
        let reclaim_at = oldest.saturating_add(timeout).saturating_add(1);
        Err(Rejected::new(
            RejectReason::HalfOpenFull,
            Duration::from_nanos(reclaim_at.saturating_sub(now)),
        ))
    }

    /// CLOSED during a recovery ramp: a growing share of calls passes.
    fn admit_ramping(&self, cold: &mut Cold, word: Packed, now: u64) -> Result<Ticket, Rejected> {
        let admitted = match &mut cold.ramp {
            Some(ramp) if !ramp.done(now) => ramp.admit(now),
            _ => {
                self.finish_ramp(cold);
                true
            }
        };
        if admitted {
            Ok(Ticket::new(word.epoch(), now, NO_PROBE))
        } else {
            Err(Rejected::new(RejectReason::Ramping, Duration::ZERO))
        }
    }

    /// The ramp is over: full traffic, and the backoff step starts again.
    fn finish_ramp(&self, cold: &mut Cold) {
        cold.ramp = None;
        cold.trips = 0;
        cold.current_backoff = 0;
        self.publish(self.load().with_ramping(false));
    }

    fn open_rejection(&self, now: u64) -> Rejected {
        let until = self.open_until.load(Ordering::Acquire);
        Rejected::new(
            RejectReason::Open,
            Duration::from_nanos(until.saturating_sub(now)),
        )
    }

    /// Lets the next call probe at once if the breaker is OPEN, instead of
    /// waiting out the open period: for an active health check that has
    /// seen the backend come back, or a peer that saw its probes succeed.
    /// It never closes the breaker: the probes still decide. Returns
    /// whether it shortened an open period.
    pub fn allow_probe_now(&self) -> bool {
        let _cold = lock(&self.cold);
        let now = self.clock.now_nanos();
        if self.load().state() != State::Open || self.open_until.load(Ordering::Acquire) <= now {
            return false;
        }
        self.open_until.store(now, Ordering::Release);
        true
    }
}
