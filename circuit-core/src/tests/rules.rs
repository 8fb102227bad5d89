//! The rules one by one, on a manual clock (no sleeps).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::*;

const SEC: Duration = Duration::from_secs(1);

fn breaker(config: Config) -> (CircuitBreaker, ManualClock) {
    let clock = ManualClock::new();
    let cb = CircuitBreaker::builder("test")
        .config(config)
        .clock(clock.clone())
        .build()
        .unwrap();
    (cb, clock)
}

fn fail(cb: &CircuitBreaker, n: usize) {
    for _ in 0..n {
        cb.try_acquire().unwrap().record_failure();
    }
}

fn succeed(cb: &CircuitBreaker, n: usize) {
    for _ in 0..n {
        cb.try_acquire().unwrap().record_success();
    }
}

/// Trips a fresh or half-open breaker and waits out the open period.
fn trip_and_wait(cb: &CircuitBreaker, clock: &ManualClock) -> Duration {
    while cb.state() != State::Open {
        fail(cb, 1);
    }
    let wait = cb.metrics().retry_after.unwrap();
    clock.advance(wait);
    wait
}

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
    // 10th call, a success: rates are not evaluated on fast successes.
    succeed(&cb, 1);
    assert_eq!(cb.state(), State::Closed);
    // 11th call: 6 / 11 >= 0.5.
    fail(&cb, 1);
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
        min_requests: 4,
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
    // Two failures now make 2 / 5 < 0.5: still closed...
    fail(&cb, 2);
    assert_eq!(cb.state(), State::Closed);
    // ...where the old failures would have tripped it (5 / 8).
    fail(&cb, 1);
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
fn a_probe_held_past_the_timeout_is_reclaimed_as_a_failure() {
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
    assert_eq!(m.total_failures, 2);
    assert_eq!(m.current_backoff, SEC, "reclaiming reopens with k + 1");
    // The late outcome of the reclaimed probe is stale.
    leaked.record_success();
    assert_eq!(cb.state(), State::Open);
    assert_eq!(cb.metrics().total_successes, 1);
}

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

#[derive(Debug, Default)]
struct Recorder(Mutex<Vec<String>>);

impl EventListener for Recorder {
    fn on_state_change(&self, breaker: &str, change: &StateChange) {
        self.0.lock().unwrap().push(format!(
            "{breaker}: {} -> {} ({})",
            change.from, change.to, change.reason
        ));
    }
    fn on_rejected(&self, _: &str, rejected: &Rejected) {
        self.0
            .lock()
            .unwrap()
            .push(format!("rejected {}", rejected.state()));
    }
    fn on_slow_call(&self, _: &str, latency: Duration) {
        self.0.lock().unwrap().push(format!("slow {latency:?}"));
    }
    fn on_reset(&self, _: &str) {
        self.0.lock().unwrap().push("reset".into());
    }
    fn on_call(&self, _: &str, outcome: Outcome, _: Duration) {
        self.0.lock().unwrap().push(format!("call {outcome}"));
    }
}

#[test]
fn listeners_hear_every_event_with_its_cause() {
    let clock = ManualClock::new();
    let recorder = Arc::new(Recorder::default());
    let cb = CircuitBreaker::builder("kol-matcher")
        .config(Config {
            max_failures: 2,
            max_requests: 1,
            ..Config::default()
        })
        .clock(clock.clone())
        .listener(recorder.clone())
        .build()
        .unwrap();
    fail(&cb, 2);
    let _ = cb.try_acquire();
    clock.advance(30 * SEC);
    let probe = cb.try_acquire().unwrap();
    clock.advance(6 * SEC);
    probe.record_success();
    cb.reset();
    let events = recorder.0.lock().unwrap().clone();
    assert_eq!(
        events,
        [
            "call failure",
            "kol-matcher: closed -> open (tripped: 2 consecutive failures (max 2))",
            "call failure",
            "rejected open",
            "kol-matcher: open -> half-open (open period elapsed)",
            "kol-matcher: half-open -> closed (half-open probes succeeded)",
            "call success",
            "slow 6s",
            "reset",
        ]
    );
}

#[test]
fn state_change_event_carries_the_window_that_caused_it() {
    #[derive(Debug, Default)]
    struct Last(Mutex<Option<StateChange>>);
    impl EventListener for Last {
        fn on_state_change(&self, _: &str, change: &StateChange) {
            *self.0.lock().unwrap() = Some(change.clone());
        }
    }
    let last = Arc::new(Last::default());
    let cb = CircuitBreaker::builder("x")
        .config(Config {
            max_failures: 3,
            ..Config::default()
        })
        .clock(ManualClock::new())
        .listener(last.clone())
        .build()
        .unwrap();
    succeed(&cb, 1);
    fail(&cb, 3);
    let change = last.0.lock().unwrap().clone().unwrap();
    assert_eq!(
        change.window,
        WindowSnapshot {
            calls: 4,
            failures: 3,
            slow_calls: 0,
            consecutive_failures: 3
        }
    );
    assert_eq!((change.total_failures, change.success_rate), (3, 0.25));
    assert_eq!(change.open_for, Some(30 * SEC));
}

