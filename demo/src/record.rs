//! What happened during a run, as it happened: every call the planners
//! made, every breaker transition, and periodic breaker samples. The live
//! view, the report and the chart are all computed from this.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use circuit_core::{AdaptivePolicy, Baseline, EventListener, State, StateChange};
use fastapi_client::ClientError;
use serde::{Deserialize, Serialize};

use crate::scenario::Phase;

/// The breakers of a run, by index: one per endpoint, so a failing
/// optimiser cannot cut off matching and the other way round.
pub(crate) const BREAKERS: [&str; 2] = ["kol-match", "kol-budget"];

/// What a caller got back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Answer {
    /// A live answer from the backend.
    Live,
    /// The cached last-good answer to the same request.
    Cache,
    /// An empty match list (nothing cached for that request).
    Empty,
    /// The conservative budget allocation.
    Conservative,
    /// An error, after waiting for the backend.
    Failed(Failure),
}

/// Why a call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Failure {
    /// No answer within the request timeout.
    Timeout,
    /// Connection refused.
    Refused,
    /// The connection broke mid-exchange.
    Cut,
    /// 5xx or 429 from the backend.
    ServerError,
    /// Refused by the open breaker with no fallback to answer.
    Rejected,
    /// Anything else (4xx, undecodable body, ...).
    Other,
}

impl Answer {
    /// Whether the request went to the backend (fallbacks and rejections
    /// are answered without sending anything).
    pub(crate) const fn was_sent(self) -> bool {
        !matches!(
            self,
            Self::Cache | Self::Empty | Self::Conservative | Self::Failed(Failure::Rejected)
        )
    }

    /// Whether a fallback answered.
    pub(crate) const fn is_fallback(self) -> bool {
        matches!(self, Self::Cache | Self::Empty | Self::Conservative)
    }

    /// A short label.
    pub(crate) const fn label(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Cache => "cache",
            Self::Empty => "empty",
            Self::Conservative => "conservative",
            Self::Failed(f) => f.label(),
        }
    }

    /// Classifies an error.
    pub(crate) fn of_error(error: &ClientError) -> Self {
        Self::Failed(match error {
            ClientError::Timeout { .. } => Failure::Timeout,
            ClientError::Connect { .. } => Failure::Refused,
            ClientError::Transport { .. } => Failure::Cut,
            ClientError::CircuitOpen { .. } | ClientError::ProbeUnhealthy { .. } => {
                Failure::Rejected
            }
            ClientError::Api { status, .. } if *status >= 500 || *status == 429 => {
                Failure::ServerError
            }
            _ => Failure::Other,
        })
    }
}

impl Failure {
    /// A short label.
    pub(crate) const fn label(self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::Refused => "connection refused",
            Self::Cut => "connection cut",
            Self::ServerError => "server error",
            Self::Rejected => "rejected",
            Self::Other => "other error",
        }
    }
}

/// One call a planner made.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Call {
    /// Seconds since the run began.
    pub(crate) started_s: f64,
    pub(crate) latency: Duration,
    /// Index into [`BREAKERS`].
    pub(crate) breaker: usize,
    pub(crate) answer: Answer,
    /// The scripted phase when it started.
    pub(crate) phase: Phase,
}

impl Call {
    pub(crate) fn ended_s(&self) -> f64 {
        self.started_s + self.latency.as_secs_f64()
    }
}

/// One breaker state change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    /// Seconds since the run began.
    pub at_s: f64,
    /// The breaker.
    pub breaker: String,
    /// The state left.
    pub from: State,
    /// The state entered.
    pub to: State,
    /// Why, as the breaker put it.
    pub reason: String,
    /// For a change to OPEN: how long it stays open, in milliseconds.
    pub open_for_ms: Option<f64>,
}

/// A breaker's numbers at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BreakerSample {
    pub(crate) at_s: f64,
    pub(crate) breaker: usize,
    pub(crate) state: State,
    pub(crate) success_rate: f64,
    pub(crate) window_failure_rate: f64,
    pub(crate) backoff: Duration,
}

