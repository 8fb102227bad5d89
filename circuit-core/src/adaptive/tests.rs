//! The adaptive policy's rules, each on a real breaker and a manual clock.

use std::sync::Arc;
use std::time::Duration;

use crate::{
    AdaptivePolicy, AdaptiveSettings, CircuitBreaker, Config, ManualClock, State, TripReason,
};

const SEC: Duration = Duration::from_secs(1);
const MIN: Duration = Duration::from_secs(60);
const HEALTHY: Duration = Duration::from_millis(200);

struct Backend {
    cb: CircuitBreaker,
    clock: ManualClock,
    policy: Arc<AdaptivePolicy>,
    calls: u64,
}

impl Backend {
    fn new(config: Config, settings: AdaptiveSettings) -> Self {
        let clock = ManualClock::new();
        let policy = Arc::new(AdaptivePolicy::new(settings).unwrap());
        let cb = CircuitBreaker::builder("adaptive")
            .config(config)
            .clock(clock.clone())
            .trip_policy(Arc::clone(&policy))
            .build()
            .unwrap();
        Self {
            cb,
            clock,
            policy,
            calls: 0,
        }
    }

    fn with_defaults() -> Self {
        Self::new(Config::default(), AdaptiveSettings::default())
    }

    /// `per_second` calls a second for `length`, one in `fail_every`
    /// failing (never two in a row for `fail_every > 1`, and not the last
    /// one), each taking `latency`; 0: none fails. Rejected calls are
    /// skipped.
    fn traffic(&mut self, length: Duration, per_second: u32, fail_every: u64, latency: Duration) {
        let gap = SEC / per_second;
        let calls = length.as_nanos() / gap.as_nanos();
        for _ in 0..calls {
            self.clock.advance(gap);
            self.calls += 1;
            let Ok(mut permit) = self.cb.try_acquire() else {
                continue;
            };
            permit.set_latency(latency);
            if fail_every > 0 && (self.calls + fail_every / 2) % fail_every == 0 {
                permit.record_failure();
            } else {
                permit.record_success();
            }
        }
    }

    /// Thirty minutes at 20 calls a second, 1 % failing, 200 ms each.
    fn learn_normal(&mut self) {
        self.traffic(30 * MIN, 20, 100, HEALTHY);
        let baseline = self.policy.baseline();
        assert!(baseline.ready, "{baseline}");
        assert_eq!(self.cb.state(), State::Closed);
    }

    fn fail(&self, n: usize) {
        for _ in 0..n {
            if let Ok(p) = self.cb.try_acquire() {
                p.record_failure();
            }
        }
    }
}

/// Why the breaker first opened.
fn first_trip(cb: &CircuitBreaker) -> crate::TransitionReason {
    cb.transitions()
        .into_iter()
        .find(|t| t.from == State::Closed && t.to == State::Open)
        .expect("it tripped")
        .reason
}

fn near(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance
}

#[test]
fn it_learns_the_normal_and_tightens_the_thresholds() {
    let mut b = Backend::with_defaults();
    let m = b.cb.metrics();
    assert!(!m.thresholds.learned);
    b.learn_normal();
    let baseline = b.policy.baseline();
    assert!(near(baseline.failure_rate, 0.01, 0.001), "{baseline}");
    let p99 = baseline.latency_p99.unwrap();
    assert!(p99 > Duration::from_millis(185) && p99 < Duration::from_millis(215));
    // Metrics show the learned thresholds: 4 failures in a row (rare at
    // 1 %) instead of 5, the floor's 5 % instead of 60 %, slow above 3 ×
    // p99 instead of 5 s.
    let t = b.cb.metrics().thresholds;
    assert!(t.learned);
    assert_eq!((t.max_failures, t.failure_rate), (4, 0.05));
    assert_eq!(t.slow_call, p99 * 3);
    assert_eq!(t.slow_call_rate, Some(0.05));
    assert_eq!(baseline.thresholds, Some(t));
    // And they are the ones that judge: four failures open it.
    b.fail(3);
    assert_eq!(b.cb.state(), State::Closed);
    b.fail(1);
    assert_eq!(b.cb.state(), State::Open);
    assert_eq!(
        first_trip(&b.cb).to_string(),
        "tripped: 4 consecutive failures (max 4)"
    );
}