#[test]
fn custom_trip_policy_and_backoff() {
    #[derive(Debug)]
    struct TwoFailuresInWindow;
    impl TripPolicy for TwoFailuresInWindow {
        fn should_trip(&self, w: &WindowSnapshot, _: &Config) -> Option<TripReason> {
            (w.failures >= 2).then(|| TripReason::Custom("two strikes".into()))
        }
    }
    let clock = ManualClock::new();
    let cb = CircuitBreaker::builder("x")
        .config(Config {
            max_requests: 1,
            ..Config::default()
        })
        .clock(clock.clone())
        .trip_policy(TwoFailuresInWindow)
        .backoff(ConstantBackoff(7 * SEC))
        .build()
        .unwrap();
    fail(&cb, 1);
    succeed(&cb, 1);
    fail(&cb, 1);
    assert_eq!(cb.state(), State::Open);
    assert_eq!(
        cb.transitions()[0].reason.to_string(),
        "tripped: two strikes"
    );
    clock.advance(30 * SEC);
    cb.try_acquire().unwrap().record_failure();
    assert_eq!(cb.metrics().retry_after, Some(37 * SEC));
}

#[test]
fn metrics_serialise_with_the_seed_design_names() {
    let (cb, _) = breaker(Config::default());
    succeed(&cb, 3);
    fail(&cb, 1);
    let json = serde_json::to_value(cb.metrics()).unwrap();
    for field in [
        "name",
        "state",
        "total_requests",
        "total_successes",
        "total_failures",
        "success_rate",
        "failure_rate",
        "consecutive_failures",
        "consecutive_successes",
        "circuit_open_count",
        "timeout_count",
        "last_state_change",
        "current_backoff",
    ] {
        assert!(json.get(field).is_some(), "missing {field}");
    }
    assert_eq!(json["state"], "closed");
    assert_eq!(json["success_rate"], 0.75);
    assert_eq!(json["current_backoff"], 0);
    assert!(json["last_state_change"].as_str().unwrap().ends_with('Z'));
    let back: Metrics = serde_json::from_value(json).unwrap();
    assert_eq!(back, cb.metrics());
}

#[test]
fn a_fresh_breaker_reads_healthy() {
    let (cb, _) = breaker(Config::default());
    let m = cb.metrics();
    assert_eq!(
        (m.success_rate, m.failure_rate, m.total_requests),
        (1.0, 0.0, 0)
    );
    assert_eq!(m.consecutive_successes, 0);
    succeed(&cb, 4);
    assert_eq!(cb.metrics().consecutive_successes, 4);
    fail(&cb, 1);
    assert_eq!(cb.metrics().consecutive_successes, 0);
}

#[test]
fn history_is_bounded() {
    let (cb, _) = breaker(Config::default());
    for _ in 0..100 {
        cb.force_open();
        cb.force_closed();
    }
    let history = cb.transitions();
    assert_eq!(history.len(), HISTORY_CAPACITY);
    assert_eq!(history.last().unwrap().to, State::ForcedClosed);
}

#[test]
fn call_wraps_sync_and_async_work() {
    let (cb, _) = breaker(Config {
        max_failures: 1,
        ..Config::default()
    });
    assert_eq!(cb.call_sync(|| Ok::<_, &str>(1)), Ok(1));
    let r = pollster::block_on(cb.call(|| async { Err::<u8, _>("down") }));
    assert_eq!(r, Err(CallError::Inner("down")));
    let r = futures::executor::block_on(cb.call(|| async { Ok::<_, &str>(2) }));
    assert!(matches!(r, Err(CallError::Rejected(_))));
}

#[test]
fn a_dropped_call_future_counts_as_cancelled() {
    let (cb, _) = breaker(Config::default());
    let mut fut = Box::pin(cb.call(std::future::pending::<Result<(), ()>>));
    let waker = futures::task::noop_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    assert!(fut.as_mut().poll(&mut cx).is_pending());
    drop(fut);
    assert_eq!(cb.metrics().total_cancelled, 1);
}

impl CircuitBreaker {
    fn to_string_states(&self) -> Vec<String> {
        self.transitions()
            .iter()
            .map(|t| t.to.to_string())
            .collect()
    }
}

use std::future::Future as _;

#[test]
fn handed_in_latencies_may_date_outcomes_ahead_of_the_clock() {
    let (cb, clock) = breaker(Config {
        max_failures: 100,
        min_requests: 2,
        ..Config::default()
    });
    // 5.9 s into a 6 s bucket (more than a window after the start), a call
    // that took 200 ms lands in the next bucket while the clock still
    // reads this one; that bucket's ring slot is the window's oldest.
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
}
