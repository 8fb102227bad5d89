use std::time::Duration;

use circuit_core::{Config, ManualClock};

use super::*;
use crate::model::Snapshot;
use crate::{Collector, names};

fn scripted() -> (Arc<CircuitBreaker>, ManualClock, Collector) {
    let clock = ManualClock::new();
    let latency = LatencyRecorder::new();
    let config = Config {
        max_failures: 3,
        recovery_timeout: Duration::from_secs(30),
        ..Config::default()
    };
    let cb = Arc::new(
        CircuitBreaker::builder("kol-matcher")
            .config(config)
            .clock(clock.clone())
            .listener(latency.clone())
            .build()
            .unwrap(),
    );
    let collector = Collector::new();
    collector.register(BreakerSource::new(Arc::clone(&cb)).with_latency(latency));
    (cb, clock, collector)
}

fn value<'a>(snapshot: &'a Snapshot, name: &str, matching: &[(&str, &str)]) -> &'a Value {
    &snapshot
        .find(name, matching)
        .unwrap_or_else(|| panic!("no {name} {matching:?}"))
        .value
}

#[test]
fn a_scripted_history_is_reported() {
    let (cb, clock, collector) = scripted();
    for _ in 0..4 {
        let mut permit = cb.try_acquire().unwrap();
        permit.set_latency(Duration::from_millis(20));
        permit.record_success();
    }
    let mut slow = cb.try_acquire().unwrap();
    slow.set_latency(Duration::from_secs(6));
    slow.record_timeout();
    cb.try_acquire().unwrap().record_ignored();
    drop(cb.try_acquire().unwrap());
    cb.try_acquire().unwrap().record_failure();
    cb.try_acquire().unwrap().record_failure();
    assert!(cb.try_acquire().is_err());
    assert!(cb.try_acquire().is_err());
    clock.advance(Duration::from_secs(10));

    let s = collector.snapshot();
    assert_eq!(s.sources.len(), 1);
    assert_eq!(s.sources[0].source, "circuit_breaker/kol-matcher");
    let b = ("breaker", "kol-matcher");
    for state in State::ALL {
        let expected = if state == State::Open { 1.0 } else { 0.0 };
        assert_eq!(
            value(&s, "circuit_breaker.state", &[b, ("state", state.as_str())]),
            &Value::Gauge(expected)
        );
    }
    for (outcome, n) in [
        ("success", 4),
        ("failure", 2),
        ("timeout", 1),
        ("ignored", 1),
        ("cancelled", 1),
    ] {
        assert_eq!(
            value(&s, "circuit_breaker.calls", &[b, ("outcome", outcome)]),
            &Value::Counter(n),
            "{outcome}"
        );
    }
    assert_eq!(
        value(&s, "circuit_breaker.rejected_calls", &[b]),
        &Value::Counter(2)
    );
    assert_eq!(
        value(&s, "circuit_breaker.slow_calls", &[b]),
        &Value::Counter(1)
    );
    assert_eq!(value(&s, "circuit_breaker.trips", &[b]), &Value::Counter(1));
    assert_eq!(
        value(&s, "circuit_breaker.recovery_attempts", &[b]),
        &Value::Counter(0)
    );
    assert_eq!(
        value(
            &s,
            "circuit_breaker.window.calls",
            &[b, ("outcome", "success")]
        ),
        &Value::Gauge(4.0)
    );
    assert_eq!(
        value(
            &s,
            "circuit_breaker.window.calls",
            &[b, ("outcome", "failure")]
        ),
        &Value::Gauge(3.0)
    );
    assert_eq!(
        value(&s, "circuit_breaker.window.slow_calls", &[b]),
        &Value::Gauge(1.0)
    );
    assert_eq!(
        value(&s, "circuit_breaker.window.failure_ratio", &[b]),
        &Value::Gauge(3.0 / 7.0)
    );
    assert_eq!(
        value(&s, "circuit_breaker.consecutive_failures", &[b]),
        &Value::Gauge(3.0)
    );
    assert_eq!(
        value(&s, "circuit_breaker.backoff", &[b]),
        &Value::Gauge(0.0)
    );
    assert_eq!(
        value(&s, "circuit_breaker.retry_after", &[b]),
        &Value::Gauge(20.0)
    );
    let Value::Gauge(changed) = value(&s, "circuit_breaker.last_state_change", &[b]) else {
        panic!()
    };
    assert!(
        *changed > 1.5e9,
        "a Unix time, not a clock offset: {changed}"
    );
    // The config's thresholds (no slow-call rule: no slow_call series).
    assert_eq!(
        value(
            &s,
            "circuit_breaker.threshold.ratio",
            &[b, ("rule", "failure")]
        ),
        &Value::Gauge(0.6)
    );
    assert!(
        s.find(
            "circuit_breaker.threshold.ratio",
            &[b, ("rule", "slow_call")]
        )
        .is_none()
    );
    assert_eq!(
        value(&s, "circuit_breaker.threshold.consecutive_failures", &[b]),
        &Value::Gauge(3.0)
    );
    assert_eq!(
        value(&s, "circuit_breaker.threshold.slow_call", &[b]),
        &Value::Gauge(5.0)
    );
    assert_eq!(
        value(&s, "circuit_breaker.threshold.learned", &[b]),
        &Value::Gauge(0.0)
    );

    let Value::Histogram(success) = value(
        &s,
        "circuit_breaker.call.duration",
        &[b, ("outcome", "success")],
    ) else {
        panic!("success latency");
    };
    assert_eq!(
        (success.count(), success.sum()),
        (4, Duration::from_millis(80))
    );
    let Value::Histogram(timeout) = value(
        &s,
        "circuit_breaker.call.duration",
        &[b, ("outcome", "timeout")],
    ) else {
        panic!("timeout latency");
    };
    assert_eq!(
        timeout.counts_at(&[Duration::from_secs(5), Duration::from_secs(10)]),
        vec![0, 1, 0]
    );
}

