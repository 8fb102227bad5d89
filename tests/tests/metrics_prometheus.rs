//! The Prometheus exporter against a real Prometheus server (Debian's
//! `prometheus` package): it scrapes our `/metrics` every second and we
//! read the breaker's series back through its HTTP API.

mod metrics_support;

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use circuit_core::{Config, State};
use circuit_metrics::PrometheusExporter;
use metrics_support::{
    Peer, TempDir, call, free_tcp_port, http_get, measured_breaker, require_binary, url_encode,
    wait_for,
};

/// Every `circuit_breaker_*` series of breaker `kol-matcher` Prometheus
/// holds now, keyed `name{label="value",…}` (labels sorted, `job` and
/// `instance` dropped), valued as Prometheus prints it.
fn series(port: u16) -> Result<BTreeMap<String, String>, String> {
    let query = url_encode(r#"{__name__=~"circuit_breaker_.+",breaker="kol-matcher"}"#);
    let (status, body) = http_get(port, &format!("/api/v1/query?query={query}"))?;
    if status != 200 {
        return Err(format!("status {status}: {body}"));
    }
    let json: serde_json::Value =
        serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"))?;
    let results = json["data"]["result"]
        .as_array()
        .ok_or_else(|| format!("no result in {body}"))?;
    let mut out = BTreeMap::new();
    for r in results {
        let metric = r["metric"].as_object().ok_or("no metric")?;
        let name = metric
            .get("__name__")
            .and_then(|v| v.as_str())
            .ok_or("no name")?;
        let labels: Vec<String> = metric
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "__name__" | "job" | "instance"))
            .map(|(k, v)| format!("{k}=\"{}\"", v.as_str().unwrap_or_default()))
            .collect();
        let value = r["value"][1].as_str().ok_or("no value")?;
        out.insert(format!("{name}{{{}}}", labels.join(",")), value.to_owned());
    }
    Ok(out)
}

/// Waits until every `(series, value)` in `expected` is what Prometheus
/// holds (the scrape is every second, so it catches up within a few).
fn wait_for_values(prometheus: &mut Peer, port: u16, what: &str, expected: &[(&str, &str)]) {
    wait_for(what, Duration::from_secs(60), || {
        prometheus.assert_running();
        let now = series(port)?;
        let wrong: Vec<String> = expected
            .iter()
            .filter(|(k, v)| now.get(*k).map(String::as_str) != Some(*v))
            .map(|(k, v)| format!("{k} = {:?}, want {v}", now.get(*k)))
            .collect();
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(wrong.join("; "))
        }
    });
}

