use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};

use circuit_core::{CircuitBreaker, State};
use serde_json::Value as Json;

use super::*;

const TOKEN: &str = "s3cret-token-for-tests";

fn breaker(name: &str) -> Arc<CircuitBreaker> {
    Arc::new(CircuitBreaker::builder(name).build().unwrap())
}

fn serve(dashboard: Dashboard) -> MetricsServer {
    dashboard.serve("127.0.0.1:0").unwrap()
}

/// One request on its own connection: (status, head, body).
fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    extra: &str,
    body: &str,
) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head[9..12].parse().unwrap();
    (status, head.to_owned(), body.to_owned())
}

fn control(addr: SocketAddr, token: Option<&str>, breaker: &str, action: &str) -> (u16, Json) {
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let body = format!(r#"{{"breaker":"{breaker}","action":"{action}"}}"#);
    let (status, _, body) = request(addr, "POST", "/api/control", &auth, &body);
    (status, serde_json::from_str(&body).unwrap())
}

/// Reads `/api/breakers` until the first tick has filled it.
fn snapshot(addr: SocketAddr) -> Json {
    for _ in 0..100 {
        let (status, _, body) = request(addr, "GET", "/api/breakers", "", "");
        assert_eq!(status, 200);
        let json: Json = serde_json::from_str(&body).unwrap();
        if !json["breakers"].as_array().unwrap().is_empty() {
            return json;
        }
        std::thread::sleep(SWEEP_INTERVAL / 2);
    }
    panic!("the dashboard never listed its breakers");
}

#[test]
fn the_page_is_one_self_contained_file() {
    let server = serve(Dashboard::new(vec![breaker("kol-matcher")]));
    let (status, head, body) = request(server.local_addr(), "GET", "/", "", "");
    assert_eq!(status, 200);
    assert!(head.contains("Content-Type: text/html"), "{head}");
    assert!(
        head.contains("Content-Security-Policy: default-src 'none'"),
        "{head}"
    );
    assert!(body.contains("<script>") && body.contains("/api/events"));
    for outside in ["http:", "https:", "src=", "href=", "@import", "url("] {
        assert!(!body.contains(outside), "the page refers to {outside}");
    }
}

#[test]
fn the_snapshot_lists_every_breaker_with_thresholds_and_history() {
    let collector = Arc::new(crate::Collector::new());
    collector.register(crate::BreakerSource::new(breaker("kol-matcher")));
    collector.register(crate::BreakerSource::new(breaker("budget-optimizer")));
    let server = serve(Dashboard::new(Arc::clone(&collector)));
    let json = snapshot(server.local_addr());
    assert_eq!(json["control"], false);
    assert_eq!(json["history_seconds"], 300);
    let breakers = json["breakers"].as_array().unwrap();
    let names: Vec<&str> = breakers
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["kol-matcher", "budget-optimizer"]);
    let first = &breakers[0];
    assert_eq!(first["state"], "closed");
    assert_eq!(first["thresholds"]["failure_rate"], 0.6);
    assert_eq!(first["thresholds"]["slow_call_rate"], Json::Null);
    assert_eq!(first["fallbacks_per_s"], Json::Null);
    assert!(first["history"]["calls"].is_array());
    assert!(first["transitions"].as_array().unwrap().is_empty());
}

#[test]
fn control_is_refused_unless_enabled_and_authorised() {
    let cb = breaker("kol-matcher");
    let read_only = serve(Dashboard::new(vec![Arc::clone(&cb)]));
    let (status, answer) = control(
        read_only.local_addr(),
        Some(TOKEN),
        "kol-matcher",
        "force-open",
    );
    assert_eq!(status, 403, "{answer}");
    assert_eq!(cb.state(), State::Closed);

    let token = ControlToken::new(TOKEN).unwrap();
    let twin = breaker("twin");
    let server = serve(
        Dashboard::new(vec![Arc::clone(&cb), Arc::clone(&twin), breaker("twin")])
            .with_control(token),
    );
    let addr = server.local_addr();
    snapshot(addr);
    assert_eq!(snapshot(addr)["control"], true);
    assert_eq!(control(addr, None, "kol-matcher", "force-open").0, 401);
    assert_eq!(
        control(
            addr,
            Some("s3cret-token-for-testz"),
            "kol-matcher",
            "force-open"
        )
        .0,
        401
    );
    assert_eq!(cb.state(), State::Closed, "refused actions do nothing");

    let (status, answer) = control(addr, Some(TOKEN), "kol-matcher", "force-open");
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        (answer["from"].as_str(), answer["to"].as_str()),
        (Some("closed"), Some("forced-open"))
    );
    assert_eq!(cb.state(), State::ForcedOpen);
    assert_eq!(control(addr, Some(TOKEN), "kol-matcher", "reset").0, 200);
    assert_eq!(cb.state(), State::Closed);

    let auth = format!("Authorization: Bearer {TOKEN}\r\n");
    let body = r#"{"breaker":"kol-matcher","action":"reconfigure","config":{"max_failures":9}}"#;
    let (status, _, answer) = request(addr, "POST", "/api/control", &auth, body);
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains(r#""changed":["max_failures"]"#), "{answer}");
    assert_eq!(cb.config().max_failures, 9);
    let body = r#"{"breaker":"kol-matcher","action":"reconfigure","config":{"max_failures":0}}"#;
    let (status, _, answer) = request(addr, "POST", "/api/control", &auth, body);
    assert_eq!(status, 400, "{answer}");
    assert!(answer.contains("max_failures"), "{answer}");
    assert_eq!(cb.config().max_failures, 9);

    assert_eq!(control(addr, Some(TOKEN), "nobody", "reset").0, 404);
    assert_eq!(control(addr, Some(TOKEN), "twin", "reset").0, 409);
    assert_eq!(control(addr, Some(TOKEN), "kol-matcher", "explode").0, 400);
    let (status, _, _) = request(addr, "GET", "/api/control", "", "");
    assert_eq!(status, 405);
    let (status, _, _) = request(addr, "POST", "/api/control", &auth, "not json");
    assert_eq!(status, 400);
}