#[test]
fn every_sample_matches_its_descriptor() {
    let (cb, _, collector) = scripted();
    cb.try_acquire().unwrap().record_success();
    let s = collector.snapshot();
    let mut seen = Vec::new();
    for sample in s.samples() {
        let d = sample.descriptor;
        assert!(
            BREAKER_METRICS.iter().any(|m| std::ptr::eq(*m, d)),
            "{} is not in the table",
            d.name
        );
        assert_eq!(sample.attributes.len(), d.attributes.len(), "{}", d.name);
        let fits = matches!(
            (d.kind, &sample.value),
            (Kind::Counter, Value::Counter(_))
                | (Kind::Gauge, Value::Gauge(_))
                | (Kind::Histogram, Value::Histogram(_))
        );
        assert!(fits, "{} has a {:?} value", d.name, sample.value);
        if !seen.contains(&d.name) {
            seen.push(d.name);
        }
    }
    let table: Vec<&str> = BREAKER_METRICS.iter().map(|d| d.name).collect();
    assert_eq!(seen, table, "samples come in table order and cover it");
}

#[test]
fn without_a_recorder_there_is_no_histogram() {
    let cb = Arc::new(CircuitBreaker::builder("plain").build().unwrap());
    let collector = Collector::new();
    let id = collector.register(BreakerSource::new(cb));
    assert!(
        collector
            .snapshot()
            .find("circuit_breaker.call.duration", &[])
            .is_none()
    );
    assert!(collector.unregister(id));
    assert!(collector.is_empty());
    assert!(!collector.unregister(id));
}

/// docs/metrics.md is the one table users read: every metric, each
/// target's name, its unit and its attributes must be in it.
#[test]
fn the_docs_table_lists_every_metric_under_every_name() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/metrics.md");
    let docs = std::fs::read_to_string(path).expect("docs/metrics.md exists");
    for d in BREAKER_METRICS.iter().chain(&crate::REGISTRY_METRICS) {
        let row = docs
            .lines()
            .find(|line| line.starts_with(&format!("| `{}`", d.name)))
            .unwrap_or_else(|| panic!("no row for `{}` in docs/metrics.md", d.name));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let kind = match d.kind {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        };
        assert_eq!(cells[2], kind, "{row}");
        assert_eq!(cells[3], format!("`{}`", d.unit.otel()), "{row}");
        let attributes: Vec<String> = d.attributes.iter().map(|a| format!("`{a}`")).collect();
        assert_eq!(cells[4], attributes.join(", "), "{row}");
        assert_eq!(
            cells[5],
            format!("`{}`", names::prometheus_name(d)),
            "{row}"
        );
        // StatsD path style: the name, then one segment per attribute value.
        assert_eq!(names::statsd_name(d, [], true), d.name);
        let statsd: String = d.attributes.iter().map(|a| format!(".<{a}>")).collect();
        assert!(
            cells[6].starts_with(&format!("`{}{statsd}`", d.name)),
            "{row}"
        );
    }
}

#[test]
fn learned_thresholds_are_reported_as_the_policy_learns_them() {
    let clock = ManualClock::new();
    let cb = Arc::new(
        CircuitBreaker::builder("kol-budget")
            .clock(clock.clone())
            .trip_policy(circuit_core::AdaptivePolicy::default())
            .build()
            .unwrap(),
    );
    let collector = Collector::new();
    collector.register(BreakerSource::new(Arc::clone(&cb)));
    // Ten minutes at 20 calls a second, 1 % failing, 100 ms each.
    for i in 0..12_000u32 {
        clock.advance(Duration::from_millis(50));
        let mut permit = cb.try_acquire().unwrap();
        permit.set_latency(Duration::from_millis(100));
        if i % 100 == 50 {
            permit.record_failure();
        } else {
            permit.record_success();
        }
    }
    let s = collector.snapshot();
    let b = ("breaker", "kol-budget");
    assert_eq!(
        value(&s, "circuit_breaker.threshold.learned", &[b]),
        &Value::Gauge(1.0)
    );
    // The 5 % floor, 4 failures in a row, slow above 3 × the learned p99,
    // and a slow-call rule of its own.
    assert_eq!(
        value(
            &s,
            "circuit_breaker.threshold.ratio",
            &[b, ("rule", "failure")]
        ),
        &Value::Gauge(0.05)
    );
    assert_eq!(
        value(&s, "circuit_breaker.threshold.consecutive_failures", &[b]),
        &Value::Gauge(4.0)
    );
    let Value::Gauge(slow) = value(&s, "circuit_breaker.threshold.slow_call", &[b]) else {
        panic!()
    };
    assert!((0.28..0.32).contains(slow), "{slow}");
    assert!(
        s.find(
            "circuit_breaker.threshold.ratio",
            &[b, ("rule", "slow_call")]
        )
        .is_some()
    );
}
