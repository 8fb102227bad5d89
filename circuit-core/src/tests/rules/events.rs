//! Listeners, policies, metrics and the `call` wrappers.

use super::*;

use std::future::Future as _;

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
    let back: Metrics = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, cb.metrics());
    // The thresholds in effect, slow-call threshold in nanoseconds; a
    // snapshot written before they were reported still reads.
    assert_eq!(json["thresholds"]["failure_rate"], 0.6);
    assert_eq!(json["thresholds"]["slow_call"], 5_000_000_000u64);
    assert_eq!(json["thresholds"]["learned"], false);
    let mut old = json;
    old.as_object_mut().unwrap().remove("thresholds");
    let back: Metrics = serde_json::from_value(old).unwrap();
    assert_eq!(back.thresholds, Thresholds::of(&Config::default()));
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

/// A listener of transitions only: it says so, and hears no call.
#[derive(Debug, Default)]
struct TransitionsOnly(Recorder);

impl EventListener for TransitionsOnly {
    fn on_state_change(&self, breaker: &str, change: &StateChange) {
        self.0.on_state_change(breaker, change);
    }
    fn on_slow_call(&self, breaker: &str, latency: Duration) {
        self.0.on_slow_call(breaker, latency);
    }
    fn on_call(&self, breaker: &str, outcome: Outcome, latency: Duration) {
        self.0.on_call(breaker, outcome, latency);
    }
    fn wants_calls(&self) -> bool {
        false
    }
}

#[test]
fn listeners_that_want_no_calls_hear_transitions_and_slow_calls_only() {
    let clock = ManualClock::new();
    let listener = Arc::new(TransitionsOnly::default());
    let cb = CircuitBreaker::builder("kol-matcher")
        .config(Config {
            max_failures: 2,
            ..Config::default()
        })
        .clock(clock.clone())
        .listener(listener.clone())
        .build()
        .unwrap();
    cb.try_acquire().unwrap().record_success();
    let mut slow = cb.try_acquire().unwrap();
    slow.set_latency(Duration::from_secs(6));
    slow.record_success();
    fail(&cb, 2);
    let events = listener.0.0.lock().unwrap().clone();
    assert_eq!(
        events,
        [
            "slow 6s",
            "kol-matcher: closed -> open (tripped: 2 consecutive failures (max 2))",
        ]
    );
}
