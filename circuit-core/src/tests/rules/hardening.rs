//! Hardening: caps on handed-in values, user code that panics, counters,
//! snapshots, abandoned calls.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU32, Ordering};

use super::*;

#[test]
fn a_handed_in_latency_never_dates_an_outcome_past_now() {
    let (cb, clock) = breaker(Config {
        max_failures: 1,
        ..Config::default()
    });
    let mut permit = cb.try_acquire().unwrap();
    permit.set_latency(Duration::from_secs(3600));
    permit.record_failure();
    // The open period starts now, not an hour from now.
    assert_eq!(cb.metrics().retry_after, Some(30 * SEC));
    assert_eq!(
        cb.metrics().total_slow,
        1,
        "the latency still decides slowness"
    );
    clock.advance(30 * SEC);
    assert!(cb.try_acquire().unwrap().is_probe());
}

#[test]
fn a_huge_handed_in_latency_does_not_stop_the_window_sliding() {
    let (cb, clock) = breaker(Config {
        max_failures: 100,
        ..Config::default()
    });
    let mut permit = cb.try_acquire().unwrap();
    permit.set_latency(Duration::MAX);
    permit.record_failure();
    assert_eq!(cb.metrics().window.failures, 1);
    clock.advance(61 * SEC);
    assert_eq!(cb.metrics().window.failures, 0);
    fail(&cb, 1);
    assert_eq!(cb.metrics().window.failures, 1);
}

#[test]
fn a_retry_after_hint_is_capped_by_the_config() {
    let (cb, _) = breaker(Config {
        max_failures: 1,
        max_retry_after: Duration::from_secs(120),
        ..Config::default()
    });
    let mut permit = cb.try_acquire().unwrap();
    permit.set_retry_after(Duration::from_secs(86_400));
    permit.record_failure();
    assert_eq!(cb.metrics().retry_after, Some(120 * SEC));
    // The default cap is 5 minutes.
    let (cb, _) = breaker(Config {
        max_failures: 1,
        ..Config::default()
    });
    let mut permit = cb.try_acquire().unwrap();
    permit.set_retry_after(Duration::MAX);
    permit.record_failure();
    assert_eq!(cb.metrics().retry_after, Some(300 * SEC));
}

#[derive(Debug)]
struct Panicking;

impl EventListener for Panicking {
    fn on_state_change(&self, _: &str, _: &StateChange) {
        panic!("listener bug");
    }
    fn on_call(&self, _: &str, _: Outcome, _: Duration) {
        panic!("listener bug");
    }
}

#[derive(Debug, Default)]
struct Counting {
    changes: AtomicU32,
    calls: AtomicU32,
}