#[test]
fn a_statistically_meaningful_rise_trips_and_noise_does_not() {
    let mut b = Backend::with_defaults();
    b.learn_normal();
    // 3 % (one in 33, never two in a row): under the 5 % floor.
    b.traffic(5 * MIN, 20, 33, HEALTHY);
    assert_eq!(b.cb.state(), State::Closed);
    // 10 %: far above 1 % over a full window.
    b.traffic(MIN, 20, 10, HEALTHY);
    assert_eq!(b.cb.state(), State::Open);
    // On the learned rate test: the window's (5 %) or its newest bucket's.
    assert!(matches!(
        first_trip(&b.cb),
        crate::TransitionReason::Tripped(TripReason::FailureRate { .. })
    ));
}

#[test]
fn no_learning_from_an_incident_open_or_half_open() {
    let mut b = Backend::with_defaults();
    b.learn_normal();
    let before = b.policy.baseline();
    // A hard outage: trips, then probes fail for ten minutes.
    b.traffic(10 * MIN, 20, 1, HEALTHY);
    assert_ne!(b.cb.state(), State::Closed);
    let during = b.policy.baseline();
    assert_eq!(during.failure_rate, before.failure_rate);
    assert_eq!(during.buckets_learned, before.buckets_learned);
    assert!(during.buckets_not_steady > before.buckets_not_steady);
    // Recovered: it closes and learns again from where it was.
    b.traffic(10 * MIN, 20, 100, HEALTHY);
    assert_eq!(b.cb.state(), State::Closed);
    let after = b.policy.baseline();
    assert!(after.buckets_learned > during.buckets_learned);
    assert!(near(after.failure_rate, 0.01, 0.001), "{after}");
}

#[test]
fn no_learning_while_the_window_is_past_its_threshold() {
    // min_requests out of reach: the rate rule cannot trip the breaker,
    // so the window stays past the learned threshold while closed.
    let mut b = Backend::new(
        Config {
            min_requests: 1_000_000,
            ..Config::default()
        },
        AdaptiveSettings::default(),
    );
    b.learn_normal();
    let before = b.policy.baseline();
    // 20 % for ten minutes, never two failures in a row.
    b.traffic(10 * MIN, 20, 5, HEALTHY);
    assert_eq!(b.cb.state(), State::Closed);
    let after = b.policy.baseline();
    assert!(after.buckets_past_threshold >= 95, "{after}");
    assert_eq!(after.failure_rate, before.failure_rate);
    assert!(b.cb.metrics().window.failure_rate > after.thresholds.unwrap().failure_rate);
}

#[test]
fn no_learning_during_a_recovery_ramp() {
    let mut b = Backend::new(
        Config {
            recovery_ramp: 5 * MIN,
            ..Config::default()
        },
        AdaptiveSettings::default(),
    );
    b.learn_normal();
    b.fail(4);
    b.clock.advance(MIN);
    // Probes succeed; then a ramp of five minutes, 2 % failing.
    b.traffic(5 * SEC, 20, 0, HEALTHY);
    assert!(b.cb.metrics().admitted_share < 1.0);
    let at_close = b.policy.baseline();
    b.traffic(4 * MIN, 20, 50, HEALTHY);
    assert!(b.cb.metrics().admitted_share < 1.0);
    let ramping = b.policy.baseline();
    assert_eq!(ramping.buckets_learned, at_close.buckets_learned);
    assert_eq!(ramping.failure_rate, at_close.failure_rate);
    // Past the ramp's end, it learns again.
    b.traffic(3 * MIN, 20, 100, HEALTHY);
    assert_eq!(b.cb.metrics().admitted_share, 1.0);
    assert!(b.policy.baseline().buckets_learned > ramping.buckets_learned);
}

