//! The StatsD exporter against the reference daemon (npm `statsd`), read
//! back through its admin port: what it aggregated must be the breaker's
//! totals, with no line it could not parse.

mod metrics_support;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use circuit_core::Config;
use circuit_metrics::{StatsdExporter, StatsdStyle};
use metrics_support::{
    Peer, TempDir, call, free_tcp_port, free_udp_port, measured_breaker, require_node_package,
    wait_for,
};

/// Sends an admin command and reads the answer up to `end`.
fn admin(port: u16, command: &str, end: &str) -> Result<String, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(format!("{command}\n").as_bytes())
        .map_err(|e| e.to_string())?;
    let mut text = String::new();
    let mut buf = [0u8; 4096];
    while !text.contains(end) {
        let n = stream.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        text.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    let _ = stream.write_all(b"quit\n");
    Ok(text)
}

/// The daemon's `counters` or `gauges`, parsed from its `util.inspect`
/// dump: one `'key': value` per entry.
fn table(port: u16, command: &str) -> Result<BTreeMap<String, f64>, String> {
    let text = admin(port, command, "\nEND")?;
    let mut out = BTreeMap::new();
    for part in text.split([',', '\n', '{', '}']) {
        let part = part.trim();
        let Some((key, value)) = part.rsplit_once(':') else {
            continue;
        };
        let key = key.trim().trim_matches('\'');
        if let Ok(value) = value.trim().parse::<f64>() {
            out.insert(key.to_owned(), value);
        }
    }
    Ok(out)
}

#[test]
fn the_statsd_daemon_aggregates_what_we_send() {
    let (node, stats_js) = require_node_package("statsd", "stats.js");
    let (udp, admin_port) = (free_udp_port(), free_tcp_port());
    let dir = TempDir::new("statsd");
    let config = dir.path().join("config.js");
    // flushInterval of an hour: nothing is flushed (and reset) during the test.
    std::fs::write(
        &config,
        format!(
            "{{ port: {udp}, address: \"127.0.0.1\", mgmt_port: {admin_port}, mgmt_address: \"127.0.0.1\", \
             flushInterval: 3600000, backends: [], dumpMessages: true }}\n"
        ),
    )
    .unwrap();
    let mut command = Command::new(node);
    command.arg(stats_js).arg(&config);
    let mut daemon = Peer::spawn_logged("statsd", command, &dir.path().join("statsd.log"));
    wait_for("the statsd admin port", Duration::from_secs(30), || {
        daemon.assert_running();
        admin(admin_port, "health", "\n").and_then(|t| {
            if t.contains("health: up") {
                Ok(())
            } else {
                Err(t)
            }
        })
    });

    let config = Config {
        max_failures: 2,
        ..Config::default()
    };
    let (cb, _clock, collector) = measured_breaker(config);
    let path_style = StatsdExporter::udp(("127.0.0.1", udp), "kol").unwrap();
    let tag_style = StatsdExporter::udp(("127.0.0.1", udp), "tagged")
        .unwrap()
        .with_style(StatsdStyle::Tags);

    // Two exports: counters arrive as increases that must add up to the
    // breaker's totals.
    call(&cb, 12, true);
    call(&cb, 12, true);
    collector.export(&path_style).unwrap();
    collector.export(&tag_style).unwrap();
    call(&cb, 30, true);
    call(&cb, 250, false);
    call(&cb, 250, false);
    assert!(cb.try_acquire().is_err(), "two failures trip it");
    collector.export(&path_style).unwrap();
    collector.export(&tag_style).unwrap();

    let expected_counters = [
        ("kol.circuit_breaker.calls.kol-matcher.success", 3.0),
        ("kol.circuit_breaker.calls.kol-matcher.failure", 2.0),
        ("kol.circuit_breaker.calls.kol-matcher.timeout", 0.0),
        ("kol.circuit_breaker.rejected_calls.kol-matcher", 1.0),
        ("kol.circuit_breaker.trips.kol-matcher", 1.0),
        (
            "kol.circuit_breaker.call.duration.kol-matcher.success.count",
            3.0,
        ),
        (
            "kol.circuit_breaker.call.duration.kol-matcher.failure.count",
            2.0,
        ),
        (
            "tagged.circuit_breaker.calls;breaker=kol-matcher;outcome=success",
            3.0,
        ),
        (
            "tagged.circuit_breaker.rejected_calls;breaker=kol-matcher",
            1.0,
        ),
        ("statsd.bad_lines_seen", 0.0),
    ];
    let expected_gauges = [
        ("kol.circuit_breaker.state.kol-matcher.open", 1.0),
        ("kol.circuit_breaker.state.kol-matcher.closed", 0.0),
        ("kol.circuit_breaker.window.failure_ratio.kol-matcher", 0.4),
        ("kol.circuit_breaker.consecutive_failures.kol-matcher", 2.0),
        // Over the second export's calls only: one of 30 ms.
        (
            "kol.circuit_breaker.call.duration.kol-matcher.success.p50",
            29.5,
        ),
        (
            "kol.circuit_breaker.call.duration.kol-matcher.failure.mean",
            250.0,
        ),
        (
            "tagged.circuit_breaker.state;breaker=kol-matcher;state=open",
            1.0,
        ),
    ];
    wait_for(
        "the daemon to hold our totals",
        Duration::from_secs(30),
        || {
            daemon.assert_running();
            let counters = table(admin_port, "counters")?;
            let gauges = table(admin_port, "gauges")?;
            let mut wrong = Vec::new();
            for (key, want) in expected_counters {
                if counters.get(key) != Some(&want) {
                    wrong.push(format!(
                        "counter {key} = {:?}, want {want}",
                        counters.get(key)
                    ));
                }
            }
            for (key, want) in expected_gauges {
                if gauges.get(key) != Some(&want) {
                    wrong.push(format!("gauge {key} = {:?}, want {want}", gauges.get(key)));
                }
            }
            if wrong.is_empty() {
                Ok(())
            } else {
                Err(wrong.join("; "))
            }
        },
    );
    let log = daemon.log_tail();
    assert!(
        !log.contains("Bad line"),
        "the daemon rejected lines:\n{log}"
    );
}
