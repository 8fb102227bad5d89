//! What a guard asks before the call: one breaker or a chain of them.

use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use circuit_core::{
    Chain, ChainPermit, ChainRejected, CircuitBreaker, Outcome, OwnedPermit, Permit, Rejected,
};

/// Admits a call or rejects it: a [`CircuitBreaker`] (borrowed, owned or
/// in an `Arc`) or a [`Chain`] of them.
///
/// Implement it for your own admission (a rate limiter in front of a
/// breaker, say) if the built-in ones do not fit.
pub trait Gate {
    /// What an admitted call holds until its outcome is known.
    type Permit<'a>: Record
    where
        Self: 'a;

    /// Admits a call, or says why not.
    ///
    /// # Errors
    /// The [`Rejection`] of the breaker (or chain link) that said no.
    fn admit(&self) -> Result<Self::Permit<'_>, Rejection>;
}

/// Hands a finished call's outcome back to what admitted it.
pub trait Record {
    /// Records `outcome` (dropping a permit unrecorded counts as cancelled).
    fn record(self, outcome: Outcome);
}

/// A rejected call: the breaker's [`Rejected`] and, for a [`Chain`], which
/// link said no.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejection {
    rejected: Rejected,
    link: Option<usize>,
}

impl Rejection {
    /// The breaker's rejection (state, reason, retry-after).
    pub const fn rejected(&self) -> Rejected {
        self.rejected
    }

    /// The index of the chain link that rejected the call; `None` for a
    /// single breaker.
    pub const fn link(&self) -> Option<usize> {
        self.link
    }

    /// How long until the breaker may let a call through.
    pub const fn retry_after(&self) -> Duration {
        self.rejected.retry_after()
    }
}

impl From<Rejected> for Rejection {
    fn from(rejected: Rejected) -> Self {
        Self {
            rejected,
            link: None,
        }
    }
}

impl From<ChainRejected> for Rejection {
    fn from(rejected: ChainRejected) -> Self {
        Self {
            rejected: rejected.rejected(),
            link: Some(rejected.link()),
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.link {
            Some(link) => write!(f, "link {link} of the chain: {}", self.rejected),
            None => self.rejected.fmt(f),
        }
    }
}

impl std::error::Error for Rejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.rejected)
    }
}

impl Gate for CircuitBreaker {
    type Permit<'a> = Permit<'a>;

    fn admit(&self) -> Result<Permit<'_>, Rejection> {
        self.try_acquire().map_err(Rejection::from)
    }
}

impl<B: Borrow<CircuitBreaker>> Gate for Chain<B> {
    type Permit<'a>
        = ChainPermit<'a>
    where
        B: 'a;

    fn admit(&self) -> Result<ChainPermit<'_>, Rejection> {
        self.try_acquire().map_err(Rejection::from)
    }
}

impl<G: Gate + ?Sized> Gate for Arc<G> {
    type Permit<'a>
        = G::Permit<'a>
    where
        G: 'a;

    fn admit(&self) -> Result<G::Permit<'_>, Rejection> {
        (**self).admit()
    }
}

impl<G: Gate + ?Sized> Gate for &G {
    type Permit<'a>
        = G::Permit<'a>
    where
        Self: 'a;

    fn admit(&self) -> Result<G::Permit<'_>, Rejection> {
        (**self).admit()
    }
}

impl Record for Permit<'_> {
    fn record(self, outcome: Outcome) {
        Permit::record(self, outcome);
    }
}

impl Record for OwnedPermit {
    fn record(self, outcome: Outcome) {
        OwnedPermit::record(self, outcome);
    }
}

impl Record for ChainPermit<'_> {
    fn record(self, outcome: Outcome) {
        ChainPermit::record(self, outcome);
    }
}
