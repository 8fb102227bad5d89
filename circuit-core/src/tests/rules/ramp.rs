//! Gradual recovery after HALF_OPEN → CLOSED.

use super::*;

fn ramped(ramp: Duration) -> (CircuitBreaker, ManualClock) {
    let (cb, clock) = breaker(Config {
        max_failures: 1,
        max_requests: 1,
        recovery_ramp: ramp,
        ..Config::default()
    });
    trip_and_wait(&cb, &clock);
    cb.try_acquire().unwrap().record_success();
    assert_eq!(cb.state(), State::Closed);
    (cb, clock)
}

#[test]
fn the_admitted_share_grows_from_the_floor_to_all() {
    let (cb, clock) = ramped(10 * SEC);
    assert_eq!(cb.metrics().admitted_share, 0.1);
    clock.advance(5 * SEC);
    assert!((cb.metrics().admitted_share - 0.55).abs() < 1e-9);
    clock.advance(5 * SEC);
    assert_eq!(cb.metrics().admitted_share, 1.0);
    // Every call passes once the ramp is over.
    for _ in 0..100 {
        cb.try_acquire().unwrap().record_success();
    }
}

#[test]
fn calls_above_the_share_are_rejected_as_ramping_not_failed() {
    let (cb, clock) = ramped(10 * SEC);
    let mut admitted = 0u64;
    let mut seen = 0u64;
    for _ in 0..1000 {
        clock.advance(Duration::from_millis(5));
        seen += 1;
        match cb.try_acquire() {
            Ok(permit) => {
                admitted += 1;
                permit.record_success();
            }
            Err(rejected) => {
                assert_eq!(rejected.reason(), RejectReason::Ramping);
                assert_eq!(rejected.state(), State::Closed);
                assert_eq!(rejected.retry_after(), Duration::ZERO);
            }
        }
        // Of the first n calls at most ceil(share × n) pass.
        let share = cb.metrics().admitted_share;
        assert!(
            admitted as f64 <= (share * seen as f64).ceil(),
            "{admitted} of {seen} at {share}"
        );
    }
    let m = cb.metrics();
    assert_eq!(m.state.to_string(), "closed");
    assert_eq!(m.total_rejected, seen - admitted);
    assert_eq!(m.total_failures, 1, "only the trip");
    // 5 s of a 10 s ramp from 10 %: about (0.1 + 0.55) / 2 of the calls.
    assert!((300..350).contains(&admitted), "{admitted}");
}

#[test]
fn a_trip_during_the_ramp_keeps_backing_off() {
    let (cb, clock) = ramped(10 * SEC);
    // k was 1 when the breaker closed; it stays until the ramp completes.
    assert_eq!(cb.metrics().consecutive_trips, 1);
    clock.advance(5 * SEC);
    while cb.state() == State::Closed {
        if let Ok(permit) = cb.try_acquire() {
            permit.record_failure();
        }
    }
    let m = cb.metrics();
    assert_eq!(m.consecutive_trips, 2);
    assert_eq!(m.current_backoff, SEC, "k + 1 backs off");
    assert_eq!(m.admitted_share, 1.0, "no ramp while open");
}

#[test]
fn the_backoff_step_resets_only_when_the_ramp_completes() {
    let (cb, clock) = ramped(10 * SEC);
    clock.advance(10 * SEC);
    let m = cb.metrics();
    assert_eq!(
        (m.consecutive_trips, m.current_backoff),
        (0, Duration::ZERO)
    );
    cb.try_acquire().unwrap().record_failure();
    let m = cb.metrics();
    assert_eq!(m.consecutive_trips, 1);
    assert_eq!(
        m.retry_after,
        Some(30 * SEC),
        "a first trip again: no backoff"
    );
}

#[test]
fn without_a_ramp_closing_admits_everything_and_resets_k() {
    let (cb, _) = ramped(Duration::ZERO);
    let m = cb.metrics();
    assert_eq!((m.admitted_share, m.consecutive_trips), (1.0, 0));
    succeed(&cb, 50);
}

#[test]
fn reset_and_forced_states_end_a_ramp() {
    let (cb, _) = ramped(10 * SEC);
    cb.reset();
    assert_eq!(cb.metrics().admitted_share, 1.0);
    succeed(&cb, 20);
    let (cb, _) = ramped(10 * SEC);
    cb.force_closed();
    succeed(&cb, 20);
}

/// A backend that restarts with little capacity and warms up over 10 s:
/// in each second it answers at most `capacity(t)` calls, the rest fail.
/// 50 calls a second are offered. Returns the transitions after the
/// backend restarted.
fn warming_backend(recovery_ramp: Duration) -> Vec<TransitionRecord> {
    const OFFERED_PER_SEC: u64 = 50;
    const STEP: Duration = Duration::from_millis(20);
    let restart = Duration::from_secs(5);
    let clock = ManualClock::new();
    let cb = CircuitBreaker::builder("warming")
        .config(Config {
            max_failures: 5,
            failure_threshold: 0.5,
            min_requests: 20,
            monitor_window: Duration::from_secs(10),
            recovery_timeout: Duration::from_secs(10),
            max_requests: 3,
            recovery_ramp,
            ..Config::default()
        })
        .clock(clock.clone())
        .build()
        .unwrap();
    let capacity = |since_restart: Duration| -> u64 {
        let warm = (0.1 + 0.9 * since_restart.as_secs_f64() / 10.0).min(1.0);
        (warm * OFFERED_PER_SEC as f64) as u64
    };
    let (mut second, mut answered) = (0, 0);
    for _ in 0..(40 * OFFERED_PER_SEC) {
        clock.advance(STEP);
        let now = clock.now();
        if now.as_secs() != second {
            (second, answered) = (now.as_secs(), 0);
        }
        let Ok(permit) = cb.try_acquire() else {
            continue;
        };
        let up = now >= restart;
        if up && answered < capacity(now - restart) {
            answered += 1;
            permit.record_success();
        } else {
            permit.record_failure();
        }
    }
    cb.transitions()
        .into_iter()
        .filter(|t| t.at >= restart)
        .collect()
}

#[test]
fn a_warming_backend_stays_up_with_a_ramp_and_relapses_without() {
    let with = warming_backend(Duration::from_secs(10));
    let closings = with.iter().filter(|t| t.to == State::Closed).count();
    let reopenings = with
        .iter()
        .skip_while(|t| t.to != State::Closed)
        .filter(|t| t.to == State::Open)
        .count();
    assert_eq!((closings, reopenings), (1, 0), "with a ramp: {with:#?}");

    let without = warming_backend(Duration::ZERO);
    let relapses = without
        .iter()
        .skip_while(|t| t.to != State::Closed)
        .filter(|t| t.from == State::Closed && t.to == State::Open)
        .count();
    assert!(relapses >= 1, "without a ramp: {without:#?}");
}
