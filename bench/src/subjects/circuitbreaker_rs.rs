//! `circuitbreaker-rs` 0.1.1: atomic state and counters, `parking_lot`
//! mutexes around timestamps.

use std::time::Duration;

use circuitbreaker_rs::{BreakerError, CircuitBreaker, DefaultPolicy};

use super::{Cycling, Fail, Id, OPEN_FOR, Role, Subject};
use crate::error::Error;

/// `CircuitBreaker::builder().build()`: 50 % after 10 calls or 5
/// consecutive failures, 30 s cooldown.
#[derive(Debug)]
pub(crate) struct Default;

type Breaker = CircuitBreaker<DefaultPolicy, Fail>;

impl Subject for Default {
    type Breaker = Breaker;

    fn id(&self) -> Id {
        Id::new("circuitbreaker-rs 0.1.1", "default", Role::Peer)
    }

    fn closed(&self) -> Result<Self::Breaker, Error> {
        Ok(Breaker::builder().build())
    }

    fn for_open_state(&self) -> Result<Self::Breaker, Error> {
        Ok(Breaker::builder().cooldown(OPEN_FOR).build())
    }

    #[inline]
    fn call(breaker: &mut Self::Breaker, ok: bool) -> bool {
        !matches!(
            breaker.call(|| if ok { Ok(()) } else { Err(Fail::Backend) }),
            Err(BreakerError::Open)
        )
    }

    fn cycling(&self) -> Result<Option<Cycling<Self::Breaker>>, Error> {
        let breaker = Breaker::builder()
            .consecutive_failures(5)
            .consecutive_successes(1)
            .cooldown(Duration::ZERO)
            .build();
        Ok(Some(Cycling {
            breaker,
            failures: 5,
            successes: 1,
        }))
    }

    fn named(&self, _name: &str) -> Result<Self::Breaker, Error> {
        self.closed()
    }
}