#[test]
fn events_carry_transitions_with_reasons_and_ticks() {
    let cb = breaker("kol-matcher");
    let server = serve(Dashboard::new(vec![Arc::clone(&cb)]));
    let addr = server.local_addr();
    snapshot(addr);
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    )
    .unwrap();
    let mut lines = BufReader::new(stream).lines();
    let mut head = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line.is_empty() {
            break;
        }
        head.push(line);
    }
    assert!(head[0].starts_with("HTTP/1.1 200"), "{head:?}");
    assert!(
        head.iter().any(|h| h == "Content-Type: text/event-stream"),
        "{head:?}"
    );

    cb.force_open();
    let (mut transition, mut tick) = (None, None);
    let mut event = String::new();
    // Chunked framing lines are skipped; ticks come each second.
    for line in lines.take(500) {
        let line = line.unwrap();
        if let Some(name) = line.strip_prefix("event: ") {
            event = name.to_owned();
        } else if let Some(data) = line.strip_prefix("data: ") {
            let json: Json = serde_json::from_str(data).unwrap();
            match event.as_str() {
                "transition" => transition = Some(json),
                "tick" if transition.is_some() => tick = Some(json),
                _ => {}
            }
        }
        if tick.is_some() {
            break;
        }
    }
    let transition = transition.expect("a transition event");
    assert_eq!(transition["name"], "kol-matcher");
    assert_eq!(transition["to"], "forced-open");
    assert_eq!(transition["reason"], "forced open");
    let tick = tick.expect("a tick after it");
    assert_eq!(tick["breakers"][0]["state"], "forced-open");
}

/// The names listed by `/api/breakers` and the snapshot, once `done`
/// holds of them.
fn listed_once(addr: SocketAddr, done: impl Fn(&[String], &Json) -> bool) -> (Vec<String>, Json) {
    let mut last = Vec::new();
    for _ in 0..100 {
        let json = snapshot(addr);
        let names: Vec<String> = json["breakers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["name"].as_str().unwrap().to_owned())
            .collect();
        if done(&names, &json) {
            return (names, json);
        }
        last = names;
        std::thread::sleep(SWEEP_INTERVAL / 2);
    }
    panic!("the dashboard never listed what was expected; last: {last:?}");
}

#[test]
fn a_registry_lists_its_keys_new_ones_included_up_to_its_bound() {
    let hosts: Arc<circuit_core::Registry<String>> =
        Arc::new(circuit_core::Registry::new(circuit_core::Config::default()).unwrap());
    hosts.get("api.example.com:443");
    hosts.get("tenant \"acme\"");
    // Through a collector, beside a plain breaker: the same as alone.
    let collector = Arc::new(crate::Collector::new());
    collector.register(crate::BreakerSource::new(breaker("kol-matcher")));
    collector.register(crate::RegistrySource::new("upstreams", Arc::clone(&hosts)).max_keys(3));
    let server = serve(Dashboard::new(Arc::clone(&collector)));
    let addr = server.local_addr();

    let (names, json) = listed_once(addr, |names, _| names.len() == 3);
    assert_eq!(
        names,
        ["kol-matcher", "api.example.com:443", "tenant \"acme\""]
    );
    assert_eq!(json["hidden"]["count"], 0);

    // A key created later shows up without a restart.
    hosts.get("cdn.example.com:443");
    let (names, json) = listed_once(addr, |names, _| names.len() == 4);
    assert!(
        names.contains(&"cdn.example.com:443".to_owned()),
        "{names:?}"
    );
    assert_eq!(json["hidden"]["count"], 0);

    // Past the bound: three keys, the worst first; the rest are counted.
    hosts.get("zz.example.com:443").force_open();
    hosts.get("aa.example.com:443");
    let (names, json) = listed_once(addr, |names, json| {
        json["hidden"]["count"] == 2 && names.len() == 4
    });
    assert_eq!(
        names,
        [
            "kol-matcher",
            "zz.example.com:443",
            "aa.example.com:443",
            "api.example.com:443"
        ]
    );
    assert_eq!(json["hidden"]["not_closed"], 0);
    assert_eq!(json["breakers"][1]["state"], "forced-open");
}
