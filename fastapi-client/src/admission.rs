//! Asking the breakers: the client's one breaker, or, with
//! [`endpoint_circuit`](crate::ClientConfig::endpoint_circuit), a
//! [`Chain`] of the host breaker and the operation's own.
//!
//! With a chain, outcomes are recorded per level: trouble on the way
//! (refused, cut, timed out, a failed health check) counts against both
//! the host and the endpoint; an answer the endpoint got wrong (a 5xx,
//! 429, 408 or 3xx, a body that does not decode or is too large) counts
//! against the endpoint only, the host having answered.

use std::sync::Arc;
use std::time::Duration;

use circuit_core::{Chain, ChainPermit, CircuitBreaker, Outcome, Permit, State};

use crate::ClientError;
use crate::client::Inner;
use crate::operation::Operation;

/// The per-endpoint breakers, by [`Operation`] order, each chained under
/// the host breaker.
#[derive(Debug)]
pub(crate) struct Endpoints {
    pub(crate) breakers: [Arc<CircuitBreaker>; 3],
    chains: [Chain<Arc<CircuitBreaker>>; 3],
}

impl Endpoints {
    pub(crate) fn new(host: &Arc<CircuitBreaker>, breakers: [Arc<CircuitBreaker>; 3]) -> Self {
        let chains = breakers
            .each_ref()
            .map(|endpoint| Chain::new([Arc::clone(host), Arc::clone(endpoint)]));
        Self { breakers, chains }
    }
}

/// A call the breakers let through.
#[derive(Debug)]
pub(crate) enum Admitted<'a> {
    One(Permit<'a>),
    Chained(ChainPermit<'a>),
}

/// A call the breakers refused: the refusing breaker's state and when it
/// may let one through.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Refused {
    pub(crate) state: State,
    pub(crate) retry_after: Duration,
}

/// Where a failed call's outcome counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    /// The host and the endpoint.
    Both,
    /// The endpoint only: the host answered.
    Endpoint,
}

impl Inner {
    /// Asks the breakers to admit a call to `operation`.
    pub(crate) fn admit(&self, operation: Operation) -> Result<Admitted<'_>, Refused> {
        match &self.endpoints {
            None => self
                .breaker
                .try_acquire()
                .map(Admitted::One)
                .map_err(|r| Refused {
                    state: r.state(),
                    retry_after: r.retry_after(),
                }),
            Some(endpoints) => endpoints.chains[operation as usize]
                .try_acquire()
                .map(Admitted::Chained)
                .map_err(|r| Refused {
                    state: r.rejected().state(),
                    retry_after: r.retry_after(),
                }),
        }
    }

    /// The state sent as `X-Circuit-State`, read after admission: the
    /// host's, or half-open if the endpoint's breaker is probing.
    pub(crate) fn guard_state(&self, operation: Operation) -> State {
        let host = self.breaker.state();
        match &self.endpoints {
            Some(endpoints)
                if endpoints.breakers[operation as usize].state() == State::HalfOpen =>
            {
                State::HalfOpen
            }
            _ => host,
        }
    }
}

impl Admitted<'_> {
    /// Whether any breaker admitted the call as a half-open probe.
    pub(crate) fn is_probe(&self) -> bool {
        match self {
            Self::One(permit) => permit.is_probe(),
            Self::Chained(permit) => permit.is_probe(),
        }
    }

    /// The call's latency as the client measured it, for every breaker.
    pub(crate) fn set_latency(&mut self, latency: Duration) {
        match self {
            Self::One(permit) => permit.set_latency(latency),
            Self::Chained(permit) => permit.set_latency(latency),
        }
    }

    /// The call ended well, or in the caller's own 4xx (`Ignored`).
    pub(crate) fn record(self, outcome: Outcome) {
        match self {
            Self::One(permit) => permit.record(outcome),
            Self::Chained(permit) => permit.record(outcome),
        }
    }

    /// The call failed with `error`: its outcome, where it counts, and its
    /// `Retry-After` hint (which belongs to the breaker the answer counts
    /// against: the endpoint's when chained).
    pub(crate) fn record_error(self, outcome: Outcome, error: &ClientError) {
        let hint = error.retry_after();
        match self {
            Self::One(mut permit) => {
                if let Some(hint) = hint {
                    permit.set_retry_after(hint);
                }
                permit.record(outcome);
            }
            Self::Chained(mut permit) => {
                if let (Some(hint), Some(endpoint)) = (hint, permit.link_mut(1)) {
                    endpoint.set_retry_after(hint);
                }
                let host = match level(error) {
                    _ if outcome == Outcome::Ignored => Outcome::Ignored,
                    Level::Both => outcome,
                    Level::Endpoint => Outcome::Success,
                };
                permit.record_each([host, outcome]);
            }
        }
    }
}

/// Whether a failure says anything about the host, or only about the
/// endpoint that answered.
fn level(error: &ClientError) -> Level {
    match error {
        ClientError::Api { .. }
        | ClientError::Decode { .. }
        | ClientError::ResponseTooLarge { .. } => Level::Endpoint,
        _ => Level::Both,
    }
}
