//! Loom model checks of the concurrent parts. The breaker's atomics and
//! lock come through `circuit_core::sync`, which swaps in loom's under
//! `--cfg loom`, so this checks the real code:
//!
//! `RUSTFLAGS="--cfg loom" cargo test -p circuit-core --features test-util --test loom --release`
#![cfg(loom)]

use std::time::Duration;

use circuit_core::{CircuitBreaker, Config, ManualClock, Registry, State};
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

/// A success whose permit was admitted before a trip must not end the
/// failure run of the epoch after it: with `max_failures: 2`, an OPEN
/// breaker always shows the two failures that opened it.
#[test]
fn an_older_success_never_ends_a_newer_failure_run() {
    loom::model(|| {
        let (cb, _clock) = breaker(Config {
            max_failures: 2,
            ..Config::default()
        });
        let early = cb.try_acquire().unwrap();
        let other = {
            let cb = Arc::clone(&cb);
            thread::spawn(move || {
                cb.try_acquire().unwrap().record_failure();
                cb.try_acquire().unwrap().record_failure();
            })
        };
        early.record_success();
        other.join().unwrap();
        let m = cb.metrics();
        if m.state == State::Open {
            assert_eq!(m.consecutive_failures, 2);
        }
        assert_eq!(m.total_successes, 1);
    });
}

/// A success whose permit was admitted before a reset must not count in
/// the fresh window, whichever way the two interleave.
#[test]
fn an_older_success_never_counts_in_a_newer_window() {
    loom::model(|| {
        let (cb, _clock) = breaker(Config::default());
        let early = cb.try_acquire().unwrap();
        let other = {
            let cb = Arc::clone(&cb);
            thread::spawn(move || cb.reset())
        };
        early.record_success();
        other.join().unwrap();
        let m = cb.metrics();
        assert_eq!(m.window.calls, 0);
        assert_eq!(m.total_successes, 1);
    });
}

/// Rule 1 under a race: a success and a failure that together reach
/// `min_requests` at the threshold trip the breaker in either order,
/// whichever of them is judged last.
#[test]
fn a_success_racing_a_failure_is_judged() {
    loom::model(|| {
        let (cb, _clock) = breaker(Config {
            max_failures: 100,
            min_requests: 2,
            failure_threshold: 0.5,
            ..Config::default()
        });
        let other = {
            let cb = Arc::clone(&cb);
            thread::spawn(move || cb.try_acquire().unwrap().record_success())
        };
        cb.try_acquire().unwrap().record_failure();
        other.join().unwrap();
        assert_eq!(cb.state(), State::Open);
        assert_eq!(cb.metrics().circuit_open_count, 1);
    });
}

/// `reconfigure` racing failures and a trip: the config is never torn and
/// the trip happens exactly once.
#[test]
fn reconfigure_races_a_trip() {
    loom::model(|| {
        let (cb, _clock) = breaker(Config {
            max_failures: 2,
            min_requests: 2,
            ..Config::default()
        });
        let other = {
            let cb = Arc::clone(&cb);
            thread::spawn(move || {
                cb.reconfigure(Config {
                    max_failures: 1,
                    min_requests: 1,
                    monitor_window: Duration::from_secs(30),
                    ..Config::default()
                })
                .unwrap();
            })
        };
        cb.try_acquire().unwrap().record_failure();
        let config = cb.config();
        assert_eq!(config.max_failures, config.min_requests, "torn config");
        if let Ok(permit) = cb.try_acquire() {
            permit.record_failure();
        }
        other.join().unwrap();
        assert_eq!(cb.state(), State::Open);
        assert_eq!(cb.metrics().circuit_open_count, 1);
        assert_eq!(cb.transitions().len(), 1);
    });
}

/// State changes caused on two threads may be delivered in either order,
/// but ordered by epoch each one starts where the previous one ended.
#[test]
fn state_changes_ordered_by_epoch_chain_up() {
    use circuit_core::{EventListener, StateChange};

    #[derive(Debug, Default)]
    struct Changes(std::sync::Mutex<Vec<(u64, State, State)>>);
    impl EventListener for Changes {
        fn on_state_change(&self, _: &str, change: &StateChange) {
            self.0
                .lock()
                .unwrap()
                .push((change.epoch, change.from, change.to));
        }
    }

    loom::model(|| {
        let changes = std::sync::Arc::new(Changes::default());
        let cb = Arc::new(
            CircuitBreaker::builder("loom")
                .config(Config {
                    max_failures: 1,
                    ..Config::default()
                })
                .clock(ManualClock::new())
                .listener(std::sync::Arc::clone(&changes))
                .build()
                .unwrap(),
        );
        let other = {
            let cb = Arc::clone(&cb);
            thread::spawn(move || cb.force_closed())
        };
        if let Ok(permit) = cb.try_acquire() {
            permit.record_failure();
        }
        other.join().unwrap();
        let mut seen = changes.0.lock().unwrap().clone();
        seen.sort_by_key(|c| c.0);
        assert_eq!(seen.first().map(|c| c.1), Some(State::Closed));
        for pair in seen.windows(2) {
            assert_eq!(pair[0].0 + 1, pair[1].0, "no gap");
            assert_eq!(pair[0].2, pair[1].1, "from = previous to");
        }
    });
}

/// Two threads asking a sharded registry for the same new key get one
/// breaker between them, and the registry counts it once; a lookup racing
/// them finds nothing or that very breaker.
#[test]
fn racing_registry_gets_create_one_breaker() {
    loom::model(|| {
        let hosts: Arc<Registry<String>> = Arc::new(
            Registry::builder()
                .clock(ManualClock::new())
                .max_breakers(64)
                .build()
                .unwrap(),
        );
        let other = {
            let hosts = Arc::clone(&hosts);
            thread::spawn(move || hosts.get("a"))
        };
        let seen = hosts.lookup("a");
        let mine = hosts.get("a");
        let theirs = other.join().unwrap();
        assert!(std::sync::Arc::ptr_eq(&mine, &theirs));
        assert!(seen.is_none_or(|seen| std::sync::Arc::ptr_eq(&seen, &mine)));
        assert_eq!(hosts.len(), 1);
    });
}
