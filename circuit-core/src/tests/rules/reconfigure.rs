//! Live reconfiguration: what changes when, and what is always kept.

use super::*;

/// Records every reconfiguration it is told about.
#[derive(Debug, Default)]
struct Reconfigurations(Mutex<Vec<(Config, Config)>>);

impl EventListener for Reconfigurations {
    fn on_reconfigured(&self, _: &str, old: &Config, new: &Config) {
        self.0.lock().unwrap().push((old.clone(), new.clone()));
    }
}

fn watched(config: Config) -> (CircuitBreaker, ManualClock, Arc<Reconfigurations>) {
    let clock = ManualClock::new();
    let seen = Arc::new(Reconfigurations::default());
    let cb = CircuitBreaker::builder("retuned")
        .config(config)
        .clock(clock.clone())
        .listener(Arc::clone(&seen))
        .build()
        .unwrap();
    (cb, clock, seen)
}

#[test]
fn a_lowered_failure_threshold_applies_from_the_next_outcome() {
    let (cb, _) = breaker(Config {
        max_failures: 100,
        min_requests: 4,
        failure_threshold: 0.9,
        ..Config::default()
    });
    fail(&cb, 2);
    succeed(&cb, 2);
    assert_eq!(cb.state(), State::Closed, "50 % < 90 %");
    cb.reconfigure(Config {
        failure_threshold: 0.3,
        ..(*cb.config()).clone()
    })
    .unwrap();
    // Nothing trips by itself...
    assert_eq!(cb.state(), State::Closed);
    // ...the next outcome, even a success, is judged: 2 / 5 >= 30 %.
    succeed(&cb, 1);
    assert_eq!(cb.state(), State::Open);
}

#[test]
fn a_lowered_max_failures_applies_from_the_next_failure() {
    let (cb, _) = breaker(Config {
        max_failures: 5,
        ..Config::default()
    });
    fail(&cb, 3);
    cb.reconfigure(Config {
        max_failures: 2,
        ..Config::default()
    })
    .unwrap();
    assert_eq!(cb.state(), State::Closed);
    fail(&cb, 1);
    assert_eq!(cb.state(), State::Open);
    assert!(matches!(
        cb.transitions()[0].reason,
        TransitionReason::Tripped(TripReason::ConsecutiveFailures {
            count: 4,
            threshold: 2
        })
    ));
}

#[test]
fn a_running_open_period_keeps_its_end_and_new_timing_applies_from_the_next_trip() {
    let (cb, clock) = breaker(Config {
        max_failures: 1,
        ..Config::default()
    });
    fail(&cb, 1);
    clock.advance(10 * SEC);
    cb.reconfigure(Config {
        max_failures: 1,
        recovery_timeout: Duration::from_secs(5),
        base_backoff: Duration::from_secs(7),
        max_backoff: Duration::from_secs(7),
        ..Config::default()
    })
    .unwrap();
    // Still 20 s of the 30 s period.
    assert_eq!(cb.metrics().retry_after, Some(20 * SEC));
    clock.advance(20 * SEC);
    // The probe fails: the second trip uses the new timing, 5 s + 7 s.
    cb.try_acquire().unwrap().record_failure();
    assert_eq!(cb.metrics().retry_after, Some(12 * SEC));
    assert_eq!(
        cb.metrics().consecutive_trips,
        2,
        "the backoff step is kept"
    );
}

#[test]
fn a_changed_window_starts_fresh_and_other_changes_keep_it() {
    let (cb, _, seen) = watched(Config {
        max_failures: 100,
        ..Config::default()
    });
    fail(&cb, 3);
    succeed(&cb, 2);
    cb.reconfigure(Config {
        max_failures: 50,
        ..Config::default()
    })
    .unwrap();
    assert_eq!(
        cb.metrics().window.calls,
        5,
        "other changes keep the window"
    );
    cb.reconfigure(Config {
        max_failures: 50,
        monitor_window: Duration::from_secs(30),
        ..Config::default()
    })
    .unwrap();
    let m = cb.metrics();
    assert_eq!(m.window, WindowMetrics::default(), "a new window is fresh");
    assert_eq!((m.total_failures, m.total_successes), (3, 2), "totals kept");
    let seen = seen.0.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].0.monitor_window, Duration::from_secs(60));
    assert_eq!(seen[1].1.monitor_window, Duration::from_secs(30));
}

