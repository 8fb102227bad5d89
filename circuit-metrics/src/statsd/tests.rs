use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use circuit_core::CircuitBreaker;

use super::*;
use crate::{BreakerSource, Collector, LatencyRecorder};

/// A UDP socket standing in for the daemon.
struct Daemon(UdpSocket);

impl Daemon {
    fn new() -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        Self(socket)
    }

    /// Every line received until the socket stays quiet, keyed by
    /// `name|type|tags`, each value checked against the protocol.
    fn lines(&self) -> BTreeMap<String, String> {
        let mut lines = BTreeMap::new();
        let mut buf = [0u8; 2048];
        while let Ok(n) = self.0.recv(&mut buf) {
            assert!(n <= 512, "datagrams stay within 512 bytes");
            for line in std::str::from_utf8(&buf[..n]).unwrap().lines() {
                let (name, rest) = line
                    .split_once(':')
                    .unwrap_or_else(|| panic!("no ':' in {line}"));
                let mut fields = rest.split('|');
                let value = fields.next().unwrap();
                let kind = fields.next().unwrap_or_else(|| panic!("no type in {line}"));
                let tags = fields.next().unwrap_or("");
                assert!(fields.next().is_none(), "{line}");
                assert!(matches!(kind, "c" | "g"), "{line}");
                assert!(value.parse::<f64>().is_ok_and(f64::is_finite), "{line}");
                assert!(tags.is_empty() || tags.starts_with('#'), "{line}");
                assert!(!name.contains(['|', ':', '@', '#', ' ']), "{line}");
                lines.insert(
                    format!(
                        "{name}|{kind}{}",
                        if tags.is_empty() {
                            String::new()
                        } else {
                            format!("|{tags}")
                        }
                    ),
                    value.to_owned(),
                );
            }
        }
        lines
    }
}

fn setup() -> (Arc<CircuitBreaker>, Collector) {
    let latency = LatencyRecorder::new();
    let cb = Arc::new(
        CircuitBreaker::builder("kol.matcher")
            .listener(latency.clone())
            .build()
            .unwrap(),
    );
    let collector = Collector::new();
    collector.register(BreakerSource::new(Arc::clone(&cb)).with_latency(latency));
    (cb, collector)
}

fn call(cb: &CircuitBreaker, millis: u64) {
    let mut permit = cb.try_acquire().unwrap();
    permit.set_latency(Duration::from_millis(millis));
    permit.record_success();
}

#[test]
fn path_style_sends_deltas_gauges_and_latency_summaries() {
    let daemon = Daemon::new();
    let (cb, collector) = setup();
    let exporter = StatsdExporter::udp(daemon.0.local_addr().unwrap(), "app").unwrap();
    call(&cb, 10);
    call(&cb, 30);
    collector.export(&exporter).unwrap();
    let lines = daemon.lines();
    assert_eq!(
        lines["app.circuit_breaker.calls.kol_matcher.success|c"],
        "2"
    );
    assert_eq!(
        lines["app.circuit_breaker.calls.kol_matcher.failure|c"],
        "0"
    );
    assert_eq!(lines["app.circuit_breaker.state.kol_matcher.closed|g"], "1");
    assert_eq!(
        lines["app.circuit_breaker.state.kol_matcher.half-open|g"],
        "0"
    );
    assert_eq!(
        lines["app.circuit_breaker.call.duration.kol_matcher.success.count|c"],
        "2"
    );
    assert_eq!(
        lines["app.circuit_breaker.call.duration.kol_matcher.success.p50|g"],
        "9.95"
    );
    assert_eq!(
        lines["app.circuit_breaker.call.duration.kol_matcher.success.mean|g"],
        "20"
    );

    call(&cb, 10);
    collector.export(&exporter).unwrap();
    let lines = daemon.lines();
    assert_eq!(
        lines["app.circuit_breaker.calls.kol_matcher.success|c"], "1",
        "the increase, not the total"
    );
    assert_eq!(
        lines["app.circuit_breaker.call.duration.kol_matcher.success.count|c"],
        "1"
    );

    collector.export(&exporter).unwrap();
    let lines = daemon.lines();
    assert_eq!(
        lines["app.circuit_breaker.calls.kol_matcher.success|c"],
        "0"
    );
    assert!(
        !lines.contains_key("app.circuit_breaker.call.duration.kol_matcher.success.p50|g"),
        "no calls, no quantiles"
    );
}

