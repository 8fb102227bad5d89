//! Outcomes: counting a finished call and judging it.

use std::time::Duration;

use super::transition::Move;
use super::{CircuitBreaker, Cold, Events};
use crate::counters::{Added, bump};
use crate::listener::TransitionReason;
use crate::notify;
use crate::permit::{Finished, NO_PROBE};
use crate::state::{Packed, State, epoch_tag};
use crate::sync::{Ordering, lock, seq_cst_point};
use crate::{Config, Outcome};

impl CircuitBreaker {
    /// Counts a permit's outcome; called once per permit.
    #[inline]
    pub(crate) fn finish(&self, mut call: Finished) {
        let now = || self.clock.now_nanos();
        if call.outcome == Outcome::Cancelled {
            call.at_most(now);
            if call.end.saturating_sub(call.start) > self.abandoned_nanos.load(Ordering::Relaxed) {
                // Dropped after holding too long: the caller gave up on a
                // call that hung, which says something about the backend.
                call.outcome = Outcome::Timeout;
            }
        }
        let outcome = call.outcome;
        let slow = outcome.is_judged() && call.latency > self.slow_nanos.load(Ordering::Relaxed);
        let fast = call.probe == NO_PROBE && outcome == Outcome::Success && !slow;
        if !fast {
            call.at_most(now);
        }
        let events = if call.probe != NO_PROBE {
            self.finish_probe(&call, slow)
        } else if fast {
            self.finish_fast_success(&mut call)
        } else if outcome.is_judged() {
            self.finish_judged(&call, slow)
        } else {
            // Ignored and cancelled calls never enter the window.
            self.counters.local().add(outcome);
            None
        };
        if events.is_none() && !self.call_listeners && !slow {
            return;
        }
        // Every listener hears of any transition and of the call, whatever
        // one of them does.
        let mut panics = notify::Panics::default();
        if let Some(events) = events {
            self.emit_into(&mut panics, events);
        }
        if self.call_listeners || slow {
            let latency = Duration::from_nanos(call.latency);
            panics.each(&self.listeners, |l| {
                if self.call_listeners {
                    l.on_call(&self.name, outcome, latency);
                }
                if slow {
                    l.on_slow_call(&self.name, latency);
                }
            });
        }
        panics.finish();
    }

    /// The hot path: a quick success admitted by a CLOSED breaker.
    #[inline]
    fn finish_fast_success(&self, call: &mut Finished) -> Option<Events> {
        if call.end >= self.bucket_end.load(Ordering::Relaxed) {
            call.at_most(|| self.clock.now_nanos());
            if call.end >= self.bucket_end.load(Ordering::Relaxed) {
                self.rotate(call.end);
            }
        }
        let epoch = call.epoch;
        let tag = epoch_tag(epoch);
        loop {
            match self.counters.local().add_success(tag) {
                Added::Counted { contended: false } => break,
                Added::Counted { contended: true } => {
                    self.spread_counters();
                    break;
                }
                Added::Stale => {
                    bump(&self.stale_successes);
                    return None;
                }
                Added::Full => self.roll_over(),
            }
        }
        self.run.end(tag);
        // After the count, `SeqCst` (see `rearm`).
        seq_cst_point();
        let word = Packed(self.state.load(Ordering::SeqCst));
        if word.armed() && word.epoch() == epoch {
            call.at_most(|| self.clock.now_nanos());
            return self.judge_success(epoch, call.end);
        }
        None
    }

    /// A new bucket: the window may have changed as old buckets left it,
    /// so the success that starts the bucket is judged.
    #[cold]
    fn rotate(&self, now: u64) {
        let mut cold = lock(&self.cold);
        if self.advance_ring(&mut cold, now) {
            self.arm();
        }
    }

    /// Two threads collided on one counter stripe: from now on each gets
    /// its own (allocated once).
    #[cold]
    fn spread_counters(&self) {
        if !self.counters.spread_out() {
            let _cold = lock(&self.cold);
            self.counters.spread(self.load().tag());
        }
    }

    /// A stripe's 32-bit count is full: move it to the retired total.
    #[cold]
    fn roll_over(&self) {
        let _cold = lock(&self.cold);
        self.counters.retag(self.load().tag());
    }

    /// A success counted while the window was armed: it may complete
    /// `min_requests` over a failure rate at or above the threshold.
    #[cold]
    fn judge_success(&self, epoch: u64, now: u64) -> Option<Events> {
        let mut events = Events::default();
        let mut cold = lock(&self.cold);
        let word = self.load();
        if word.epoch() != epoch || word.state() != State::Closed {
            return None;
        }
        self.advance_ring(&mut cold, now);
        self.judge(&mut cold, word, now, 0, &mut events);
        Some(events)
    }

