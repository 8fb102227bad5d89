//! The breakers under test, behind one small interface so that every
//! scenario runs the same code against each of them.
//!
//! Each subject drives its library through the library's own documented
//! call API (a closure, a permit, or an async service), with a backend that
//! answers at once, so what is timed is the breaker and nothing else.

mod circuitbreaker_rs;
mod failsafe;
mod ours;
mod ours_chain;
mod recloser;
mod seatbelt;
mod tower;

use serde::Serialize;

use crate::error::Error;

pub(crate) use ours::{Ours, OursHandedIn};
pub(crate) use ours_chain::OursChain;

/// The open period of the breakers measured in the open state.
pub(crate) const OPEN_FOR: std::time::Duration = std::time::Duration::from_secs(300);

/// Which library and configuration a row is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Id {
    /// Crate name and version, e.g. `recloser 1.4.0`.
    pub(crate) library: &'static str,
    /// The configuration, e.g. `default`.
    pub(crate) variant: &'static str,
    pub(crate) role: Role,
}

/// Whose row it is: verdicts compare ours with the best peer and leave
/// baselines out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Role {
    Ours,
    Peer,
    Baseline,
}

impl Id {
    pub(crate) const fn new(library: &'static str, variant: &'static str, role: Role) -> Self {
        Self {
            library,
            variant,
            role,
        }
    }

    pub(crate) fn label(&self) -> String {
        format!("{} ({})", self.library, self.variant)
    }
}

/// A breaker set up for full state cycles: it trips after `failures`
/// consecutive failures, its open period is zero, and `successes` probe
/// successes close it again.
#[derive(Debug)]
pub(crate) struct Cycling<B> {
    pub(crate) breaker: B,
    pub(crate) failures: u32,
    pub(crate) successes: u32,
}

/// One library in one configuration.
pub(crate) trait Subject {
    /// A handle on one breaker; clones share the breaker (one per thread).
    type Breaker: Clone + Send + 'static;

    fn id(&self) -> Id;

    /// A closed breaker in this subject's configuration.
    fn closed(&self) -> Result<Self::Breaker, Error>;

    /// One call through the breaker to a backend that succeeds (`ok`) or
    /// fails. Returns whether the breaker let the call through.
    fn call(breaker: &mut Self::Breaker, ok: bool) -> bool;

    /// This configuration, except that once failures trip it, it stays
    /// open for [`OPEN_FOR`]: the open-state rows take turns for longer
    /// than most default open periods.
    fn for_open_state(&self) -> Result<Self::Breaker, Error>;

    /// A breaker for closed → open → half-open → closed cycles, if this
    /// configuration has an equivalent.
    fn cycling(&self) -> Result<Option<Cycling<Self::Breaker>>, Error>;

    /// A breaker named `name` (libraries without names ignore it), for
    /// memory per breaker.
    fn named(&self, name: &str) -> Result<Self::Breaker, Error>;

    /// Whether this variant differs from another row only in how calls
    /// are made, so that its cycles and memory would repeat that row.
    fn call_variant_only(&self) -> bool {
        false
    }
}

/// Something that runs for every subject in turn.
pub(crate) trait Visit {
    fn visit<S: Subject>(&mut self, subject: &S);
}

/// Every subject, ours first.
pub(crate) fn visit_all(v: &mut impl Visit) {
    v.visit(&Ours::PLAIN);
    v.visit(&Ours::WITH_LATENCY);
    v.visit(&OursHandedIn);
    v.visit(&OursChain);
    v.visit(&failsafe::Default);
    v.visit(&failsafe::Consecutive);
    v.visit(&recloser::Default);
    v.visit(&tower::Count);
    v.visit(&tower::Time);
    v.visit(&circuitbreaker_rs::Default);
    v.visit(&seatbelt::Default);
}

/// The error of a failed call, for peers that want one type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Fail {
    /// The backend failed.
    #[error("backend failed")]
    Backend,
    /// The breaker refused the call (for peers that ask the caller to
    /// build the rejection).
    #[error("rejected by the breaker")]
    Rejected,
}

/// The backend of the async peers: answers at once.
pub(crate) fn backend(ok: bool) -> std::future::Ready<Result<(), Fail>> {
    std::future::ready(if ok { Ok(()) } else { Err(Fail::Backend) })
}

/// Type of [`backend`] as a function pointer, so services can be named.
pub(crate) type Backend = fn(bool) -> std::future::Ready<Result<(), Fail>>;

#[cfg(test)]
mod tests;
