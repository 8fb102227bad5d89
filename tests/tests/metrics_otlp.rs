//! The OTLP exporter (HTTP/protobuf, blocking reqwest client, periodic
//! reader) against a real OTLP receiver: `oteltap` from PyPI, run from the
//! test virtualenv, printing what it decoded as JSON.

mod metrics_support;

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use circuit_core::{Config, State};
use circuit_metrics::{BREAKER_METRICS, OtlpExporter};
use metrics_support::{
    Peer, call, free_tcp_port, measured_breaker, require_python_module, workspace_root,
};
use serde_json::Value;

/// The latest JSON of each metric name received, read from the receiver
/// until `done` accepts them or 30 s pass.
fn receive_until(
    lines: &Receiver<String>,
    latest: &mut BTreeMap<String, Value>,
    what: &str,
    done: impl Fn(&BTreeMap<String, Value>) -> Result<(), String>,
) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let last = match done(latest) {
            Ok(()) => return,
            Err(seen) => seen,
        };
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(
            !left.is_zero(),
            "timed out waiting for {what}; last seen: {last}"
        );
        if let Ok(line) = lines.recv_timeout(left.min(Duration::from_millis(500))) {
            let metric: Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
            let name = metric["name"].as_str().expect("a metric name").to_owned();
            latest.insert(name, metric);
        }
    }
}

fn attribute<'a>(point: &'a Value, key: &str) -> Option<&'a str> {
    point["attributes"]
        .as_array()?
        .iter()
        .find(|kv| kv["key"] == key)?["value"]["stringValue"]
        .as_str()
}

/// The data point of `metric` (under `kind`: sum, gauge, histogram) whose
/// attributes include `matching`.
fn point<'a>(
    metric: &'a Value,
    kind: &str,
    matching: &[(&str, &str)],
) -> Result<&'a Value, String> {
    metric[kind]["dataPoints"]
        .as_array()
        .ok_or_else(|| format!("{} has no {kind} points", metric["name"]))?
        .iter()
        .find(|p| matching.iter().all(|(k, v)| attribute(p, k) == Some(*v)))
        .ok_or_else(|| format!("{} has no point {matching:?}", metric["name"]))
}

/// An integer the protobuf JSON mapping prints as a string (64-bit).
fn int(v: &Value) -> u64 {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .or_else(|| v.as_u64())
        .unwrap_or(0)
}

fn calls(latest: &BTreeMap<String, Value>, outcome: &str) -> Result<u64, String> {
    let metric = latest
        .get("circuit_breaker.calls")
        .ok_or("no circuit_breaker.calls yet")?;
    Ok(int(&point(
        metric,
        "sum",
        &[("breaker", "kol-matcher"), ("outcome", outcome)],
    )?["asInt"]))
}