impl EventListener for Counting {
    fn on_state_change(&self, _: &str, _: &StateChange) {
        self.changes.fetch_add(1, Ordering::Relaxed);
    }
    fn on_call(&self, _: &str, _: Outcome, _: Duration) {
        self.calls.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn a_panicking_listener_does_not_stop_the_others() {
    let counting = Arc::new(Counting::default());
    let cb = CircuitBreaker::builder("panics")
        .config(Config {
            max_failures: 1,
            ..Config::default()
        })
        .clock(ManualClock::new())
        .listener(Panicking)
        .listener(Arc::clone(&counting))
        .build()
        .unwrap();
    let permit = cb.try_acquire().unwrap();
    let panicked = catch_unwind(AssertUnwindSafe(|| permit.record_failure()));
    assert!(panicked.is_err(), "the listener's panic goes on");
    // The breaker did its work and the listener after the panicking one
    // heard about the call and the transition.
    assert_eq!(cb.state(), State::Open);
    assert_eq!(counting.calls.load(Ordering::Relaxed), 1);
    assert_eq!(counting.changes.load(Ordering::Relaxed), 1);
    assert_eq!(cb.metrics().total_failures, 1);
}

#[test]
fn a_listener_panic_while_unwinding_does_not_abort() {
    let cb = CircuitBreaker::builder("unwinding")
        .clock(ManualClock::new())
        .listener(Panicking)
        .build()
        .unwrap();
    // The caller panics while holding a permit; dropping it during the
    // unwind calls the panicking listener. A second panic there would
    // abort the whole test process.
    let result = catch_unwind(AssertUnwindSafe(|| {
        let _permit = cb.try_acquire().unwrap();
        panic!("the caller's own bug");
    }));
    let panic = result.unwrap_err();
    assert_eq!(panic.downcast_ref::<&str>(), Some(&"the caller's own bug"));
    assert_eq!(cb.metrics().total_cancelled, 1);
}

#[derive(Debug)]
struct PanickingBackoff;

impl Backoff for PanickingBackoff {
    fn backoff(&self, _: u32) -> Duration {
        panic!("backoff bug");
    }
}

/// Panics the first time it sees two failures.
#[derive(Debug, Default)]
struct PanickingPolicy(std::sync::atomic::AtomicBool);

impl TripPolicy for PanickingPolicy {
    fn should_trip(&self, window: &WindowSnapshot, _: &Config) -> Option<TripReason> {
        if window.failures >= 2 && !self.0.swap(true, Ordering::Relaxed) {
            panic!("policy bug");
        }
        None
    }
    fn may_trip_on_success(&self, _: &WindowSnapshot, _: &Config) -> bool {
        false
    }
}

/// User code under the lock panics: the breaker is left as it was, still
/// usable, and later calls work.
#[test]
fn a_panic_in_user_code_leaves_the_breaker_as_it_was() {
    let cb = CircuitBreaker::builder("backoff")
        .config(Config {
            max_failures: 1,
            ..Config::default()
        })
        .clock(ManualClock::new())
        .backoff(PanickingBackoff)
        .build()
        .unwrap();
    let permit = cb.try_acquire().unwrap();
    assert!(catch_unwind(AssertUnwindSafe(|| permit.record_failure())).is_err());
    let m = cb.metrics();
    assert_eq!(
        (m.state, m.circuit_open_count, m.consecutive_trips),
        (State::Closed, 0, 0)
    );
    assert!(cb.transitions().is_empty());
    cb.try_acquire().unwrap().record_success();

    let cb = CircuitBreaker::builder("policy")
        .clock(ManualClock::new())
        .trip_policy(PanickingPolicy::default())
        .build()
        .unwrap();
    fail(&cb, 1);
    let permit = cb.try_acquire().unwrap();
    assert!(catch_unwind(AssertUnwindSafe(|| permit.record_failure())).is_err());
    assert_eq!(cb.state(), State::Closed);
    succeed(&cb, 1);
}

#[test]
fn a_panicking_wall_clock_at_a_transition_changes_nothing() {
    #[derive(Debug, Clone)]
    struct FailLater(ManualClock, Arc<AtomicU32>);
    impl Clock for FailLater {
        fn now(&self) -> Duration {
            self.0.now()
        }
        fn wall_now(&self) -> std::time::SystemTime {
            assert!(self.1.fetch_add(1, Ordering::Relaxed) == 0, "clock bug");
            std::time::SystemTime::UNIX_EPOCH
        }
    }
    let cb = CircuitBreaker::builder("clock")
        .config(Config {
            max_failures: 1,
            ..Config::default()
        })
        .clock(FailLater(ManualClock::new(), Arc::default()))
        .build()
        .unwrap();
    let permit = cb.try_acquire().unwrap();
    assert!(catch_unwind(AssertUnwindSafe(|| permit.record_failure())).is_err());
    let m = cb.metrics();
    assert_eq!((m.state, m.circuit_open_count), (State::Closed, 0));
}

#[test]
fn metrics_are_read_from_one_snapshot() {
    let (cb, clock) = breaker(Config {
        max_failures: 1000,
        failure_threshold: 0.9,
        ..Config::default()
    });
    for i in 0..200u64 {
        clock.advance(Duration::from_millis(700));
        match i % 4 {
            0 => cb.try_acquire().unwrap().record_timeout(),
            1 => cb.try_acquire().unwrap().record_failure(),
            _ => cb.try_acquire().unwrap().record_success(),
        }
        let m = cb.metrics();
        assert!(m.timeout_count <= m.total_failures);
        assert!(m.window.failures <= m.total_failures);
        assert!(m.window.calls <= m.total_successes + m.total_failures);
        assert!(m.window.slow_calls <= m.total_slow);
    }
}

#[test]
fn a_dropped_permit_held_too_long_is_a_timeout() {
    let (cb, clock) = breaker(Config {
        abandoned_after: Some(Duration::from_secs(10)),
        ..Config::default()
    });
    let quick = cb.try_acquire().unwrap();
    clock.advance(Duration::from_secs(10));
    drop(quick);
    let slow = cb.try_acquire().unwrap();
    clock.advance(Duration::from_secs(11));
    drop(slow);
    let m = cb.metrics();
    assert_eq!(
        (m.total_cancelled, m.timeout_count, m.total_failures),
        (1, 1, 1)
    );
    // `None` keeps every drop cancelled.
    cb.reconfigure(Config {
        abandoned_after: None,
        ..Config::default()
    })
    .unwrap();
    let held = cb.try_acquire().unwrap();
    clock.advance(Duration::from_secs(3600));
    drop(held);
    assert_eq!(cb.metrics().total_cancelled, 2);
}

/// A caller that wraps its calls in its own timeout drops the permit of a
/// call that hangs. Held longer than `abandoned_after`, that drop is a
/// timeout, so a hung backend opens the breaker instead of going unseen.
#[test]
fn a_hung_backend_behind_a_caller_side_timeout_opens_the_breaker() {
    /// The breaker's clock is tokio's, which the paused runtime moves.
    #[derive(Debug)]
    struct TokioClock(tokio::time::Instant);
    impl Clock for TokioClock {
        fn now(&self) -> Duration {
            tokio::time::Instant::now() - self.0
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    runtime.block_on(async {
        let cb = CircuitBreaker::builder("hung")
            .config(Config {
                abandoned_after: Some(Duration::from_secs(1)),
                ..Config::default()
            })
            .clock(TokioClock(tokio::time::Instant::now()))
            .build()
            .unwrap();
        let hung_backend = || std::future::pending::<Result<(), std::io::Error>>();
        for _ in 0..5 {
            let call = cb.call(hung_backend);
            let timed_out = tokio::time::timeout(Duration::from_secs(2), call).await;
            assert!(timed_out.is_err());
        }
        assert_eq!(cb.state(), State::Open);
        let m = cb.metrics();
        assert_eq!((m.timeout_count, m.total_cancelled), (5, 0));
    });
}

#[test]
fn state_changes_carry_consecutive_epochs() {
    #[derive(Debug, Default)]
    struct Epochs(Mutex<Vec<(u64, State, State)>>);
    impl EventListener for Epochs {
        fn on_state_change(&self, _: &str, change: &StateChange) {
            self.0
                .lock()
                .unwrap()
                .push((change.epoch, change.from, change.to));
        }
    }
    let epochs = Arc::new(Epochs::default());
    let clock = ManualClock::new();
    let cb = CircuitBreaker::builder("epochs")
        .config(Config {
            max_failures: 1,
            max_requests: 1,
            ..Config::default()
        })
        .clock(clock.clone())
        .listener(Arc::clone(&epochs))
        .build()
        .unwrap();
    fail(&cb, 1);
    clock.advance(30 * SEC);
    cb.try_acquire().unwrap().record_success();
    cb.force_open();
    cb.force_closed();
    let seen = epochs.0.lock().unwrap();
    let got: Vec<u64> = seen.iter().map(|e| e.0).collect();
    assert_eq!(got, [1, 2, 3, 4, 5]);
    for pair in seen.windows(2) {
        assert_eq!(pair[0].2, pair[1].1);
    }
}
