//! The breaker: a thin layer of atomics over the pure decision code.
//!
//! Hot paths (CLOSED admission and success, OPEN rejection) touch only
//! atomics. Everything that can change the state (failures and slow calls
//! in CLOSED, successes while the window is armed, HALF_OPEN probes, the
//! recovery ramp, manual control, reconfiguration, bucket rotation) runs
//! under one small mutex (`cold`), held for a few hundred nanoseconds at
//! most; listeners run after it is released.
//!
//! * `admission.rs`: `try_acquire`, probes, the ramp gate, rejections.
//! * `outcome.rs`: counting a finished call and judging it.
//! * `transition.rs`: entering a state, manual control, events.
//! * `reconfigure.rs`: swapping the config in.
//! * `snapshot.rs`: metrics and history.
//! * `observe.rs`: telling a learning trip policy about closed buckets.
//! * `cold.rs`: what lives under the lock.
//! * `builder.rs`: extension points and validation.

use std::fmt;
use std::sync::Arc;

use crate::backoff::{Backoff, ExponentialBackoff};
use crate::clock::{BreakerClock, duration_to_nanos};
use crate::counters::{Counters, FailureRun};
use crate::listener::EventListener;
use crate::policy::{DefaultTripPolicy, TripPolicy, WindowSnapshot};
use crate::state::{Packed, State};
use crate::sync::{AtomicU64, Mutex, Ordering, SwapCell};
use crate::window::Cumulative;
use crate::{Config, notify};

mod admission;
mod builder;
mod cold;
mod observe;
mod outcome;
mod reconfigure;
mod snapshot;
mod transition;

pub use builder::Builder;
use cold::Cold;
pub(crate) use transition::Events;

/// Transitions kept by [`CircuitBreaker::transitions`].
pub const HISTORY_CAPACITY: usize = 64;

/// A circuit breaker. `Send + Sync`: share it by reference or through an
/// `Arc`.
///
/// See the [crate documentation](crate) for the rules it follows.
pub struct CircuitBreaker {
    name: Box<str>,
    config: SwapCell<Config>,
    /// [`Packed`] state, flags and epoch; written only under `cold`.
    state: AtomicU64,
    /// While OPEN: clock time (ns) when a probe will be allowed. Written
    /// before the state word that publishes it.
    open_until: AtomicU64,
    /// Clock time (ns) when the window's current bucket ends.
    bucket_end: AtomicU64,
    /// The consecutive-failure run, epoch-tagged.
    run: FailureRun,
    /// The config's values the hot path needs, in nanoseconds; they follow
    /// every reconfiguration. `u64::MAX` for "never".
    slow_nanos: AtomicU64,
    abandoned_nanos: AtomicU64,
    /// Successes whose epoch was over when they were counted.
    stale_successes: AtomicU64,
    counters: Counters,
    cold: Mutex<Cold>,
    pub(crate) clock: BreakerClock,
    /// A custom trip policy and backoff, if any (boxed: most breakers use
    /// the defaults, and memory per breaker counts).
    hooks: Option<Box<Hooks>>,
    listeners: Box<[Arc<dyn EventListener>]>,
    /// Whether any listener wants every call
    /// ([`EventListener::wants_calls`]), read once when built: listeners
    /// that follow only state changes cost the call path nothing.
    call_listeners: bool,
}

/// The replaceable decisions.
#[derive(Debug, Default)]
struct Hooks {
    policy: Option<Arc<dyn TripPolicy>>,
    backoff: Option<Arc<dyn Backoff>>,
}

impl CircuitBreaker {
    /// The breaker's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its current configuration (see [`reconfigure`](Self::reconfigure)).
    /// Never half of one config and half of another.
    pub fn config(&self) -> Arc<Config> {
        self.config.load()
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

    /// Publishes a new state word. Under the lock only. `SeqCst`: see
    /// [`rearm`](Self::rearm).
    fn publish(&self, word: Packed) {
        self.state.store(word.0, Ordering::SeqCst);
    }

    fn policy(&self) -> &dyn TripPolicy {
        self.hooks
            .as_ref()
            .and_then(|h| h.policy.as_deref())
            .unwrap_or(&DefaultTripPolicy)
    }

    /// The backoff of the `trip`-th consecutive trip. Runs user code.
    fn backoff_for(&self, trip: u32, config: &Config) -> std::time::Duration {
        match self.hooks.as_ref().and_then(|h| h.backoff.as_ref()) {
            Some(custom) => custom.backoff(trip),
            None => ExponentialBackoff {
                base: config.base_backoff,
                max: config.max_backoff,
            }
            .backoff(trip),
        }
    }

    /// Caches the values the lock-free paths read: `slow_nanos` is the
    /// trip policy's slow-call threshold (see `policy_slow_nanos`).
    fn cache_hot_values(&self, config: &Config, slow_nanos: u64) {
        self.slow_nanos.store(slow_nanos, Ordering::Relaxed);
        self.abandoned_nanos.store(
            config.abandoned_after.map_or(u64::MAX, duration_to_nanos),
            Ordering::Relaxed,
        );
    }

    /// The window-relevant counters now (under the lock).
    fn cumulative(&self, cold: &Cold) -> Cumulative {
        Cumulative {
            successes: self.counters.successes(),
            failures: cold.tally.failures,
            slow: cold.tally.slow,
        }
    }

    /// The window at `now` (under the lock).
    fn window_at(&self, cold: &Cold, now: u64) -> WindowSnapshot {
        self.window_from(cold, now, self.cumulative(cold))
    }

    fn window_from(&self, cold: &Cold, now: u64, counts: Cumulative) -> WindowSnapshot {
        let w = cold.ring.window(now, counts);
        WindowSnapshot {
            calls: w.successes.saturating_add(w.failures),
            failures: w.failures,
            slow_calls: w.slow,
            consecutive_failures: self.run.get(),
        }
    }

    /// Starts the buckets up to `now`'s (under the lock); says whether the
    /// window moved. A custom trip policy observes the bucket that closes
    /// first (user code, before anything changes).
    fn advance_ring(&self, cold: &mut Cold, now: u64) -> bool {
        // Still in the current bucket: nothing to start, and no need to sum
        // the stripes.
        if now < self.bucket_end.load(Ordering::Relaxed) {
            return false;
        }
        let counts = self.cumulative(cold);
        let slow = self.observe_bucket(cold, counts, now, false);
        cold.ring.advance(now, counts);
        self.bucket_end
            .store(cold.ring.current_bucket_end(), Ordering::Relaxed);
        if let Some(slow) = slow {
            self.slow_nanos.store(slow, Ordering::Relaxed);
        }
        true
    }

    /// Under the lock: the next plain success of a CLOSED breaker must be
    /// judged (see `judge`), because the window or the rules just changed
    /// (a new bucket, a new config). That judgment decides again.
    fn arm(&self) {
        let word = self.load();
        if word.state() == State::Closed && !word.armed() {
            self.publish(word.with_armed(true));
        }
    }

    fn emit_reconfigured(&self, old: &Config, new: &Config) {
        notify::each(&self.listeners, |l| {
            l.on_reconfigured(&self.name, old, new);
        });
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