/// The record of a run; shared by the planners, the breakers' listeners
/// and the view.
#[derive(Debug)]
pub(crate) struct Recorder {
    start: Instant,
    inner: Mutex<Log>,
    /// With `--policy adaptive`, each breaker's policy, by index.
    policies: Mutex<Vec<(usize, std::sync::Arc<AdaptivePolicy>)>>,
}

/// Everything recorded, in arrival order.
#[derive(Debug, Default, Clone)]
pub(crate) struct Log {
    pub(crate) calls: Vec<Call>,
    pub(crate) transitions: Vec<Transition>,
    pub(crate) samples: Vec<BreakerSample>,
    /// Per breaker, what its adaptive policy had learned when the log was
    /// copied (`--policy adaptive`).
    pub(crate) learned: [Option<Baseline>; 2],
    /// Per breaker, fallback kinds already logged since it last closed.
    announced: [Vec<Answer>; 2],
}

impl Recorder {
    /// Starts the clock of the run.
    pub(crate) fn new() -> Self {
        Self {
            start: Instant::now(),
            inner: Mutex::new(Log::default()),
            policies: Mutex::new(Vec::new()),
        }
    }

    /// Remembers breaker `index`'s adaptive policy, to report what it
    /// learned.
    pub(crate) fn learning(&self, index: usize, policy: std::sync::Arc<AdaptivePolicy>) {
        self.policies
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((index, policy));
    }

    /// Time since the run began.
    pub(crate) fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// Seconds since the run began, for records.
    pub(crate) fn now_s(&self) -> f64 {
        self.elapsed().as_secs_f64()
    }

    pub(crate) fn call(&self, call: Call) {
        let first_of_kind = {
            let mut log = self.lock();
            log.calls.push(call);
            let announced = &mut log.announced[call.breaker];
            let first = call.answer.is_fallback() && !announced.contains(&call.answer);
            if first {
                announced.push(call.answer);
            }
            first
        };
        if first_of_kind {
            tracing::info!(
                breaker = BREAKERS[call.breaker],
                fallback = call.answer.label(),
                at_s = call.started_s,
                "Breaker open: serving fallback answers"
            );
        }
    }

    pub(crate) fn sample(&self, sample: BreakerSample) {
        self.lock().samples.push(sample);
    }

    fn transition(&self, transition: Transition) {
        let mut log = self.lock();
        if transition.to == State::Closed {
            if let Some(index) = BREAKERS.iter().position(|b| *b == transition.breaker) {
                log.announced[index].clear();
            }
        }
        log.transitions.push(transition);
    }

    /// A copy of everything so far.
    pub(crate) fn log(&self) -> Log {
        let mut log = self.lock().clone();
        let policies = self.policies.lock().unwrap_or_else(PoisonError::into_inner);
        for (index, policy) in policies.iter() {
            if let Some(slot) = log.learned.get_mut(*index) {
                *slot = Some(policy.baseline());
            }
        }
        log
    }

    /// Reads the log in place (the view's tick: no copy).
    pub(crate) fn with_log<T>(&self, read: impl FnOnce(&Log) -> T) -> T {
        read(&self.lock())
    }

    fn lock(&self) -> MutexGuard<'_, Log> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Records each breaker's transitions into the run's [`Recorder`].
#[derive(Debug)]
pub(crate) struct TransitionRecorder(pub(crate) std::sync::Arc<Recorder>);

impl EventListener for TransitionRecorder {
    fn on_state_change(&self, breaker: &str, change: &StateChange) {
        self.0.transition(Transition {
            at_s: self.0.now_s(),
            breaker: breaker.to_owned(),
            from: change.from,
            to: change.to,
            reason: change.reason.to_string(),
            open_for_ms: change.open_for.map(|d| d.as_secs_f64() * 1000.0),
        });
    }
}