#[test]
fn an_otlp_receiver_gets_the_breaker_history() {
    let python = require_python_module("oteltap");
    let script = workspace_root().join("tests/peers/oteltap_receiver.py");
    let port = free_tcp_port();
    let mut command = Command::new(python);
    command.arg(&script).arg(port.to_string());
    let (_receiver, lines) = Peer::spawn_piped("oteltap receiver", command);
    let ready = lines.recv_timeout(Duration::from_secs(30));
    assert_eq!(
        ready.as_deref(),
        Ok("READY"),
        "the oteltap receiver did not start"
    );

    let config = Config {
        max_failures: 2,
        max_requests: 1,
        ..Config::default()
    };
    let (cb, clock, collector) = measured_breaker(config);
    let exporter = OtlpExporter::builder(Arc::clone(&collector))
        .endpoint(format!("http://127.0.0.1:{port}/v1/metrics"))
        .service_name("kol-metrics-test")
        .interval(Duration::from_secs(3600))
        .timeout(Duration::from_secs(10))
        .build()
        .expect("the OTLP exporter builds");

    // Scripted history: three successes, two failures trip it, one rejection.
    for millis in [4, 30, 30] {
        call(&cb, millis, true);
    }
    call(&cb, 700, false);
    call(&cb, 700, false);
    assert!(cb.try_acquire().is_err());
    assert_eq!(cb.state(), State::Open);
    exporter
        .force_flush()
        .expect("the receiver accepts the export");

    let mut latest = BTreeMap::new();
    receive_until(&lines, &mut latest, "every breaker metric", |latest| {
        let missing: Vec<&str> = BREAKER_METRICS
            .iter()
            .map(|d| d.name)
            .filter(|n| !latest.contains_key(*n))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!("missing {missing:?}"))
        }
    });

    for d in BREAKER_METRICS {
        let metric = &latest[d.name];
        assert_eq!(metric["unit"], d.unit.otel().as_ref(), "{}", d.name);
        assert_eq!(metric["description"], d.help, "{}", d.name);
    }
    assert!(
        !latest.keys().any(|n| n.contains("internal")),
        "the histogram replay driver is not exported"
    );
    let sum = &latest["circuit_breaker.calls"]["sum"];
    assert_eq!(sum["isMonotonic"], true);
    assert_eq!(
        sum["aggregationTemporality"],
        "AGGREGATION_TEMPORALITY_CUMULATIVE"
    );
    assert_eq!(calls(&latest, "success"), Ok(3));
    assert_eq!(calls(&latest, "failure"), Ok(2));
    assert_eq!(calls(&latest, "timeout"), Ok(0));
    let rejected = point(
        &latest["circuit_breaker.rejected_calls"],
        "sum",
        &[("breaker", "kol-matcher")],
    )
    .unwrap();
    assert_eq!(int(&rejected["asInt"]), 1);
    let open = point(
        &latest["circuit_breaker.state"],
        "gauge",
        &[("state", "open")],
    )
    .unwrap();
    assert_eq!(open["asDouble"], 1.0);
    let closed = point(
        &latest["circuit_breaker.state"],
        "gauge",
        &[("state", "closed")],
    )
    .unwrap();
    assert_eq!(closed["asDouble"], 0.0);
    let ratio = point(
        &latest["circuit_breaker.window.failure_ratio"],
        "gauge",
        &[("breaker", "kol-matcher")],
    )
    .unwrap();
    assert_eq!(ratio["asDouble"], 0.4);

    let duration = &latest["circuit_breaker.call.duration"];
    let success = point(
        duration,
        "histogram",
        &[("breaker", "kol-matcher"), ("outcome", "success")],
    )
    .unwrap();
    assert_eq!(int(&success["count"]), 3);
    let bounds: Vec<f64> = success["explicitBounds"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    assert_eq!(bounds, circuit_metrics::DEFAULT_LATENCY_BOUNDS.to_vec());
    let buckets: Vec<u64> = success["bucketCounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(int)
        .collect();
    assert_eq!(
        &buckets[..7],
        &[0, 0, 1, 0, 0, 2, 0],
        "4 ms in (2.5, 5] ms, 30 ms twice in (25, 50] ms"
    );
    let sum = success["sum"].as_f64().unwrap();
    assert!(
        (sum - 0.064).abs() <= 0.064 * circuit_metrics::MAX_RELATIVE_ERROR,
        "sum {sum}"
    );
    let failure = point(duration, "histogram", &[("outcome", "failure")]).unwrap();
    let buckets: Vec<u64> = failure["bucketCounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(int)
        .collect();
    assert_eq!(buckets[10], 2, "700 ms twice in (0.5, 0.75] s");

    // Later history: the breaker recovers; the next export is cumulative
    // and replays only the new calls.
    clock.advance(Duration::from_secs(31));
    call(&cb, 4, true);
    assert_eq!(cb.state(), State::Closed);
    exporter
        .force_flush()
        .expect("the receiver accepts the second export");
    // Metrics of one export arrive one by one: wait for all that changed.
    receive_until(&lines, &mut latest, "the second export", |latest| {
        let get = |name: &str| latest.get(name).ok_or(format!("no {name}"));
        let closed = point(
            get("circuit_breaker.state")?,
            "gauge",
            &[("state", "closed")],
        )?["asDouble"]
            .clone();
        let attempts = int(&point(get("circuit_breaker.recovery_attempts")?, "sum", &[])?["asInt"]);
        let latency = point(
            get("circuit_breaker.call.duration")?,
            "histogram",
            &[("outcome", "success")],
        )?;
        let seen = (
            calls(latest, "success")?,
            closed,
            attempts,
            int(&latency["count"]),
        );
        if seen == (4, Value::from(1.0), 1, 4) {
            Ok(())
        } else {
            Err(format!("{seen:?}"))
        }
    });
    let success = point(
        &latest["circuit_breaker.call.duration"],
        "histogram",
        &[("outcome", "success")],
    )
    .unwrap();
    let buckets: Vec<u64> = success["bucketCounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(int)
        .collect();
    assert_eq!(
        &buckets[..7],
        &[0, 0, 2, 0, 0, 2, 0],
        "the first three calls were not replayed twice"
    );

    exporter.shutdown().expect("a clean shutdown");
}
