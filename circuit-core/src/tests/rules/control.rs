//! Epochs, outcomes and manual control.

use super::*;

#[test]
fn stale_outcomes_count_in_totals_but_drive_nothing() {
    let (cb, clock) = breaker(Config {
        max_failures: 2,
        max_requests: 1,
        ..Config::default()
    });
    let slow_call = cb.try_acquire().unwrap();
    let slow_success = cb.try_acquire().unwrap();
    fail(&cb, 2);
    assert_eq!(cb.state(), State::Open);
    clock.advance(cb.metrics().retry_after.unwrap());
    let probe = cb.try_acquire().unwrap();
    assert_eq!(cb.state(), State::HalfOpen);
    // Admitted in CLOSED, finishing in HALF_OPEN: must not reopen.
    slow_call.record_failure();
    assert_eq!(cb.state(), State::HalfOpen);
    probe.record_success();
    assert_eq!(cb.state(), State::Closed);
    // Nor trip the new CLOSED epoch, nor reset its run.
    fail(&cb, 1);
    slow_success.record_success();
    assert_eq!(cb.metrics().consecutive_failures, 1);
    let m = cb.metrics();
    assert_eq!((m.total_failures, m.total_successes), (4, 2));
    assert_eq!(m.window.calls, 1);
}

#[test]
fn timeouts_are_failures_and_ignored_is_neutral() {
    let (cb, _) = breaker(Config {
        max_failures: 2,
        ..Config::default()
    });
    cb.try_acquire().unwrap().record_timeout();
    for _ in 0..10 {
        cb.try_acquire().unwrap().record_ignored();
    }
    assert_eq!(cb.state(), State::Closed);
    cb.try_acquire().unwrap().record_timeout();
    assert_eq!(cb.state(), State::Open);
    let m = cb.metrics();
    assert_eq!(
        (
            m.timeout_count,
            m.total_failures,
            m.total_ignored,
            m.total_requests
        ),
        (2, 2, 10, 12)
    );
    assert_eq!(m.window.calls, 2);
}

#[test]
fn forced_states() {
    let (cb, clock) = breaker(Config {
        max_failures: 1,
        ..Config::default()
    });
    cb.force_open();
    assert_eq!(cb.state(), State::ForcedOpen);
    clock.advance(3600 * SEC);
    let rejected = cb.try_acquire().unwrap_err();
    assert_eq!(
        (rejected.state(), rejected.retry_after()),
        (State::ForcedOpen, Duration::MAX)
    );
    assert_eq!(cb.state(), State::ForcedOpen, "never half-opens by itself");

    cb.force_closed();
    fail(&cb, 50);
    assert_eq!(cb.state(), State::ForcedClosed, "never trips");
    assert_eq!(cb.metrics().total_failures, 50);
    assert_eq!(cb.metrics().window.failures, 50);

    cb.reset();
    assert_eq!(cb.state(), State::Closed);
    assert_eq!(cb.metrics().window.calls, 0);
    fail(&cb, 1);
    assert_eq!(cb.state(), State::Open);
    assert_eq!(
        cb.to_string_states(),
        ["forced-open", "forced-closed", "closed", "open"]
    );
}

#[test]
fn reset_clears_window_backoff_and_in_flight_epochs() {
    let (cb, clock) = breaker(Config {
        max_failures: 1,
        max_requests: 1,
        ..Config::default()
    });
    trip_and_wait(&cb, &clock);
    cb.try_acquire().unwrap().record_failure();
    assert_eq!(cb.metrics().current_backoff, SEC);
    let in_flight = cb.try_acquire();
    assert!(in_flight.is_err());
    cb.reset();
    let m = cb.metrics();
    assert_eq!(
        (
            m.state,
            m.current_backoff,
            m.consecutive_trips,
            m.window.calls
        ),
        (State::Closed, Duration::ZERO, 0, 0)
    );
    fail(&cb, 1);
    assert_eq!(cb.metrics().retry_after, Some(30 * SEC), "k starts over");
}

#[test]
fn retry_after_hint_lengthens_the_open_period_it_starts() {
    let (cb, clock) = breaker(Config {
        max_failures: 1,
        max_requests: 1,
        ..Config::default()
    });
    let mut permit = cb.try_acquire().unwrap();
    permit.set_retry_after(120 * SEC);
    permit.record_failure();
    assert_eq!(cb.metrics().retry_after, Some(120 * SEC));
    clock.advance(120 * SEC);
    // A shorter hint never shortens the computed period.
    let mut probe = cb.try_acquire().unwrap();
    probe.set_retry_after(SEC);
    probe.record_failure();
    assert_eq!(cb.metrics().retry_after, Some(31 * SEC));
}

impl CircuitBreaker {
    fn to_string_states(&self) -> Vec<String> {
        self.transitions()
            .iter()
            .map(|t| t.to.to_string())
            .collect()
    }
}

#[test]
fn open_for_opens_from_outside_for_the_given_period() {
    let (cb, clock) = breaker(Config {
        max_failures: 1,
        max_requests: 1,
        ..Config::default()
    });
    assert!(cb.open_for(Duration::from_secs(12), "opened by peer replica-2: tripped"));
    let m = cb.metrics();
    assert_eq!((m.state, m.retry_after), (State::Open, Some(12 * SEC)));
    assert_eq!((m.consecutive_trips, m.circuit_open_count), (1, 1));
    assert_eq!(
        cb.transitions()[0].reason.to_string(),
        "opened by peer replica-2: tripped"
    );
    // While open: only a later end extends the period, with no new event.
    clock.advance(2 * SEC);
    assert!(!cb.open_for(Duration::from_secs(5), "earlier"));
    assert!(cb.open_for(Duration::from_secs(20), "later"));
    assert_eq!(cb.metrics().retry_after, Some(20 * SEC));
    assert_eq!(cb.transitions().len(), 1);
    // From HALF_OPEN too; a relapse after it keeps backing off (k = 2).
    clock.advance(20 * SEC);
    let probe = cb.try_acquire().unwrap();
    assert!(cb.open_for(Duration::from_secs(3), "peer"));
    probe.record_success();
    assert_eq!(cb.state(), State::Open, "the probe became stale");
    assert_eq!(cb.metrics().consecutive_trips, 2);
    // Forced states are left alone.
    cb.force_closed();
    assert!(!cb.open_for(Duration::from_secs(3), "peer"));
    assert_eq!(cb.state(), State::ForcedClosed);
    cb.force_open();
    assert!(!cb.open_for(Duration::from_secs(3), "peer"));
    assert_eq!(cb.state(), State::ForcedOpen);
}

#[test]
fn allow_probe_now_ends_an_open_period_but_never_closes() {
    let (cb, _clock) = breaker(Config {
        max_failures: 1,
        max_requests: 1,
        ..Config::default()
    });
    assert!(!cb.allow_probe_now(), "nothing to shorten while closed");
    fail(&cb, 1);
    assert!(cb.allow_probe_now());
    assert_eq!(cb.state(), State::Open, "it does not close by itself");
    assert!(!cb.allow_probe_now(), "already over");
    let probe = cb.try_acquire().unwrap();
    assert!(probe.is_probe());
    probe.record_failure();
    assert_eq!(cb.state(), State::Open);
    cb.force_open();
    assert!(!cb.allow_probe_now());
}
