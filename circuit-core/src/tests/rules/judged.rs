//! Rule 1: the trip rules hold after every recorded outcome, success
//! included.

use super::*;

fn rate_config(min_requests: u32, failure_threshold: f64) -> Config {
    Config {
        max_failures: 100,
        min_requests,
        failure_threshold,
        ..Config::default()
    }
}

#[test]
fn a_success_that_completes_min_requests_over_the_threshold_trips() {
    let (cb, _) = breaker(rate_config(4, 0.5));
    // fail, fail, ok, ok: 50 % at the fourth call, which is a success.
    fail(&cb, 2);
    succeed(&cb, 1);
    assert_eq!(cb.state(), State::Closed);
    succeed(&cb, 1);
    assert_eq!(cb.state(), State::Open);
    assert!(matches!(
        cb.transitions()[0].reason,
        TransitionReason::Tripped(TripReason::FailureRate { rate, .. }) if rate == 0.5
    ));
}

#[test]
fn a_success_below_the_threshold_does_not_trip() {
    let (cb, _) = breaker(rate_config(4, 0.5));
    // fail, ok, ok, ok: 25 % at min_requests.
    fail(&cb, 1);
    succeed(&cb, 3);
    assert_eq!(cb.state(), State::Closed);
    // And a window already past min_requests only gets better with a
    // success.
    fail(&cb, 1);
    succeed(&cb, 10);
    assert_eq!(cb.state(), State::Closed);
}

#[test]
fn a_slow_success_can_trip_the_slow_call_rate() {
    let (cb, clock) = breaker(Config {
        min_requests: 4,
        slow_call_rate_threshold: Some(0.5),
        ..Config::default()
    });
    succeed(&cb, 2);
    for expected in [State::Closed, State::Open] {
        let permit = cb.try_acquire().unwrap();
        clock.advance(Duration::from_millis(5001));
        permit.record_success();
        assert_eq!(cb.state(), expected);
    }
    assert!(matches!(
        cb.transitions()[0].reason,
        TransitionReason::Tripped(TripReason::SlowCallRate { .. })
    ));
    let m = cb.metrics();
    assert_eq!((m.total_failures, m.total_slow), (0, 2));
}

#[test]
fn a_plain_success_can_trip_the_slow_call_rate() {
    // Two slow successes out of three calls; the fourth call, a quick
    // success, completes min_requests at 2 / 4 >= 0.5.
    let (cb, clock) = breaker(Config {
        min_requests: 4,
        slow_call_rate_threshold: Some(0.5),
        ..Config::default()
    });
    for _ in 0..2 {
        let permit = cb.try_acquire().unwrap();
        clock.advance(Duration::from_secs(6));
        permit.record_success();
    }
    succeed(&cb, 1);
    assert_eq!(cb.state(), State::Closed);
    succeed(&cb, 1);
    assert_eq!(cb.state(), State::Open);
}

#[test]
fn ignored_and_cancelled_outcomes_never_count_toward_min_requests() {
    let (cb, _) = breaker(rate_config(4, 0.5));
    fail(&cb, 2);
    for _ in 0..5 {
        cb.try_acquire().unwrap().record_ignored();
        drop(cb.try_acquire().unwrap());
    }
    assert_eq!(cb.state(), State::Closed);
    let m = cb.metrics();
    assert_eq!(
        (m.window.calls, m.total_ignored, m.total_cancelled),
        (2, 5, 5)
    );
    // The rates count judged calls only: 2 failures + 2 successes.
    succeed(&cb, 2);
    assert_eq!(cb.state(), State::Open);
}

#[test]
fn a_window_that_slides_over_the_threshold_trips_on_the_next_success() {
    // Old successes leave the window; what remains is failures. The next
    // success is then judged against that window.
    let (cb, clock) = breaker(rate_config(4, 0.5));
    succeed(&cb, 6);
    clock.advance(30 * SEC);
    fail(&cb, 3);
    assert_eq!(cb.state(), State::Closed, "3 / 9");
    clock.advance(31 * SEC);
    // Only the 3 failures are left: the next success makes 3 / 4.
    succeed(&cb, 1);
    assert_eq!(cb.state(), State::Open);
}

#[test]
fn a_zero_threshold_trips_at_the_first_judged_call() {
    let (cb, _) = breaker(rate_config(1, 0.0));
    succeed(&cb, 1);
    assert_eq!(cb.state(), State::Open);
}

#[test]
fn forced_closed_judges_nothing() {
    let (cb, _) = breaker(rate_config(4, 0.5));
    cb.force_closed();
    fail(&cb, 2);
    succeed(&cb, 2);
    assert_eq!(cb.state(), State::ForcedClosed);
}

/// A custom policy that does not say when successes may trip is asked
/// about every success.
#[test]
fn a_custom_policy_is_asked_about_every_success_by_default() {
    #[derive(Debug, Default)]
    struct TripOnThirdSuccess(Mutex<u32>);
    impl TripPolicy for TripOnThirdSuccess {
        fn should_trip(&self, window: &WindowSnapshot, _: &Config) -> Option<TripReason> {
            let mut asked = self.0.lock().unwrap();
            *asked += 1;
            (window.calls >= 3 && window.failures == 0).then(|| TripReason::Custom("three".into()))
        }
    }
    let clock = ManualClock::new();
    let cb = CircuitBreaker::builder("custom")
        .clock(clock)
        .trip_policy(TripOnThirdSuccess::default())
        .build()
        .unwrap();
    succeed(&cb, 2);
    assert_eq!(cb.state(), State::Closed);
    succeed(&cb, 1);
    assert_eq!(cb.state(), State::Open);
}
