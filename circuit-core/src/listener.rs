//! Event hooks: transitions, rejections, slow calls, resets, per-call outcomes.

use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::{Config, Outcome, Rejected, State, TripReason, WindowSnapshot};

/// Why the breaker changed state.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub enum TransitionReason {
    /// CLOSED → OPEN: a trigger fired.
    Tripped(TripReason),
    /// OPEN → HALF_OPEN: the open period passed and a caller arrived.
    OpenPeriodElapsed,
    /// HALF_OPEN → OPEN: a probe failed.
    ProbeFailed,
    /// HALF_OPEN → OPEN: a probe held its permit past
    /// `half_open_probe_timeout`; its slot was reclaimed as a timeout.
    ProbeTimedOut,
    /// HALF_OPEN → CLOSED: `max_requests` probes succeeded.
    ProbesSucceeded,
    /// `reset()`.
    Reset,
    /// `force_open()`.
    ForcedOpen,
    /// `force_closed()`.
    ForcedClosed,
    /// [`open_for`](crate::CircuitBreaker::open_for): something outside the
    /// breaker said the backend is down, e.g. a peer replica whose own
    /// breaker for it opened ("opened by peer …").
    External(Cow<'static, str>),
}

impl fmt::Display for TransitionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tripped(why) => write!(f, "tripped: {why}"),
            Self::OpenPeriodElapsed => f.write_str("open period elapsed"),
            Self::ProbeFailed => f.write_str("half-open probe failed"),
            Self::ProbeTimedOut => f.write_str("half-open probe timed out"),
            Self::ProbesSucceeded => f.write_str("half-open probes succeeded"),
            Self::Reset => f.write_str("manual reset"),
            Self::ForcedOpen => f.write_str("forced open"),
            Self::ForcedClosed => f.write_str("forced closed"),
            Self::External(why) => f.write_str(why),
        }
    }
}

/// One state change, with what caused it.
///
/// Events are delivered after the breaker has released its lock, on the
/// thread that caused them, so two threads may deliver their changes in
/// either order. [`epoch`](Self::epoch) gives the true order: sorted by it,
/// each change's `from` is the previous change's `to`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StateChange {
    /// The breaker's epoch after this change. Every change increases it by
    /// exactly one, so a listener can order changes and see a gap.
    pub epoch: u64,
    /// The state left.
    pub from: State,
    /// The state entered.
    pub to: State,
    /// Why.
    pub reason: TransitionReason,
    /// Breaker clock time of the change.
    #[serde(with = "crate::metrics::duration_nanos")]
    pub at: Duration,
    /// Wall-clock time of the change.
    #[serde(with = "crate::metrics::rfc3339")]
    pub wall_time: SystemTime,
    /// The window when it happened.
    pub window: WindowSnapshot,
    /// Lifetime failures so far.
    pub total_failures: u64,
    /// Lifetime success rate so far.
    pub success_rate: f64,
    /// For a change to OPEN: how long it will stay open.
    #[serde(with = "crate::metrics::option_duration_nanos")]
    pub open_for: Option<Duration>,
}

/// Receives breaker events. Every method has a no-op default; implement the
/// ones you need.
///
/// Methods are called on the thread that caused the event, never while the
/// breaker holds a lock, and must be quick (hand heavy work to a queue).
/// `on_call` runs on every call, so it must not block or allocate.
///
/// What a listener may assume:
/// * every state change is reported once, with its [`StateChange::epoch`];
///   two changes caused on different threads may arrive in either order,
///   so order them by epoch when the order matters;
/// * a listener may call back into the breaker (read its metrics, reset
///   it): no lock is held;
/// * a panicking listener does not stop the others: each is called, then
///   the first panic goes on (or, if the thread is already unwinding, it
///   is dropped, so a listener cannot abort the process).
pub trait EventListener: Send + Sync + fmt::Debug {
    /// The breaker changed state.
    fn on_state_change(&self, breaker: &str, change: &StateChange) {
        let _ = (breaker, change);
    }

    /// A call was rejected.
    fn on_rejected(&self, breaker: &str, rejected: &Rejected) {
        let _ = (breaker, rejected);
    }

    /// A call took longer than `slow_call_threshold`.
    fn on_slow_call(&self, breaker: &str, latency: Duration) {
        let _ = (breaker, latency);
    }

    /// `reset()` was called.
    fn on_reset(&self, breaker: &str) {
        let _ = breaker;
    }

    /// An admitted call finished with `outcome` after `latency`. Cancelled
    /// calls are reported with [`Outcome::Cancelled`].
    fn on_call(&self, breaker: &str, outcome: Outcome, latency: Duration) {
        let _ = (breaker, outcome, latency);
    }

    /// [`reconfigure`](crate::CircuitBreaker::reconfigure) replaced `old`
    /// with `new`. Called only when something changed.
    fn on_reconfigured(&self, breaker: &str, old: &Config, new: &Config) {
        let _ = (breaker, old, new);
    }

    /// Whether [`on_call`](Self::on_call) should hear of every call
    /// (default `true`). A listener that follows only state changes (a
    /// publisher of trips, an alerter) returns `false`, so that the call
    /// path skips it: a breaker none of whose listeners wants calls
    /// delivers no per-call event at all (slow calls are still reported).
    /// Asked once, when the breaker is built.
    fn wants_calls(&self) -> bool {
        true
    }
}

impl<L: EventListener + ?Sized> EventListener for std::sync::Arc<L> {
    fn on_state_change(&self, breaker: &str, change: &StateChange) {
        (**self).on_state_change(breaker, change);
    }
    fn on_rejected(&self, breaker: &str, rejected: &Rejected) {
        (**self).on_rejected(breaker, rejected);
    }
    fn on_slow_call(&self, breaker: &str, latency: Duration) {
        (**self).on_slow_call(breaker, latency);
    }
    fn on_reset(&self, breaker: &str) {
        (**self).on_reset(breaker);
    }
    fn on_call(&self, breaker: &str, outcome: Outcome, latency: Duration) {
        (**self).on_call(breaker, outcome, latency);
    }
    fn on_reconfigured(&self, breaker: &str, old: &Config, new: &Config) {
        (**self).on_reconfigured(breaker, old, new);
    }
    fn wants_calls(&self) -> bool {
        (**self).wants_calls()
    }
}

/// One entry of a breaker's transition history
/// ([`CircuitBreaker::transitions`](crate::CircuitBreaker::transitions)).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransitionRecord {
    /// Breaker clock time of the change.
    #[serde(with = "crate::metrics::duration_nanos")]
    pub at: Duration,
    /// Wall-clock time of the change.
    #[serde(with = "crate::metrics::rfc3339")]
    pub wall_time: SystemTime,
    /// The state left.
    pub from: State,
    /// The state entered.
    pub to: State,
    /// Why.
    pub reason: TransitionReason,
}