#[test]
fn upward_learning_has_a_bounded_pace_and_downward_does_not() {
    let mut b = Backend::with_defaults();
    b.learn_normal();
    let start = b.policy.baseline();
    // An hour at 4 %, 550 ms: below every threshold (5 %, 3 × p99), so it
    // is learned, but at most ×2 per hour plus half a point per hour,
    // compounding: (p + c)·2 − c after an hour, c = 0.005 / ln 2. A plain
    // 30-minute average would be at 3.6 %, and the p99 at 550 ms.
    b.traffic(60 * MIN, 20, 25, Duration::from_millis(550));
    assert_eq!(b.cb.state(), State::Closed);
    let boiled = b.policy.baseline();
    let c = 0.005 / std::f64::consts::LN_2;
    assert!(
        boiled.failure_rate <= (start.failure_rate + c) * 2.0 - c + 1e-9,
        "{boiled}"
    );
    assert!(boiled.failure_rate > start.failure_rate * 1.5);
    let (p99, was) = (boiled.latency_p99.unwrap(), start.latency_p99.unwrap());
    assert!(p99 <= was * 2 && p99 > was, "{p99:?} from {was:?}");
    // Better again: followed as fast as the learned average moves, with no
    // cap (a p99 falls once the slower calls fade below 1 % of the learned
    // ones).
    b.traffic(10 * MIN, 20, 0, Duration::from_millis(100));
    let better = b.policy.baseline();
    assert!(better.failure_rate < boiled.failure_rate, "{better}");
    b.traffic(150 * MIN, 20, 0, Duration::from_millis(100));
    let healed = b.policy.baseline();
    assert!(healed.failure_rate < 0.001, "{healed}");
    assert!(healed.latency_p99.unwrap() < Duration::from_millis(110));
}

#[test]
fn a_slow_boil_trips_before_it_is_learned_as_normal() {
    let mut b = Backend::with_defaults();
    b.learn_normal();
    // From 1 % to 20 % a point every ten minutes: 3 h to get there.
    for every in [50, 33, 25, 20, 16, 14, 12, 11, 10, 9, 8, 7, 6, 5] {
        b.traffic(10 * MIN, 20, every, HEALTHY);
        if b.cb.state() != State::Closed {
            break;
        }
    }
    assert_ne!(b.cb.state(), State::Closed);
    let baseline = b.policy.baseline();
    assert!(baseline.failure_rate < 0.05, "{baseline}");
}

#[test]
fn too_few_calls_falls_back_to_the_config() {
    // One call every 10 s for two hours, 1 % failing: never enough calls.
    let mut b = Backend::with_defaults();
    for _ in 0..720 {
        b.clock.advance(10 * SEC);
        b.calls += 1;
        let p = b.cb.try_acquire().unwrap();
        if b.calls % 100 == 0 {
            p.record_failure();
        } else {
            p.record_success();
        }
    }
    let baseline = b.policy.baseline();
    assert!(!baseline.ready && baseline.calls < 1_000, "{baseline}");
    let t = b.cb.metrics().thresholds;
    assert_eq!(t, crate::Thresholds::of(&Config::default()));
    // The config's five failures in a row, not a learned four.
    b.fail(4);
    assert_eq!(b.cb.state(), State::Closed);
    b.fail(1);
    assert_eq!(b.cb.state(), State::Open);
}

#[test]
fn while_warming_up_the_config_judges() {
    let mut b = Backend::with_defaults();
    // Four minutes of busy traffic: plenty of calls, not yet the warm-up.
    b.traffic(4 * MIN, 20, 100, HEALTHY);
    assert!(!b.policy.baseline().ready);
    assert!(!b.cb.metrics().thresholds.learned);
    b.fail(5);
    assert!(matches!(
        first_trip(&b.cb),
        crate::TransitionReason::Tripped(TripReason::ConsecutiveFailures {
            count: 5,
            threshold: 5
        })
    ));
}