#[test]
fn lowering_max_requests_in_half_open_keeps_admitted_probes() {
    let (cb, clock) = breaker(Config {
        max_failures: 1,
        max_requests: 3,
        ..Config::default()
    });
    trip_and_wait(&cb, &clock);
    let probes: Vec<_> = (0..3).map(|_| cb.try_acquire().unwrap()).collect();
    cb.reconfigure(Config {
        max_failures: 1,
        max_requests: 1,
        ..Config::default()
    })
    .unwrap();
    assert_eq!(
        cb.try_acquire().unwrap_err().reason(),
        RejectReason::HalfOpenFull
    );
    // The probes already admitted keep their permits; one success is now
    // enough to close.
    let mut probes = probes.into_iter();
    probes.next().unwrap().record_success();
    assert_eq!(cb.state(), State::Closed);
    // The others are stale now.
    for probe in probes {
        probe.record_failure();
    }
    assert_eq!(cb.state(), State::Closed);
}

#[test]
fn raising_max_requests_in_half_open_needs_more_successes() {
    let (cb, clock) = breaker(Config {
        max_failures: 1,
        max_requests: 1,
        ..Config::default()
    });
    trip_and_wait(&cb, &clock);
    let first = cb.try_acquire().unwrap();
    cb.reconfigure(Config {
        max_failures: 1,
        max_requests: 2,
        ..Config::default()
    })
    .unwrap();
    let second = cb.try_acquire().unwrap();
    first.record_success();
    assert_eq!(cb.state(), State::HalfOpen);
    second.record_success();
    assert_eq!(cb.state(), State::Closed);
}

#[test]
fn state_totals_history_and_backoff_step_are_kept() {
    let (cb, clock) = breaker(Config {
        max_failures: 1,
        ..Config::default()
    });
    trip_and_wait(&cb, &clock);
    cb.try_acquire().unwrap().record_failure();
    let before = cb.metrics();
    let history = cb.transitions();
    cb.reconfigure(Config {
        max_failures: 2,
        slow_call_threshold: Duration::from_secs(1),
        ..Config::default()
    })
    .unwrap();
    let after = cb.metrics();
    assert_eq!(after.state, State::Open);
    assert_eq!(
        (
            after.total_requests,
            after.total_failures,
            after.consecutive_trips,
            after.current_backoff,
            after.circuit_open_count
        ),
        (
            before.total_requests,
            before.total_failures,
            before.consecutive_trips,
            before.current_backoff,
            before.circuit_open_count
        )
    );
    assert_eq!(cb.transitions(), history);
}

#[test]
fn the_hot_path_follows_the_new_slow_threshold() {
    let (cb, clock) = breaker(Config::default());
    let slow_now = |cb: &CircuitBreaker| {
        let permit = cb.try_acquire().unwrap();
        clock.advance(Duration::from_secs(2));
        permit.record_success();
        cb.metrics().total_slow
    };
    assert_eq!(slow_now(&cb), 0, "2 s is not slow under 5 s");
    cb.reconfigure(Config {
        slow_call_threshold: Duration::from_secs(1),
        ..Config::default()
    })
    .unwrap();
    assert_eq!(slow_now(&cb), 1);
}

#[test]
fn a_bad_config_changes_nothing_and_an_equal_one_reports_nothing() {
    let (cb, _, seen) = watched(Config::default());
    let err = cb
        .reconfigure(Config {
            min_requests: 0,
            ..Config::default()
        })
        .unwrap_err();
    assert_eq!(err.field(), "min_requests");
    assert_eq!(*cb.config(), Config::default());
    cb.reconfigure(Config::default()).unwrap();
    assert!(seen.0.lock().unwrap().is_empty());
    let new = Config {
        recovery_timeout: Duration::from_secs(12),
        ..Config::default()
    };
    cb.reconfigure(new.clone()).unwrap();
    let seen = seen.0.lock().unwrap();
    assert_eq!(seen.as_slice(), &[(Config::default(), new)]);
}

#[test]
fn the_ramp_applies_from_the_next_recovery() {
    let (cb, clock) = breaker(Config {
        max_failures: 1,
        max_requests: 1,
        ..Config::default()
    });
    trip_and_wait(&cb, &clock);
    cb.reconfigure(Config {
        max_failures: 1,
        max_requests: 1,
        recovery_ramp: Duration::from_secs(10),
        ..Config::default()
    })
    .unwrap();
    cb.try_acquire().unwrap().record_success();
    assert_eq!(cb.state(), State::Closed);
    assert_eq!(cb.metrics().admitted_share, 0.1);
}
