use std::io::{Read, Write};
use std::net::TcpStream;

use circuit_core::CircuitBreaker;

use super::*;
use crate::{BREAKER_METRICS, BreakerSource, LatencyRecorder};

fn exporter() -> (Arc<CircuitBreaker>, PrometheusExporter) {
    let latency = LatencyRecorder::new();
    let cb = Arc::new(
        CircuitBreaker::builder("kol-matcher")
            .listener(latency.clone())
            .build()
            .unwrap(),
    );
    let collector = Arc::new(Collector::new());
    collector.register(BreakerSource::new(Arc::clone(&cb)).with_latency(latency));
    (cb, PrometheusExporter::new(collector))
}

fn call(cb: &CircuitBreaker, millis: u64, ok: bool) {
    let mut permit = cb.try_acquire().unwrap();
    permit.set_latency(Duration::from_millis(millis));
    if ok {
        permit.record_success()
    } else {
        permit.record_failure()
    }
}

#[test]
fn text_exposition_uses_the_documented_names() {
    let (cb, exporter) = exporter();
    call(&cb, 3, true);
    call(&cb, 40, true);
    call(&cb, 40, false);
    let text = exporter.encode_text().unwrap();
    for d in BREAKER_METRICS {
        let name = names::prometheus_name(d);
        assert!(
            text.contains(&format!("# TYPE {name} ")),
            "no TYPE line for {name} in\n{text}"
        );
    }
    assert!(
        text.contains(
            "circuit_breaker_calls_total{breaker=\"kol-matcher\",outcome=\"success\"} 2\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("circuit_breaker_state{breaker=\"kol-matcher\",state=\"closed\"} 1.0\n"),
        "{text}"
    );
    assert!(
        text.contains("circuit_breaker_state{breaker=\"kol-matcher\",state=\"open\"} 0.0\n"),
        "{text}"
    );
    let bucket = |le: &str| {
        format!(
            "circuit_breaker_call_duration_seconds_bucket{{breaker=\"kol-matcher\",outcome=\"success\",le=\"{le}\"}}"
        )
    };
    assert!(
        text.contains(&format!("{} 0\n", bucket("0.0025"))),
        "{text}"
    );
    assert!(text.contains(&format!("{} 1\n", bucket("0.005"))), "{text}");
    assert!(text.contains(&format!("{} 2\n", bucket("0.05"))), "{text}");
    assert!(text.contains(&format!("{} 2\n", bucket("+Inf"))), "{text}");
    assert!(
        text.contains("circuit_breaker_call_duration_seconds_sum{breaker=\"kol-matcher\",outcome=\"success\"} 0.043\n"),
        "{text}"
    );
}

#[test]
fn openmetrics_exposition_ends_with_eof() {
    let (cb, exporter) = exporter();
    call(&cb, 1, true);
    let text = exporter.encode_openmetrics().unwrap();
    assert!(text.ends_with("# EOF\n"));
    assert!(
        text.contains("# TYPE circuit_breaker_calls counter\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "circuit_breaker_calls_total{breaker=\"kol-matcher\",outcome=\"success\"} 1\n"
        ),
        "{text}"
    );
    let inf = "circuit_breaker_call_duration_seconds_bucket{le=\"+Inf\",breaker=\"kol-matcher\",outcome=\"success\"} 1\n";
    assert!(text.contains(inf), "{text}");
}

#[test]
fn custom_bounds_are_used_and_checked() {
    let (cb, exporter) = exporter();
    call(&cb, 700, true);
    let exporter = exporter.with_bounds(&[0.5, 1.0]).unwrap();
    let text = exporter.encode_text().unwrap();
    assert!(
        text.contains("le=\"0.5\"} 0\n") && text.contains("le=\"1\"} 1\n"),
        "{text}"
    );
    assert!(exporter.with_bounds(&[1.0, 0.5]).is_err());
}

fn get(addr: std::net::SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn the_server_answers_scrapes_and_stops() {
    let (cb, exporter) = exporter();
    call(&cb, 1, true);
    let server = exporter.serve("127.0.0.1:0").unwrap();
    let addr = server.local_addr();
    let ok = get(
        addr,
        "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    );
    assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
    assert!(
        ok.contains("Content-Type: text/plain; version=0.0.4"),
        "{ok}"
    );
    assert!(
        ok.contains("circuit_breaker_calls_total{breaker=\"kol-matcher\",outcome=\"success\"} 1"),
        "{ok}"
    );
    let om = get(
        addr,
        "GET /metrics HTTP/1.1\r\nAccept: application/openmetrics-text; version=1.0.0\r\nConnection: close\r\n\r\n",
    );
    assert!(
        om.contains("application/openmetrics-text") && om.ends_with("# EOF\n"),
        "{om}"
    );
    let head = get(addr, "HEAD /metrics HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert!(
        head.starts_with("HTTP/1.1 200 OK") && head.ends_with("\r\n\r\n"),
        "{head}"
    );
    assert!(
        get(addr, "GET /other HTTP/1.1\r\nConnection: close\r\n\r\n").starts_with("HTTP/1.1 404")
    );
    assert!(
        get(
            addr,
            "DELETE /metrics HTTP/1.1\r\nConnection: close\r\n\r\n"
        )
        .starts_with("HTTP/1.1 405")
    );
    assert!(get(addr, "nonsense\r\n\r\n").starts_with("HTTP/1.1 400"));
    let elsewhere = get(
        addr,
        "GET /metrics HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
    );
    assert!(elsewhere.starts_with("HTTP/1.1 421"), "{elsewhere}");
    server.shutdown();
    assert!(
        TcpStream::connect(addr).is_err(),
        "the socket is closed after shutdown"
    );
}