    /// Under the lock, in CLOSED, after an outcome of the current epoch
    /// was counted: trips if the policy says so, else decides whether the
    /// next plain success must be judged (rule 1). User code (the policy)
    /// runs before anything changes.
    ///
    /// The armed mark is set *before* the stripes are summed, and a fast
    /// success counts itself *before* it loads the mark, all `SeqCst`. So
    /// every success is either in this sum, and judged here, or sees the
    /// mark this judgment leaves: set, or cleared because the policy said
    /// no success after this window could trip.
    fn judge(
        &self,
        cold: &mut Cold,
        word: Packed,
        now: u64,
        retry_after: u64,
        events: &mut Events,
    ) {
        let config = self.config.peek();
        self.publish(word.with_armed(true));
        seq_cst_point();
        let window = self.window_at(cold, now);
        let policy = self.policy();
        match policy.should_trip(&window, &config) {
            Some(reason) => {
                let change = Move {
                    retry_after,
                    judged: Some(window),
                    ..Move::to(State::Open, TransitionReason::Tripped(reason), now)
                };
                self.transition(cold, word, change, events);
            }
            None => {
                let armed = policy.may_trip_on_success(&window, &config);
                self.publish(word.with_armed(armed));
            }
        }
    }

    /// Counts a judged outcome of the current epoch (under the lock).
    fn count_judged(&self, cold: &mut Cold, word: Packed, outcome: Outcome, slow: bool) {
        let tag = word.tag();
        match outcome {
            Outcome::Success => {
                while self.counters.local().add_success(tag) == Added::Full {
                    self.counters.retag(tag);
                }
                self.run.clear(tag);
            }
            Outcome::Failure | Outcome::Timeout => {
                let t = &mut cold.tally;
                t.failures = t.failures.saturating_add(1);
                if outcome == Outcome::Timeout {
                    t.timeouts = t.timeouts.saturating_add(1);
                }
                self.run.extend(tag);
                cold.success_base = self.counters.successes();
            }
            Outcome::Ignored | Outcome::Cancelled => {
                self.counters.local().add(outcome);
                return;
            }
        }
        if slow {
            cold.tally.slow = cold.tally.slow.saturating_add(1);
        }
    }

    /// Counts an outcome whose epoch is over: lifetime totals only.
    fn count_stale(&self, cold: &mut Cold, outcome: Outcome, slow: bool) {
        let t = &mut cold.tally;
        match outcome {
            Outcome::Success => bump(&self.stale_successes),
            Outcome::Failure | Outcome::Timeout => {
                t.off_window_failures = t.off_window_failures.saturating_add(1);
                if outcome == Outcome::Timeout {
                    t.timeouts = t.timeouts.saturating_add(1);
                }
            }
            Outcome::Ignored | Outcome::Cancelled => {
                self.counters.local().add(outcome);
                return;
            }
        }
        if slow {
            t.off_window_slow = t.off_window_slow.saturating_add(1);
        }
    }

    /// A failure, timeout or slow call admitted outside HALF_OPEN: counts
    /// it and, in CLOSED, asks the trip policy.
    fn finish_judged(&self, call: &Finished, slow: bool) -> Option<Events> {
        let mut events = Events::default();
        let mut cold = lock(&self.cold);
        let word = self.load();
        if word.epoch() != call.epoch {
            self.count_stale(&mut cold, call.outcome, slow);
            return None;
        }
        self.advance_ring(&mut cold, call.end);
        self.count_judged(&mut cold, word, call.outcome, slow);
        if word.state() == State::Closed {
            let retry_after = self.capped_retry_after(call.retry_after);
            self.judge(&mut cold, word, call.end, retry_after, &mut events);
        }
        Some(events)
    }

    fn finish_probe(&self, call: &Finished, slow: bool) -> Option<Events> {
        let mut events = Events::default();
        {
            let mut cold = lock(&self.cold);
            let word = self.load();
            let current = word.epoch() == call.epoch && word.state() == State::HalfOpen;
            if !(current && cold.probes.release(call.probe)) {
                // A reclaimed probe was counted (as a timeout) when its slot
                // was taken back: its late outcome does not count again.
                if !cold.probes.take_reclaimed(call.probe) {
                    self.count_stale(&mut cold, call.outcome, slow);
                }
                return None;
            }
            self.advance_ring(&mut cold, call.end);
            self.count_judged(&mut cold, word, call.outcome, slow);
            let config = self.config.peek();
            match call.outcome {
                Outcome::Success => {
                    cold.probe_successes = cold.probe_successes.saturating_add(1);
                    if cold.probe_successes >= config.max_requests {
                        let change =
                            Move::to(State::Closed, TransitionReason::ProbesSucceeded, call.end);
                        self.transition(&mut cold, word, change, &mut events);
                    }
                }
                Outcome::Failure | Outcome::Timeout => {
                    let change = Move {
                        retry_after: self.capped_retry_after(call.retry_after),
                        ..Move::to(State::Open, TransitionReason::ProbeFailed, call.end)
                    };
                    self.transition(&mut cold, word, change, &mut events);
                }
                Outcome::Ignored | Outcome::Cancelled => {}
            }
        }
        Some(events)
    }

    /// A Retry-After hint, capped by `max_retry_after`.
    fn capped_retry_after(&self, hint: u64) -> u64 {
        let config: &Config = &self.config.peek();
        hint.min(crate::clock::duration_to_nanos(config.max_retry_after))
    }
}
