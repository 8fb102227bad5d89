//! Replaying incidents: any trip policy over a recorded or generated trace
//! of calls, on a [`ManualClock`], deterministically (feature `replay`).
//!
//! A [`Trace`] is what a backend did: each call's start time, outcome and
//! latency, and the stretches that were incidents. [`replay`] sends those
//! calls through a real [`CircuitBreaker`] with the config and policy
//! given (each call starts at its time and is recorded when its latency
//! has passed, calls overlapping as they did), and [`Run::score`] measures
//! what the breaker made of it: how soon it opened in each incident, how
//! many calls it still let into it, and what it cost outside incidents.
//! [`Scenario`] generates the six incidents docs/adaptive.md measures.
//!
//! ```
//! use circuit_core::replay::{Scenario, replay};
//! use circuit_core::{AdaptivePolicy, DefaultTripPolicy};
//!
//! let trace = Scenario::Blip.trace(1);
//! let seed = replay(&trace, Scenario::Blip.user_config(), DefaultTripPolicy)?;
//! let adaptive = replay(&trace, Scenario::Blip.user_config(), AdaptivePolicy::default())?;
//! let (seed, adaptive) = (seed.score(&trace), adaptive.score(&trace));
//! assert!(adaptive.calls_into_incidents[0] <= seed.calls_into_incidents[0]);
//! # Ok::<(), circuit_core::ConfigError>(())
//! ```
//!
//! * `mod.rs`: [`Trace`], [`replay`], [`Run`].
//! * `score.rs`: [`Score`] and [`Detection`].
//! * `scenarios.rs`: [`Scenario`], the seeded generators.
//! * `rng.rs`: the seeded random numbers.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ops::Range;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::{
    CircuitBreaker, Clock, Config, ConfigError, EventListener, ManualClock, Metrics, Outcome,
    Permit, State, StateChange, TripPolicy,
};

mod rng;
mod scenarios;
mod score;

pub use scenarios::Scenario;
pub use score::{Detection, Score};

/// One call of a trace: when it started, how it ended, how long it took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceCall {
    /// Start, since the trace's origin.
    pub at: Duration,
    /// How it ended (a rejected call never runs, so never ends).
    pub outcome: Outcome,
    /// How long it took.
    pub latency: Duration,
}

/// What a backend did over a stretch of time: calls in start order, and
/// the incidents among them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    calls: Vec<TraceCall>,
    incidents: Vec<Range<Duration>>,
    end: Duration,
}

impl Trace {
    /// A trace of `calls` (sorted here by start) with these incidents,
    /// lasting until `end` (or its last call's end, if later).
    pub fn new(mut calls: Vec<TraceCall>, incidents: Vec<Range<Duration>>, end: Duration) -> Self {
        calls.sort_by_key(|c| c.at);
        let last = calls
            .iter()
            .map(|c| c.at.saturating_add(c.latency))
            .max()
            .unwrap_or_default();
        Self {
            calls,
            incidents,
            end: end.max(last),
        }
    }

    /// The calls, in start order.
    pub fn calls(&self) -> &[TraceCall] {
        &self.calls
    }

    /// The incidents, as start..end.
    pub fn incidents(&self) -> &[Range<Duration>] {
        &self.incidents
    }

    /// When the trace ends.
    pub fn end(&self) -> Duration {
        self.end
    }

    /// Whether `at` falls in an incident.
    pub fn in_incident(&self, at: Duration) -> bool {
        self.incidents.iter().any(|i| i.contains(&at))
    }
}

/// A state change seen during a replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// When, since the trace's origin.
    pub at: Duration,
    /// From this state.
    pub from: State,
    /// To this one.
    pub to: State,
}

/// What a replay saw.
#[derive(Debug, Clone)]
pub struct Run {
    /// Every state change, in order.
    pub changes: Vec<Change>,
    /// For each call of the trace, whether the breaker admitted it.
    pub admitted: Vec<bool>,
    /// The breaker's metrics at the end of the trace.
    pub metrics: Metrics,
    /// The config replayed with.
    pub config: Config,
}

/// Replays `trace` through a breaker with `config` and `policy` on a
/// [`ManualClock`] starting at zero: deterministic, and as fast as the
/// breaker.
///
/// To read a learning policy afterwards, pass an `Arc` of it and keep a
/// clone.
///
/// # Errors
/// [`ConfigError`] if `config` breaks a rule.
pub fn replay(
    trace: &Trace,
    config: Config,
    policy: impl TripPolicy + 'static,
) -> Result<Run, ConfigError> {
    let clock = ManualClock::new();
    let changes = Arc::new(Changes::default());
    let cb = CircuitBreaker::builder("replay")
        .config(config.clone())
        .clock(clock.clone())
        .trip_policy(policy)
        .listener(Arc::clone(&changes))
        .build()?;
    let admitted = drive(&cb, &clock, trace);
    clock.set(trace.end.max(Clock::now(&clock)));
    let metrics = cb.metrics();
    drop(cb);
    let changes = std::mem::take(&mut *lock(&changes.0));
    Ok(Run {
        changes,
        admitted,
        metrics,
        config,
    })
}

/// Sends the trace's calls, each recorded when its latency has passed.
fn drive(cb: &CircuitBreaker, clock: &ManualClock, trace: &Trace) -> Vec<bool> {
    let mut admitted = vec![false; trace.calls.len()];
    // Calls in flight: (end, slot), and their permits in reusable slots.
    let mut ends: BinaryHeap<Reverse<(Duration, usize)>> = BinaryHeap::new();
    let mut slots: Vec<Option<(Permit<'_>, Outcome)>> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    let finish = |ends: &mut BinaryHeap<Reverse<(Duration, usize)>>,
                  slots: &mut Vec<Option<(Permit<'_>, Outcome)>>,
                  free: &mut Vec<usize>,
                  until: Duration| {
        while let Some(Reverse((end, slot))) = ends.peek().copied() {
            if end > until {
                break;
            }
            ends.pop();
            clock.set(end);
            if let Some((permit, outcome)) = slots[slot].take() {
                permit.record(outcome);
            }
            free.push(slot);
        }
    };
    for (i, call) in trace.calls.iter().enumerate() {
        finish(&mut ends, &mut slots, &mut free, call.at);
        clock.set(call.at.max(Clock::now(clock)));
        let Ok(permit) = cb.try_acquire() else {
            continue;
        };
        admitted[i] = true;
        let slot = free.pop().unwrap_or_else(|| {
            slots.push(None);
            slots.len() - 1
        });
        slots[slot] = Some((permit, call.outcome));
        ends.push(Reverse((call.at.saturating_add(call.latency), slot)));
    }
    finish(&mut ends, &mut slots, &mut free, Duration::MAX);
    admitted
}

/// Records every state change.
#[derive(Debug, Default)]
struct Changes(Mutex<Vec<Change>>);

impl EventListener for Changes {
    fn on_state_change(&self, _breaker: &str, change: &StateChange) {
        lock(&self.0).push(Change {
            at: change.at,
            from: change.from,
            to: change.to,
        });
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests;
