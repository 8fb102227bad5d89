//! OPEN and HALF_OPEN: rejection, backoff, probes, cancellation, reclaim.

use super::*;

#[test]
fn open_rejects_with_retry_after_and_counts_rejections_apart() {
    let (cb, clock) = breaker(Config {
        max_failures: 1,
        ..Config::default()
    });
    fail(&cb, 1);
    clock.advance(10 * SEC);
    let rejected = cb.try_acquire().unwrap_err();
    assert_eq!(rejected.state(), State::Open);
    assert_eq!(rejected.retry_after(), 20 * SEC);
    let m = cb.metrics();
    assert_eq!(
        (m.total_rejected, m.total_failures, m.total_requests),
        (1, 1, 1)
    );
    assert_eq!(m.retry_after, Some(20 * SEC));
}

#[test]
fn open_goes_half_open_on_the_first_acquire_after_the_open_period() {
    let (cb, clock) = breaker(Config {
        max_failures: 1,
        ..Config::default()
    });
    fail(&cb, 1);
    clock.advance(30 * SEC - Duration::from_nanos(1));
    assert!(cb.try_acquire().is_err());
    clock.advance(Duration::from_nanos(1));
    assert_eq!(cb.state(), State::Open, "time alone changes nothing");
    let probe = cb.try_acquire().unwrap();
    assert!(probe.is_probe());
    assert_eq!(cb.state(), State::HalfOpen);
    assert_eq!(cb.metrics().recovery_attempts, 1);
    drop(probe);
}

#[test]
fn backoff_sequence_30_31_32_34_38_capped() {
    let (cb, clock) = breaker(Config {
        max_failures: 1,
        max_requests: 1,
        ..Config::default()
    });
    fail(&cb, 1);
    let mut seen = Vec::new();
    for _ in 0..9 {
        let m = cb.metrics();
        seen.push((
            m.retry_after.unwrap().as_secs(),
            m.current_backoff.as_secs(),
        ));
        clock.advance(m.retry_after.unwrap());
        cb.try_acquire().unwrap().record_failure();
    }
    assert_eq!(
        seen,
        [
            (30, 0),
            (31, 1),
            (32, 2),
            (34, 4),
            (38, 8),
            (46, 16),
            (60, 30),
            (60, 30),
            (60, 30)
        ]
    );
    // Closing resets k.
    clock.advance(cb.metrics().retry_after.unwrap());
    cb.try_acquire().unwrap().record_success();
    assert_eq!(cb.state(), State::Closed);
    assert_eq!(cb.metrics().current_backoff, Duration::ZERO);
    fail(&cb, 1);
    assert_eq!(cb.metrics().retry_after, Some(30 * SEC));
}

#[test]
fn half_open_admits_at_most_max_requests_probes_at_once() {
    let (cb, clock) = breaker(Config {
        max_failures: 1,
        max_requests: 3,
        ..Config::default()
    });
    trip_and_wait(&cb, &clock);
    let probes: Vec<_> = (0..3).map(|_| cb.try_acquire().unwrap()).collect();
    let rejected = cb.try_acquire().unwrap_err();
    assert_eq!(rejected.state(), State::HalfOpen);
    assert_eq!(
        rejected.retry_after(),
        cb.config().half_open_probe_timeout + Duration::from_nanos(1)
    );
    // A finished probe frees its slot.
    let mut probes = probes.into_iter();
    probes.next().unwrap().record_success();
    let fourth = cb.try_acquire().unwrap();
    assert!(cb.try_acquire().is_err());
    probes.next().unwrap().record_success();
    assert_eq!(cb.state(), State::HalfOpen);
    assert_eq!(cb.metrics().consecutive_successes, 2);
    fourth.record_success();
    assert_eq!(cb.state(), State::Closed, "max_requests successes close");
    // The left-over probe is now stale: counted, but drives nothing.
    probes.next().unwrap().record_failure();
    assert_eq!(cb.state(), State::Closed);
    assert_eq!(cb.metrics().consecutive_failures, 0);
    assert_eq!(cb.metrics().total_failures, 2);
}

#[test]
fn a_failed_probe_reopens_and_closing_gives_a_fresh_window() {
    let config = Config {
        max_failures: 2,
        max_requests: 2,
        ..Config::default()
    };
    let (cb, clock) = breaker(config);
    trip_and_wait(&cb, &clock);
    cb.try_acquire().unwrap().record_success();
    cb.try_acquire().unwrap().record_failure();
    assert_eq!(cb.state(), State::Open);
    assert_eq!(
        cb.transitions().last().unwrap().reason,
        TransitionReason::ProbeFailed
    );
    assert_eq!(cb.metrics().current_backoff, SEC);
    clock.advance(cb.metrics().retry_after.unwrap());
    succeed(&cb, 2);
    assert_eq!(cb.state(), State::Closed);
    let m = cb.metrics();
    assert_eq!(
        (m.window.calls, m.consecutive_failures, m.consecutive_trips),
        (0, 0, 0)
    );
    // One failure does not trip a fresh window with max_failures 2.
    fail(&cb, 1);
    assert_eq!(cb.state(), State::Closed);
}

#[test]
fn dropped_permits_count_as_cancelled_and_free_their_slot() {
    let (cb, clock) = breaker(Config {
        max_failures: 1,
        max_requests: 1,
        ..Config::default()
    });
    drop(cb.try_acquire().unwrap());
    let m = cb.metrics();
    assert_eq!(
        (
            m.total_cancelled,
            m.total_successes,
            m.total_failures,
            m.total_requests
        ),
        (1, 0, 0, 1)
    );
    trip_and_wait(&cb, &clock);
    drop(cb.try_acquire().unwrap());
    assert_eq!(cb.state(), State::HalfOpen);
    cb.try_acquire().unwrap().record_success();
    assert_eq!(cb.state(), State::Closed);
    assert_eq!(cb.metrics().total_cancelled, 2);
}

#[test]
fn a_probe_held_past_the_timeout_is_reclaimed_as_one_timeout() {
    let (cb, clock) = breaker(Config {
        max_failures: 1,
        max_requests: 2,
        ..Config::default()
    });
    trip_and_wait(&cb, &clock);
    let leaked = cb.try_acquire().unwrap();
    clock.advance(30 * SEC);
    // Exactly at the timeout the probe still holds its slot.
    let second = cb.try_acquire().unwrap();
    drop(second);
    clock.advance(Duration::from_nanos(1));
    let rejected = cb.try_acquire().unwrap_err();
    assert_eq!(rejected.state(), State::Open);
    assert_eq!(
        cb.transitions().last().unwrap().reason,
        TransitionReason::ProbeTimedOut
    );
    let m = cb.metrics();
    assert_eq!((m.total_failures, m.timeout_count), (2, 1));
    assert_eq!(m.current_backoff, SEC, "reclaiming reopens with k + 1");
    // The late outcome of the reclaimed probe drives nothing and does not
    // count a second request: the probe was counted once, as a timeout.
    let requests = m.total_requests;
    leaked.record_success();
    assert_eq!(cb.state(), State::Open);
    let m = cb.metrics();
    assert_eq!((m.total_successes, m.total_requests), (0, requests));
}