#[test]
fn latency_is_judged_against_the_learned_p99() {
    for judged in [true, false] {
        let settings = AdaptiveSettings {
            slow_call_p99_multiple: judged.then_some(3.0),
            ..AdaptiveSettings::default()
        };
        let mut b = Backend::new(Config::default(), settings);
        b.learn_normal();
        // p99 200 ms → 2 s, no errors; 2 s is under the config's 5 s.
        b.traffic(MIN, 20, 0, 2 * SEC);
        let m = b.cb.metrics();
        if judged {
            assert_eq!(m.state, State::Open);
            assert!(m.total_slow > 0);
            assert!(matches!(
                first_trip(&b.cb),
                crate::TransitionReason::Tripped(TripReason::SlowCallRate { .. })
            ));
        } else {
            assert_eq!((m.state, m.total_slow), (State::Closed, 0));
            assert_eq!(
                m.thresholds.slow_call,
                Config::default().slow_call_threshold
            );
        }
    }
}

#[test]
fn reconfigure_keeps_what_was_learned_and_forget_starts_over() {
    let mut b = Backend::with_defaults();
    b.learn_normal();
    let learned = b.policy.baseline();
    b.cb.reconfigure(Config {
        recovery_timeout: 10 * SEC,
        monitor_window: 2 * MIN,
        min_requests: 20,
        ..Config::default()
    })
    .unwrap();
    let kept = b.policy.baseline();
    assert!(kept.ready);
    assert_eq!(kept.failure_rate, learned.failure_rate);
    assert_eq!(kept.latency_p99, learned.latency_p99);
    // The new config applies, with the learned thresholds.
    let t = b.cb.metrics().thresholds;
    assert!(t.learned && t.min_requests == 20);
    let slow = b.cb.metrics().total_slow;
    b.traffic(SEC, 20, 0, SEC);
    assert!(b.cb.metrics().total_slow > slow, "1 s is slow at 3 × p99");
    // Forgetting: the config's thresholds again; the breaker's cached
    // slow-call threshold follows from its next bucket.
    b.policy.forget();
    let forgotten = b.policy.baseline();
    assert!(!forgotten.ready && forgotten.buckets_learned == 0);
    assert!(!b.cb.metrics().thresholds.learned);
    b.clock.advance(MIN);
    b.traffic(SEC, 20, 0, HEALTHY);
    let slow = b.cb.metrics().total_slow;
    b.traffic(SEC, 20, 0, SEC);
    assert_eq!(b.cb.metrics().total_slow, slow, "1 s is not slow at 5 s");
}

#[test]
fn a_success_that_completes_min_requests_can_trip_a_learned_window() {
    // Rule 1 with learned thresholds, and the success path still lock-free
    // in between: 7 failures (never two in a row) in the first 19 calls of
    // an empty window are not judged on rate (min_requests 20); the
    // success that completes 20 calls trips it.
    let mut b = Backend::new(
        Config {
            min_requests: 20,
            ..Config::default()
        },
        AdaptiveSettings::default(),
    );
    b.learn_normal();
    b.clock.advance(2 * MIN);
    for i in 0..19 {
        let p = b.cb.try_acquire().unwrap();
        if i % 3 == 0 {
            p.record_failure();
        } else {
            p.record_success();
        }
    }
    assert_eq!(b.cb.state(), State::Closed);
    b.cb.try_acquire().unwrap().record_success();
    assert_eq!(b.cb.state(), State::Open);
    assert!(matches!(
        first_trip(&b.cb),
        crate::TransitionReason::Tripped(TripReason::FailureRate { .. })
    ));
}

#[test]
fn a_sharp_rise_shows_in_the_newest_bucket_within_seconds() {
    let mut b = Backend::with_defaults();
    b.learn_normal();
    // A third failing, never two in a row: the whole window would reach
    // 5 % only after about 8 s; the newest bucket is convincing sooner.
    let mut seconds = 0;
    while b.cb.state() == State::Closed {
        b.traffic(SEC, 20, 3, HEALTHY);
        seconds += 1;
        assert!(seconds < 60, "never tripped");
    }
    assert!(seconds <= 4, "tripped after {seconds} s");
}
