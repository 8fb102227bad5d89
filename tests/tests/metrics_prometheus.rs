//! The Prometheus exporter against a real Prometheus server (Debian's
//! `prometheus` package): it scrapes our `/metrics` every second and we
//! read the breaker's series back through its HTTP API.

mod metrics_support;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use circuit_core::{Config, Registry, State};
use circuit_metrics::{Collector, PrometheusExporter, RegistrySource};
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

/// Starts Prometheus scraping `target` every second, and waits until it
/// is ready: the peer, its API port, and the directory it keeps its data
/// in (removed when dropped).
fn start_prometheus(bin: PathBuf, target: SocketAddr) -> (Peer, u16, TempDir) {
    let dir = TempDir::new("prometheus");
    let config_file = dir.path().join("prometheus.yml");
    std::fs::write(
        &config_file,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: circuit\n    \
             scrape_timeout: 1s\n    static_configs:\n      - targets: ['{target}']\n",
        ),
    )
    .unwrap();
    let port = free_tcp_port();
    let mut command = Command::new(bin);
    command.arg(format!("--config.file={}", config_file.display()));
    command.arg(format!(
        "--storage.tsdb.path={}",
        dir.path().join("data").display()
    ));
    command.arg(format!("--web.listen-address=127.0.0.1:{port}"));
    let mut prometheus =
        Peer::spawn_logged("prometheus", command, &dir.path().join("prometheus.log"));
    wait_for("Prometheus to be up", Duration::from_secs(60), || {
        prometheus.assert_running();
        http_get(port, "/-/ready").and_then(|(s, b)| if s == 200 { Ok(()) } else { Err(b) })
    });
    (prometheus, port, dir)
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
    let (mut prometheus, port, _dir) = start_prometheus(prometheus_bin, server.local_addr());

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

/// `(key label, value)` of every series `query` returns now, sorted.
fn by_key(port: u16, query: &str) -> Result<Vec<(String, String)>, String> {
    let (status, body) = http_get(port, &format!("/api/v1/query?query={}", url_encode(query)))?;
    if status != 200 {
        return Err(format!("status {status}: {body}"));
    }
    let json: serde_json::Value =
        serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"))?;
    let mut out: Vec<(String, String)> = json["data"]["result"]
        .as_array()
        .ok_or_else(|| format!("no result in {body}"))?
        .iter()
        .map(|r| {
            let key = r["metric"]["key"].as_str().unwrap_or("(none)").to_owned();
            (key, r["value"][1].as_str().unwrap_or_default().to_owned())
        })
        .collect();
    out.sort();
    Ok(out)
}

/// A registry's keys as Prometheus stores them: the odd ones read back
/// exactly, the bound held, and a removed key gone from instant queries
/// (the scrape that no longer lists it marks its series stale).
#[test]
fn prometheus_scrapes_registry_keys_verbatim_under_the_bound() {
    let prometheus_bin = require_binary("prometheus", "prometheus");
    // Sorts first by name ('"' < 'a'), so that it is among the keys shown.
    let odd = "\"acme\" tenant\nline two \\ back\\slash";
    let hosts: Arc<Registry<String>> = Arc::new(Registry::new(Config::default()).unwrap());
    for key in ["api.example.com:443", odd, "b", "c", "d"] {
        hosts.get(key);
    }
    hosts.get("zz").force_open();
    let collector = Arc::new(Collector::new());
    collector.register(RegistrySource::new("upstreams", Arc::clone(&hosts)).max_keys(4));
    let server = PrometheusExporter::new(Arc::clone(&collector))
        .serve("127.0.0.1:0")
        .unwrap();
    let (mut prometheus, port, _dir) = start_prometheus(prometheus_bin, server.local_addr());

    // Waits until the closed-state series are `pairs`, by key.
    let mut wait_for_keys = |what: &str, pairs: &[(&str, &str)]| {
        let want: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        wait_for(what, Duration::from_secs(60), || {
            prometheus.assert_running();
            let now = by_key(
                port,
                r#"circuit_breaker_state{breaker="upstreams",state="closed"}"#,
            )?;
            if now == want {
                Ok(())
            } else {
                Err(format!("{now:?}"))
            }
        });
    };
    // zz first (forced open), then the first three by name.
    wait_for_keys(
        "the registry's keys",
        &[
            (odd, "1"),
            ("api.example.com:443", "1"),
            ("b", "1"),
            ("zz", "0"),
        ],
    );
    let hidden = by_key(
        port,
        r#"circuit_breaker_registry_hidden_keys{breaker="upstreams",state="closed"}"#,
    )
    .unwrap();
    assert_eq!(hidden, [("(none)".to_owned(), "2".to_owned())]);

    hosts.remove(odd);
    wait_for_keys(
        "the removed key to go stale",
        &[
            ("api.example.com:443", "1"),
            ("b", "1"),
            ("c", "1"),
            ("zz", "0"),
        ],
    );
}
