//! Loom model checks of the concurrent parts. The breaker's atomics and
//! lock come through `circuit_core::sync`, which swaps in loom's under
//! `--cfg loom`, so this checks the real code:
//!
//! `RUSTFLAGS="--cfg loom" cargo test -p circuit-core --features test-util --test loom --release`
#![cfg(loom)]

use std::time::Duration;

use circuit_core::{CircuitBreaker, Config, ManualClock, State};
use loom::sync::Arc;
use loom::thread;

fn breaker(config: Config) -> (Arc<CircuitBreaker>, ManualClock) {
    let clock = ManualClock::new();
    let cb = CircuitBreaker::builder("loom")
        .config(config)
        .clock(clock.clone())
        .build()
        .unwrap();
    (Arc::new(cb), clock)
}

/// Trips the breaker and lets the open period pass.
fn open_and_wait(cb: &CircuitBreaker, clock: &ManualClock) {
    while cb.state() != State::Open {
        cb.try_acquire().unwrap().record_failure();
    }
    clock.advance(Duration::from_secs(3600));
}

#[test]
fn half_open_never_admits_more_than_max_requests() {
    loom::model(|| {
        let (cb, clock) = breaker(Config {
            max_failures: 1,
            max_requests: 1,
            ..Config::default()
        });
        open_and_wait(&cb, &clock);
        let other = {
            let cb = Arc::clone(&cb);
            thread::spawn(move || {
                let permit = cb.try_acquire().ok();
                let admitted = permit.is_some();
                std::mem::forget(permit);
                admitted
            })
        };
        let mine = cb.try_acquire().ok();
        let admitted = usize::from(mine.is_some()) + usize::from(other.join().unwrap());
        std::mem::forget(mine);
        assert_eq!(admitted, 1);
        assert_eq!(cb.state(), State::HalfOpen);
    });
}

#[test]
fn concurrent_counters_add_up() {
    loom::model(|| {
        let (cb, _clock) = breaker(Config {
            max_failures: 10,
            ..Config::default()
        });
        let other = {
            let cb = Arc::clone(&cb);
            thread::spawn(move || {
                cb.try_acquire().unwrap().record_success();
                cb.try_acquire().unwrap().record_failure();
            })
        };
        cb.try_acquire().unwrap().record_success();
        drop(cb.try_acquire().unwrap());
        other.join().unwrap();
        let m = cb.metrics();
        assert_eq!(
            (
                m.total_successes,
                m.total_failures,
                m.total_cancelled,
                m.total_requests
            ),
            (2, 1, 1, 4)
        );
    });
}

#[test]
fn no_lost_transition_when_failures_race() {
    loom::model(|| {
        let (cb, _clock) = breaker(Config {
            max_failures: 2,
            ..Config::default()
        });
        let other = {
            let cb = Arc::clone(&cb);
            thread::spawn(move || cb.try_acquire().unwrap().record_failure())
        };
        cb.try_acquire().unwrap().record_failure();
        other.join().unwrap();
        assert_eq!(cb.state(), State::Open);
        assert_eq!(cb.metrics().circuit_open_count, 1);
    });
}

#[test]
fn racing_probe_successes_close_exactly_once() {
    loom::model(|| {
        let (cb, clock) = breaker(Config {
            max_failures: 1,
            max_requests: 2,
            ..Config::default()
        });
        open_and_wait(&cb, &clock);
        let first = cb.try_acquire().unwrap();
        let other = {
            let cb = Arc::clone(&cb);
            thread::spawn(move || cb.try_acquire().unwrap().record_success())
        };
        first.record_success();
        other.join().unwrap();
        assert_eq!(cb.state(), State::Closed);
        let closings = cb
            .transitions()
            .iter()
            .filter(|t| t.to == State::Closed)
            .count();
        assert_eq!(closings, 1);
    });
}

#[test]
fn rejection_in_open_races_with_the_half_open_transition() {
    loom::model(|| {
        let (cb, clock) = breaker(Config {
            max_failures: 1,
            max_requests: 1,
            ..Config::default()
        });
        open_and_wait(&cb, &clock);
        let other = {
            let cb = Arc::clone(&cb);
            thread::spawn(move || cb.try_acquire().map(|p| p.record_failure()).is_ok())
        };
        let mine = cb.try_acquire().map(|p| p.record_failure()).is_ok();
        let theirs = other.join().unwrap();
        // Exactly one caller becomes the probe; its failure reopens.
        assert!(mine ^ theirs);
        assert_eq!(cb.state(), State::Open);
        assert_eq!(cb.metrics().recovery_attempts, 1);
    });
}
