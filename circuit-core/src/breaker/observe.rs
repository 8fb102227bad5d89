//! Telling a learning trip policy what the window saw: each bucket as it
//! closes, and the slow-call threshold it wants.
//!
//! Only a custom policy hears of buckets: with the default policy none of
//! this runs, so the default breaker pays nothing for it.

use std::time::Duration;

use super::{CircuitBreaker, Cold};
use crate::Config;
use crate::clock::duration_to_nanos;
use crate::policy::{Observation, TripPolicy, WindowSnapshot};
use crate::state::State;
use crate::window::Cumulative;

impl CircuitBreaker {
    /// The custom trip policy, if there is one.
    #[inline]
    pub(super) fn custom_policy(&self) -> Option<&dyn TripPolicy> {
        self.hooks.as_ref().and_then(|h| h.policy.as_deref())
    }

    /// The slow-call threshold the trip policy wants under `config`, in
    /// nanoseconds. Runs user code.
    pub(super) fn policy_slow_nanos(&self, config: &Config) -> u64 {
        duration_to_nanos(self.policy().slow_call_threshold(config))
    }

    /// Under the lock, before the ring moves on from its current bucket
    /// to `now`'s: lets a custom policy observe that bucket, which ends
    /// where `now`'s begins (or at `now`, when a fresh window cuts it
    /// short: `early`), and returns the slow-call threshold the policy
    /// wants now. Runs user code and changes nothing.
    #[inline]
    pub(super) fn observe_bucket(
        &self,
        cold: &Cold,
        counts: Cumulative,
        now: u64,
        early: bool,
    ) -> Option<u64> {
        let policy = self.custom_policy()?;
        Some(self.tell(policy, cold, counts, now, early))
    }

    #[cold]
    fn tell(
        &self,
        policy: &dyn TripPolicy,
        cold: &Cold,
        counts: Cumulative,
        now: u64,
        early: bool,
    ) -> u64 {
        let ring = &cold.ring;
        let end = if early {
            now
        } else {
            ring.bucket_of(now).saturating_mul(ring.width())
        };
        let start = ring.current_start();
        let run = self.run.get();
        let own = ring.current_counts(counts);
        let last_judged = end
            .saturating_sub(1)
            .min(ring.current_bucket_end().saturating_sub(1))
            .max(start);
        let w = ring.window(last_judged, counts);
        let word = self.load();
        let state = word.state();
        let observation = Observation {
            start: Duration::from_nanos(start),
            span: Duration::from_nanos(end.saturating_sub(start)),
            bucket: snapshot(own, run),
            window: snapshot(w, run),
            state,
            ramping: word.ramping(),
            // A bucket that began before a recovery ramp ended saw only
            // part of the traffic for part of its time.
            steady: !early
                && state == State::Closed
                && !word.ramping()
                && cold.ramp.as_ref().is_none_or(|ramp| start >= ramp.end()),
            restarts_window: early,
        };
        let config = self.config.peek();
        policy.observe(&observation, &config);
        self.policy_slow_nanos(&config)
    }
}

fn snapshot(counts: Cumulative, run: u32) -> WindowSnapshot {
    WindowSnapshot {
        calls: counts.successes.saturating_add(counts.failures),
        failures: counts.failures,
        slow_calls: counts.slow,
        consecutive_failures: run,
    }
}
