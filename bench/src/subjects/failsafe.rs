//! `failsafe` 1.3.0: a state machine behind one `parking_lot` mutex.

use std::time::Duration;

use failsafe::backoff::{self, EqualJittered};
use failsafe::failure_policy::{
    ConsecutiveFailures, OrElse, SuccessRateOverTimeWindow, consecutive_failures,
    success_rate_over_time_window,
};
use failsafe::{CircuitBreaker, Config, FailurePolicy, StateMachine};

use super::{Cycling, Id, OPEN_FOR, Role, Subject};
use crate::error::Error;

/// `failsafe::Config::new()`: success rate over 30 s (80 %, 5 calls
/// minimum) or 5 consecutive failures, jittered 10 s – 300 s backoff.
#[derive(Debug)]
pub(crate) struct Default;

/// `failsafe::failure_policy::consecutive_failures(5, …)` alone.
#[derive(Debug)]
pub(crate) struct Consecutive;

/// The backoff: the library's default, zero for state cycles, or long for
/// the open state. Only read when the breaker trips, never on the closed
/// path.
#[derive(Debug, Clone)]
pub(crate) enum Wait {
    Jittered(EqualJittered),
    Zero,
    Long,
}

impl Iterator for Wait {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        match self {
            Self::Jittered(b) => b.next(),
            Self::Zero => Some(Duration::ZERO),
            Self::Long => Some(OPEN_FOR),
        }
    }
}

fn default_wait() -> Wait {
    Wait::Jittered(backoff::equal_jittered(
        Duration::from_secs(10),
        Duration::from_secs(300),
    ))
}

type DefaultPolicy = OrElse<SuccessRateOverTimeWindow<Wait>, ConsecutiveFailures<Wait>>;

fn default_policy(wait: Wait) -> DefaultPolicy {
    // The values of `failsafe::Config::new()`, spelled out so the backoff
    // can be swapped.
    success_rate_over_time_window(0.8, 5, Duration::from_secs(30), wait.clone())
        .or_else(consecutive_failures(5, wait))
}

#[inline]
fn call<P: FailurePolicy>(breaker: &StateMachine<P, ()>, ok: bool) -> bool {
    !matches!(
        breaker.call(|| if ok { Ok(()) } else { Err(()) }),
        Err(failsafe::Error::Rejected)
    )
}

impl Subject for Default {
    type Breaker = StateMachine<DefaultPolicy, ()>;

    fn id(&self) -> Id {
        Id::new("failsafe 1.3.0", "default policy", Role::Peer)
    }

    fn closed(&self) -> Result<Self::Breaker, Error> {
        Ok(Config::new()
            .failure_policy(default_policy(default_wait()))
            .build())
    }

    fn for_open_state(&self) -> Result<Self::Breaker, Error> {
        Ok(Config::new()
            .failure_policy(default_policy(Wait::Long))
            .build())
    }

    #[inline]
    fn call(breaker: &mut Self::Breaker, ok: bool) -> bool {
        call(breaker, ok)
    }

    fn cycling(&self) -> Result<Option<Cycling<Self::Breaker>>, Error> {
        let breaker = Config::new()
            .failure_policy(default_policy(Wait::Zero))
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

impl Subject for Consecutive {
    type Breaker = StateMachine<ConsecutiveFailures<Wait>, ()>;

    fn id(&self) -> Id {
        Id::new("failsafe 1.3.0", "consecutive failures", Role::Peer)
    }

    fn closed(&self) -> Result<Self::Breaker, Error> {
        Ok(Config::new()
            .failure_policy(consecutive_failures(5, default_wait()))
            .build())
    }

    fn for_open_state(&self) -> Result<Self::Breaker, Error> {
        Ok(Config::new()
            .failure_policy(consecutive_failures(5, Wait::Long))
            .build())
    }

    #[inline]
    fn call(breaker: &mut Self::Breaker, ok: bool) -> bool {
        call(breaker, ok)
    }

    fn cycling(&self) -> Result<Option<Cycling<Self::Breaker>>, Error> {
        let breaker = Config::new()
            .failure_policy(consecutive_failures(5, Wait::Zero))
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
