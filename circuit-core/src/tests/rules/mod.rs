//! The rules one by one, on a manual clock (no sleeps).

mod chain;
mod closed;
mod control;
mod events;
mod half_open;
mod hardening;
mod judged;
mod ramp;
mod reconfigure;

pub(super) use std::sync::{Arc, Mutex};
pub(super) use std::time::Duration;

pub(super) use crate::*;

pub(super) const SEC: Duration = Duration::from_secs(1);

pub(super) fn breaker(config: Config) -> (CircuitBreaker, ManualClock) {
    let clock = ManualClock::new();
    let cb = CircuitBreaker::builder("test")
        .config(config)
        .clock(clock.clone())
        .build()
        .unwrap();
    (cb, clock)
}

pub(super) fn fail(cb: &CircuitBreaker, n: usize) {
    for _ in 0..n {
        cb.try_acquire().unwrap().record_failure();
    }
}

pub(super) fn succeed(cb: &CircuitBreaker, n: usize) {
    for _ in 0..n {
        cb.try_acquire().unwrap().record_success();
    }
}

/// Trips a fresh or half-open breaker and waits out the open period.
pub(super) fn trip_and_wait(cb: &CircuitBreaker, clock: &ManualClock) -> Duration {
    while cb.state() != State::Open {
        fail(cb, 1);
    }
    let wait = cb.metrics().retry_after.unwrap();
    clock.advance(wait);
    wait
}
