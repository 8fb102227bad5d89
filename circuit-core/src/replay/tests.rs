use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::{AdaptivePolicy, DefaultTripPolicy};

const SEC: Duration = Duration::from_secs(1);

fn call(at_ms: u64, outcome: Outcome) -> TraceCall {
    TraceCall {
        at: Duration::from_millis(at_ms),
        outcome,
        latency: Duration::from_millis(50),
    }
}

/// 100 ms apart: 100 successes, 20 failures (the incident), 100 successes.
fn outage() -> Trace {
    let mut calls = Vec::new();
    for i in 0..220u64 {
        let outcome = if (100..120).contains(&i) {
            Outcome::Failure
        } else {
            Outcome::Success
        };
        calls.push(call(i * 100, outcome));
    }
    calls.reverse();
    Trace::new(calls, vec![10 * SEC..12 * SEC], 30 * SEC)
}

#[test]
fn a_trace_sorts_its_calls_and_reaches_past_the_last_one() {
    let t = outage();
    assert!(t.calls().windows(2).all(|w| w[0].at <= w[1].at));
    assert_eq!(t.end(), 30 * SEC);
    let short = Trace::new(vec![call(5_000, Outcome::Success)], vec![], SEC);
    assert_eq!(short.end(), Duration::from_millis(5_050));
    assert!(t.in_incident(11 * SEC) && !t.in_incident(12 * SEC));
}

#[test]
fn a_replay_is_scored_by_what_the_breaker_did() {
    let trace = outage();
    let run = replay(&trace, Config::default(), DefaultTripPolicy).unwrap();
    // The fifth failure opens it: 400 ms in (calls every 100 ms; each is
    // recorded 50 ms after it starts).
    assert_eq!(run.changes[0].from, State::Closed);
    assert_eq!(run.changes[0].at, Duration::from_millis(10_450));
    let score = run.score(&trace);
    assert_eq!(
        score.detections,
        vec![Detection::After(Duration::from_millis(450))]
    );
    // Five calls reach the dead backend; then it is open (30 s) from
    // 10.45 s to the trace's end at 30 s: 18 s of that after the incident.
    assert_eq!(score.calls_into_incidents, vec![5]);
    assert_eq!(score.false_trips, 0);
    assert_eq!(score.open_while_healthy, Duration::from_secs(18));
    assert_eq!(run.admitted.iter().filter(|a| **a).count(), 105);
    assert_eq!(run.metrics.total_requests, 105);
}

#[test]
fn trips_outside_incidents_are_false_and_open_already_is_not_detection() {
    let trace = outage();
    // Every failure trips: the incident's first failure does; a trace whose
    // incident starts later finds it open already, and the trip is false.
    let hair_trigger = Config {
        max_failures: 1,
        ..Config::default()
    };
    let late = Trace::new(
        trace.calls().to_vec(),
        vec![Duration::from_millis(10_500)..12 * SEC],
        30 * SEC,
    );
    let score = replay(&late, hair_trigger, DefaultTripPolicy)
        .unwrap()
        .score(&late);
    assert_eq!(score.detections, vec![Detection::AlreadyOpen]);
    assert_eq!(score.false_trips, 1);
    let none = Trace::new(trace.calls()[..100].to_vec(), vec![SEC..2 * SEC], 20 * SEC);
    let score = replay(&none, Config::default(), DefaultTripPolicy)
        .unwrap()
        .score(&none);
    assert_eq!(score.detections, vec![Detection::Missed]);
    assert_eq!(score.open_while_healthy, Duration::ZERO);
    assert_eq!(Detection::Missed.to_string(), "missed");
    assert_eq!(
        Detection::After(1500 * Duration::from_millis(1)).to_string(),
        "1.5 s"
    );
}

#[test]
fn the_same_seed_gives_the_same_trace_and_the_same_replay() {
    for scenario in Scenario::ALL {
        let a = scenario.trace(3);
        assert_eq!(a, scenario.trace(3));
        assert_ne!(a, scenario.trace(4));
        if scenario == Scenario::LowTraffic {
            let policy = Arc::new(AdaptivePolicy::default());
            let one = replay(&a, scenario.user_config(), Arc::clone(&policy)).unwrap();
            let two = replay(&a, scenario.user_config(), AdaptivePolicy::default()).unwrap();
            assert_eq!(one.changes, two.changes);
            assert_eq!(one.admitted, two.admitted);
        }
    }
}

/// Shares of failed calls inside and outside the incident, and calls per
/// second.
fn shape(trace: &Trace) -> (f64, f64, f64) {
    let share = |inside: bool| {
        let calls: Vec<_> = trace
            .calls()
            .iter()
            .filter(|c| trace.in_incident(c.at) == inside)
            .collect();
        calls
            .iter()
            .filter(|c| c.outcome == Outcome::Failure)
            .count() as f64
            / calls.len() as f64
    };
    let rate = trace.calls().len() as f64 / trace.end().as_secs_f64();
    (share(true), share(false), rate)
}

#[test]
fn the_scenarios_are_what_the_issue_describes() {
    let near = |a: f64, b: f64, tolerance: f64| (a - b).abs() <= tolerance;
    let (inside, outside, rate) = shape(&Scenario::Step.trace(1));
    assert!(near(inside, 0.15, 0.02) && near(outside, 0.01, 0.002) && near(rate, 20.0, 0.3));
    let (inside, outside, _) = shape(&Scenario::NoisyDependency.trace(1));
    assert!(near(inside, 0.9, 0.02) && near(outside, 0.5, 0.01));
    let (inside, _, _) = shape(&Scenario::SlowBoil.trace(1));
    // 1 % to 60 % over 20 min, then 60 % for 5: about 0.36 on average.
    assert!(near(inside, 0.366, 0.02), "{inside}");
    let low = Scenario::LowTraffic.trace(1);
    assert!(
        low.calls()
            .windows(2)
            .all(|w| w[1].at - w[0].at == 10 * SEC)
    );
    let (inside, _, _) = shape(&low);
    assert!(near(inside, 1.0 / 3.0, 0.06));
    let latency = Scenario::LatencyRegression.trace(1);
    let p99 = |inside: bool| {
        let mut l: Vec<Duration> = latency
            .calls()
            .iter()
            .filter(|c| latency.in_incident(c.at) == inside)
            .map(|c| c.latency)
            .collect();
        l.sort();
        l[l.len() * 99 / 100].as_secs_f64()
    };
    assert!(near(p99(false), 0.2, 0.02) && near(p99(true), 2.0, 0.25));
    assert!(
        latency
            .calls()
            .iter()
            .all(|c| c.outcome == Outcome::Success)
    );
    let blip = Scenario::Blip.trace(1);
    let (inside, _, rate) = shape(&blip);
    assert!(inside == 1.0 && near(rate, 50.0, 0.5));
    assert_eq!(
        blip.incidents()[0].end - blip.incidents()[0].start,
        20 * SEC
    );
    for scenario in Scenario::ALL {
        scenario.hand_tuned().validate().unwrap();
        scenario.user_config().validate().unwrap();
        assert!(!scenario.title().is_empty() && !scenario.hand_tuning().is_empty());
    }
}
