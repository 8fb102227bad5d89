//! CLOSED: the triggers, the window, slow calls.

use super::*;

#[test]
fn consecutive_failures_trip_at_max_failures() {
    let (cb, _) = breaker(Config {
        max_failures: 3,
        ..Config::default()
    });
    fail(&cb, 2);
    assert_eq!(cb.state(), State::Closed);
    fail(&cb, 1);
    assert_eq!(cb.state(), State::Open);
    let t = cb.transitions();
    assert_eq!(t.len(), 1);
    assert_eq!(
        t[0].reason,
        TransitionReason::Tripped(TripReason::ConsecutiveFailures {
            count: 3,
            threshold: 3
        })
    );
}

#[test]
fn a_success_resets_the_consecutive_run() {
    let (cb, _) = breaker(Config {
        max_failures: 3,
        ..Config::default()
    });
    fail(&cb, 2);
    succeed(&cb, 1);
    fail(&cb, 2);
    assert_eq!(cb.state(), State::Closed);
    assert_eq!(cb.metrics().consecutive_failures, 2);
}

#[test]
fn failure_rate_is_inclusive_and_waits_for_min_requests() {
    let config = Config {
        max_failures: 100,
        min_requests: 10,
        failure_threshold: 0.5,
        ..Config::default()
    };
    let (cb, _) = breaker(config.clone());
    // 5 failures, 4 successes: 9 calls, below min_requests.
    for _ in 0..4 {
        fail(&cb, 1);
        succeed(&cb, 1);
    }
    fail(&cb, 1);
    assert_eq!(cb.state(), State::Closed);
    // 10th call, a success: it completes min_requests at 5 / 10 >= 0.5,
    // and every outcome is judged (rule 1).
    succeed(&cb, 1);
    assert_eq!(cb.state(), State::Open);

    // Exactly at the threshold trips (inclusive): 5 of 10.
    let (cb, _) = breaker(config);
    succeed(&cb, 5);
    fail(&cb, 4);
    assert_eq!(cb.state(), State::Closed);
    fail(&cb, 1);
    assert_eq!(cb.state(), State::Open);
    assert!(matches!(
        cb.transitions()[0].reason,
        TransitionReason::Tripped(TripReason::FailureRate { rate, .. }) if rate == 0.5
    ));
}

#[test]
fn the_window_slides() {
    // 60 s window in 6 s buckets.
    let config = Config {
        max_failures: 100,
        min_requests: 8,
        failure_threshold: 0.5,
        ..Config::default()
    };
    let (cb, clock) = breaker(config);
    fail(&cb, 3);
    clock.advance(30 * SEC);
    succeed(&cb, 3);
    assert_eq!(cb.metrics().window.calls, 6);
    // 61 s later the three failures have left the window.
    clock.advance(31 * SEC);
    let m = cb.metrics();
    assert_eq!((m.window.calls, m.window.failures), (3, 0));
    // 3 failures and 2 successes make 3 / 8 < 0.5: still closed...
    fail(&cb, 3);
    succeed(&cb, 2);
    assert_eq!(cb.state(), State::Closed);
    // ...where the old failures would have tripped it (6 / 11); two more
    // failures make 5 / 10.
    fail(&cb, 2);
    assert_eq!(cb.state(), State::Open);
    // Long after, nothing is left.
    cb.reset();
    clock.advance(600 * SEC);
    assert_eq!(cb.metrics().window, WindowMetrics::default());
}

#[test]
fn calls_older_than_the_window_never_count() {
    let config = Config {
        max_failures: 100,
        min_requests: 1,
        failure_threshold: 1.0,
        ..Config::default()
    };
    let (cb, clock) = breaker(config);
    succeed(&cb, 1);
    clock.advance(Duration::from_secs(60));
    // The success is exactly one window old: gone; a lone failure is 100 %.
    fail(&cb, 1);
    assert_eq!(cb.state(), State::Open);
}

#[test]
fn slow_calls_are_counted_and_trip_only_when_enabled() {
    let slow = |cb: &CircuitBreaker, clock: &ManualClock| {
        let permit = cb.try_acquire().unwrap();
        clock.advance(Duration::from_millis(5001));
        permit.record_success();
    };
    let config = Config {
        min_requests: 4,
        ..Config::default()
    };
    let (cb, clock) = breaker(config.clone());
    for _ in 0..4 {
        slow(&cb, &clock);
    }
    assert_eq!(cb.state(), State::Closed);
    let m = cb.metrics();
    assert_eq!(
        (m.total_slow, m.window.slow_calls, m.total_successes),
        (4, 4, 4)
    );

    let (cb, clock) = breaker(Config {
        slow_call_rate_threshold: Some(0.5),
        ..config
    });
    succeed(&cb, 2);
    slow(&cb, &clock);
    assert_eq!(cb.state(), State::Closed);
    slow(&cb, &clock);
    assert_eq!(cb.state(), State::Open);
    assert!(matches!(
        cb.transitions()[0].reason,
        TransitionReason::Tripped(TripReason::SlowCallRate { .. })
    ));
}

#[test]
fn a_call_at_exactly_the_threshold_is_not_slow() {
    let (cb, clock) = breaker(Config::default());
    let permit = cb.try_acquire().unwrap();
    clock.advance(Duration::from_secs(5));
    permit.record_success();
    let mut permit = cb.try_acquire().unwrap();
    permit.set_latency(Duration::from_secs(6));
    permit.record_success();
    assert_eq!(cb.metrics().total_slow, 1);
}

#[test]
fn handed_in_latencies_never_date_outcomes_ahead_of_the_clock() {
    let (cb, clock) = breaker(Config {
        max_failures: 100,
        min_requests: 2,
        ..Config::default()
    });
    // 5.9 s into a 6 s bucket (more than a window after the start), a call
    // that took 200 ms would land in the next bucket; it is dated at the
    // clock's now instead, in this bucket, with the call after it.
    clock.advance(Duration::from_millis(65_900));
    let mut permit = cb.try_acquire().unwrap();
    permit.set_latency(Duration::from_millis(200));
    permit.record_failure();
    fail(&cb, 1);
    let m = cb.metrics();
    assert_eq!((m.window.calls, m.window.failures), (2, 2));
    assert_eq!(
        cb.state(),
        State::Open,
        "2 of 2 failed: the rate trigger fires"
    );
    // The trip is dated now: the open period ends 30 s from now, not
    // 30.1 s.
    assert_eq!(cb.metrics().retry_after, Some(30 * SEC));
}
