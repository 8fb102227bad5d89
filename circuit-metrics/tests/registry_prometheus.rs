//! A registry's keys through the crate's own `/metrics` server: every line
//! of the exposition parsed strictly, below and beyond the key bound, with
//! keys that hold quotes, newlines and backslashes.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;

use circuit_core::{Config, Registry};
use circuit_metrics::{Collector, PrometheusExporter, RegistrySource};

/// One sample line: name, labels, value.
type Line = (String, BTreeMap<String, String>, f64);

fn scrape(addr: SocketAddr, accept: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: {accept}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    body.to_owned()
}

/// Parses the text exposition (0.0.4 or OpenMetrics) as strictly as
/// Prometheus does: a sample line is `name{label="value",…} number`, and
/// the only escapes in a label value are `\\`, `\"` and `\n`. Panics on
/// anything else.
fn parse(text: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let mut chars = line.chars().peekable();
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
                name.push(c);
                chars.next();
            } else {
                break;
            }
        }
        assert!(!name.is_empty(), "no metric name: {line:?}");
        let mut labels = BTreeMap::new();
        if chars.peek() == Some(&'{') {
            chars.next();
            loop {
                if chars.peek() == Some(&'}') {
                    chars.next();
                    break;
                }
                let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
                assert!(
                    !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                    "bad label name {key:?}: {line:?}"
                );
                assert_eq!(chars.next(), Some('"'), "{line:?}");
                let mut value = String::new();
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some('\\') => value.push('\\'),
                            Some('"') => value.push('"'),
                            Some('n') => value.push('\n'),
                            other => panic!("bad escape {other:?}: {line:?}"),
                        },
                        Some(c) => value.push(c),
                        None => panic!("unterminated label value: {line:?}"),
                    }
                }
                assert!(
                    labels.insert(key, value).is_none(),
                    "repeated label: {line:?}"
                );
                match chars.next() {
                    Some(',') => {}
                    Some('}') => break,
                    other => panic!("expected , or }} and found {other:?}: {line:?}"),
                }
            }
        }
        assert_eq!(chars.next(), Some(' '), "{line:?}");
        let value: String = chars.collect();
        let value = match value.as_str() {
            "+Inf" => f64::INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("bad value: {line:?}")),
        };
        lines.push((name, labels, value));
    }
    let mut series = BTreeSet::new();
    for (name, labels, _) in &lines {
        assert!(
            series.insert((name, labels)),
            "{name}{labels:?} appears twice"
        );
    }
    lines
}

fn label<'a>(labels: &'a BTreeMap<String, String>, key: &str) -> Option<&'a str> {
    labels.get(key).map(String::as_str)
}

/// The `key` of every `circuit_breaker_state{state="closed"}` line, in
/// exposition order.
fn keys(lines: &[Line]) -> Vec<String> {
    lines
        .iter()
        .filter(|(n, l, _)| n == "circuit_breaker_state" && label(l, "state") == Some("closed"))
        .map(|(_, l, _)| label(l, "key").expect("a key label").to_owned())
        .collect()
}

fn value(lines: &[Line], name: &str, state: &str) -> f64 {
    lines
        .iter()
        .find(|(n, l, _)| n == name && label(l, "state") == Some(state))
        .unwrap_or_else(|| panic!("no {name}{{state={state}}}"))
        .2
}

#[test]
fn every_key_is_scraped_with_its_label_and_the_bound_holds() {
    let odd = "tenant \"acme\"\nline two \\ back\\slash";
    let hosts: Arc<Registry<String>> = Arc::new(
        Registry::builder()
            .config(Config {
                max_failures: 1,
                ..Config::default()
            })
            .build()
            .unwrap(),
    );
    let collector = Arc::new(Collector::new());
    collector.register(RegistrySource::new("upstreams", Arc::clone(&hosts)).max_keys(10));
    let server = PrometheusExporter::new(Arc::clone(&collector))
        .serve("127.0.0.1:0")
        .unwrap();
    let addr = server.local_addr();

    // Below the bound: every key, the odd one read back exactly.
    hosts
        .get("api.example.com:443")
        .try_acquire()
        .unwrap()
        .record_success();
    hosts.get(odd).try_acquire().unwrap().record_success();
    hosts.get("__overflow__");
    let text = scrape(addr, "text/plain");
    assert!(
        text.contains(r#"key="tenant \"acme\"\nline two \\ back\\slash""#),
        "{text}"
    );
    let lines = parse(&text);
    assert_eq!(keys(&lines), ["___overflow__", "api.example.com:443", odd]);
    let calls = lines
        .iter()
        .find(|(n, l, _)| {
            n == "circuit_breaker_calls_total"
                && label(l, "key") == Some(odd)
                && label(l, "outcome") == Some("success")
        })
        .expect("the odd key's calls");
    assert_eq!(label(&calls.1, "breaker"), Some("upstreams"));
    assert_eq!(calls.2, 1.0);
    assert_eq!(
        value(&lines, "circuit_breaker_registry_keys", "closed"),
        3.0
    );
    assert_eq!(
        value(&lines, "circuit_breaker_registry_hidden_keys", "closed"),
        0.0
    );

    // Beyond it: ten keys have series, the others are counted.
    for i in 0..20 {
        hosts.get(&format!("host-{i:02}"));
    }
    let lines = parse(&scrape(addr, "text/plain"));
    let shown = keys(&lines);
    assert_eq!(shown.len(), 10);
    assert_eq!(
        shown[..3],
        ["___overflow__", "api.example.com:443", "host-00"]
    );
    assert_eq!(
        value(&lines, "circuit_breaker_registry_keys", "closed"),
        23.0
    );
    assert_eq!(
        value(&lines, "circuit_breaker_registry_hidden_keys", "closed"),
        13.0
    );

    // A key that trips is shown, whatever its place by name; the last
    // closed key makes room, and its series are gone.
    hosts.get("host-19").try_acquire().unwrap().record_failure();
    let lines = parse(&scrape(addr, "text/plain"));
    let now = keys(&lines);
    assert_eq!(now[0], "host-19");
    assert_eq!(now[1..], shown[..9]);
    assert!(
        !lines
            .iter()
            .any(|(_, l, _)| label(l, "key") == Some(&shown[9]))
    );
    assert_eq!(value(&lines, "circuit_breaker_registry_keys", "open"), 1.0);
    assert_eq!(
        value(&lines, "circuit_breaker_registry_hidden_keys", "open"),
        0.0
    );

    // OpenMetrics: the same series, the same escapes.
    let om = scrape(addr, "application/openmetrics-text; version=1.0.0");
    assert!(om.ends_with("# EOF\n"), "{om}");
    assert_eq!(keys(&parse(&om)), now);

    // A key removed from the registry is not scraped again.
    hosts.remove(odd);
    let lines = parse(&scrape(addr, "text/plain"));
    assert!(!lines.iter().any(|(_, l, _)| label(l, "key") == Some(odd)));
}