#[test]
fn prometheus_scrapes_the_breaker_series() {
    let prometheus_bin = require_binary("prometheus", "prometheus");

    let config = Config {
        max_failures: 3,
        max_requests: 2,
        ..Config::default()
    };
    let (cb, clock, collector) = measured_breaker(config);
    let server = PrometheusExporter::new(Arc::clone(&collector))
        .serve("127.0.0.1:0")
        .unwrap();

    let dir = TempDir::new("prometheus");
    let config_file = dir.path().join("prometheus.yml");
    std::fs::write(
        &config_file,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: circuit\n    \
             scrape_timeout: 1s\n    static_configs:\n      - targets: ['{}']\n",
            server.local_addr()
        ),
    )
    .unwrap();
    let port = free_tcp_port();
    let mut command = Command::new(prometheus_bin);
    command.arg(format!("--config.file={}", config_file.display()));
    command.arg(format!(
        "--storage.tsdb.path={}",
        dir.path().join("data").display()
    ));
    command.arg(format!("--web.listen-address=127.0.0.1:{port}"));
    let mut prometheus =
        Peer::spawn_logged("prometheus", command, &dir.path().join("prometheus.log"));

    // Phase 1: five quick successes, three slow failures trip it, two
    // rejections.
    for millis in [3, 4, 20, 20, 40] {
        call(&cb, millis, true);
    }
    for _ in 0..3 {
        call(&cb, 300, false);
    }
    assert!(cb.try_acquire().is_err() && cb.try_acquire().is_err());
    assert_eq!(cb.state(), State::Open);

    wait_for("Prometheus to be up", Duration::from_secs(60), || {
        prometheus.assert_running();
        http_get(port, "/-/ready").and_then(|(s, b)| if s == 200 { Ok(()) } else { Err(b) })
    });
    let success = r#"breaker="kol-matcher",outcome="success""#;
    let failure = r#"breaker="kol-matcher",outcome="failure""#;
    let b = r#"breaker="kol-matcher""#;
    let key = |name: &str, labels: &str| format!("{name}{{{labels}}}");
    let bucket = |outcome: &str, le: &str| {
        format!(
            r#"circuit_breaker_call_duration_seconds_bucket{{breaker="kol-matcher",le="{le}",outcome="{outcome}"}}"#
        )
    };
    let phase1 = [
        (key("circuit_breaker_calls_total", success), "5"),
        (key("circuit_breaker_calls_total", failure), "3"),
        (key("circuit_breaker_rejected_calls_total", b), "2"),
        (key("circuit_breaker_trips_total", b), "1"),
        (
            key(
                "circuit_breaker_state",
                r#"breaker="kol-matcher",state="open""#,
            ),
            "1",
        ),
        (
            key(
                "circuit_breaker_state",
                r#"breaker="kol-matcher",state="closed""#,
            ),
            "0",
        ),
        (key("circuit_breaker_window_failure_ratio", b), "0.375"),
        (key("circuit_breaker_consecutive_failures", b), "3"),
        // The failures' handed-in latency (0.3 s) cannot date the trip past
        // the clock's now, which has not moved: the full 30 s are left.
        (key("circuit_breaker_retry_after_seconds", b), "30"),
        (bucket("success", "0.0025"), "0"),
        (bucket("success", "0.005"), "2"),
        (bucket("success", "0.025"), "4"),
        (bucket("success", "+Inf"), "5"),
        (
            key("circuit_breaker_call_duration_seconds_count", success),
            "5",
        ),
        (
            key("circuit_breaker_call_duration_seconds_sum", success),
            "0.087",
        ),
        (bucket("failure", "0.25"), "0"),
        (bucket("failure", "0.5"), "3"),
    ];
    let expected: Vec<(&str, &str)> = phase1.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    wait_for_values(
        &mut prometheus,
        port,
        "the tripped breaker's series",
        &expected,
    );

    // Phase 2: the open period passes, two probes succeed, it closes.
    clock.advance(Duration::from_secs(31));
    call(&cb, 10, true);
    call(&cb, 10, true);
    assert_eq!(cb.state(), State::Closed);
    let phase2 = [
        (
            key(
                "circuit_breaker_state",
                r#"breaker="kol-matcher",state="closed""#,
            ),
            "1",
        ),
        (
            key(
                "circuit_breaker_state",
                r#"breaker="kol-matcher",state="open""#,
            ),
            "0",
        ),
        (key("circuit_breaker_recovery_attempts_total", b), "1"),
        (key("circuit_breaker_calls_total", success), "7"),
        (key("circuit_breaker_retry_after_seconds", b), "0"),
        (
            key("circuit_breaker_call_duration_seconds_count", success),
            "7",
        ),
    ];
    let expected: Vec<(&str, &str)> = phase2.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    wait_for_values(
        &mut prometheus,
        port,
        "the recovered breaker's series",
        &expected,
    );

    let up = url_encode(r#"up{job="circuit"}"#);
    let (_, body) = http_get(port, &format!("/api/v1/query?query={up}")).unwrap();
    assert!(
        body.contains(r#""value":["#) && body.contains(r#","1"]"#),
        "the scrape target is up: {body}"
    );
}