#[test]
fn tag_style_puts_attributes_in_tags() {
    let daemon = Daemon::new();
    let (cb, collector) = setup();
    let exporter = StatsdExporter::udp(daemon.0.local_addr().unwrap(), "")
        .unwrap()
        .with_style(StatsdStyle::Tags);
    call(&cb, 10);
    collector.export(&exporter).unwrap();
    let lines = daemon.lines();
    assert_eq!(
        lines["circuit_breaker.calls|c|#breaker:kol_matcher,outcome:success"],
        "1"
    );
    assert_eq!(
        lines["circuit_breaker.state|g|#breaker:kol_matcher,state:closed"],
        "1"
    );
}

#[test]
fn negative_gauges_are_set_not_added() {
    use crate::model::{Descriptor, Kind, Sample, SourceSnapshot, Unit};
    static TEMP: Descriptor = Descriptor::new(
        "room.temperature",
        Kind::Gauge,
        Unit::Count("degree"),
        "x",
        &[],
    );
    let daemon = Daemon::new();
    let exporter = StatsdExporter::udp(daemon.0.local_addr().unwrap(), "").unwrap();
    let samples = vec![Sample::new(&TEMP, vec![], Value::Gauge(-2.5))];
    let snapshot = Snapshot {
        collected_at: std::time::SystemTime::now(),
        sources: vec![SourceSnapshot {
            source: "room".into(),
            samples,
        }],
    };
    exporter.export(&snapshot).unwrap();
    let mut buf = [0u8; 512];
    let n = daemon.0.recv(&mut buf).unwrap();
    assert_eq!(
        std::str::from_utf8(&buf[..n]).unwrap(),
        "room.temperature:0|g\nroom.temperature:-2.5|g\n"
    );
}

#[test]
fn registry_keys_become_safe_segments_and_tags() {
    let hosts: Arc<circuit_core::Registry<String>> =
        Arc::new(circuit_core::Registry::new(circuit_core::Config::default()).unwrap());
    hosts
        .get("a.b:c|d@e#f,g h\n\"i\"\\")
        .try_acquire()
        .unwrap()
        .record_success();
    let collector = Collector::new();
    collector.register(crate::RegistrySource::new("up.streams", Arc::clone(&hosts)));
    for style in [StatsdStyle::Path, StatsdStyle::Tags] {
        let daemon = Daemon::new();
        let exporter = StatsdExporter::udp(daemon.0.local_addr().unwrap(), "app")
            .unwrap()
            .with_style(style);
        collector.export(&exporter).unwrap();
        // `lines` checks every line against the protocol.
        let lines = daemon.lines();
        let success = match style {
            StatsdStyle::Path => {
                "app.circuit_breaker.calls.up_streams.success.a_b_c_d_e_f_g_h__i__|c".to_owned()
            }
            _ => "app.circuit_breaker.calls|c|#breaker:up_streams,outcome:success,key:a_b_c_d_e_f_g_h__i__"
                .to_owned(),
        };
        assert_eq!(
            lines.get(&success).map(String::as_str),
            Some("1"),
            "{lines:#?}"
        );
        let keys = match style {
            StatsdStyle::Path => "app.circuit_breaker.registry.keys.up_streams.closed|g",
            _ => "app.circuit_breaker.registry.keys|g|#breaker:up_streams,state:closed",
        };
        assert_eq!(lines.get(keys).map(String::as_str), Some("1"), "{lines:#?}");
    }
}
