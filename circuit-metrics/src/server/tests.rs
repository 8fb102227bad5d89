use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use super::*;

fn get(addr: SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn an_empty_server_says_what_is_not_there() {
    let server = MetricsServer::builder()
        .bind("127.0.0.1:0")
        .start()
        .unwrap();
    assert!(get(server.local_addr(), "/metrics").starts_with("HTTP/1.1 404"));
    assert_eq!(server.url(), format!("http://{}/", server.local_addr()));
}

#[test]
fn a_bad_address_is_a_setup_error() {
    let taken = MetricsServer::builder()
        .bind("127.0.0.1:0")
        .start()
        .unwrap();
    let again = MetricsServer::builder().bind(taken.local_addr()).start();
    assert!(matches!(again, Err(Error::Setup { .. })), "{again:?}");
    let unresolvable = MetricsServer::builder().bind("no such host:x").start();
    assert!(matches!(unresolvable, Err(Error::Setup { .. })));
}

#[test]
fn the_default_address_is_loopback() {
    let builder = MetricsServer::builder();
    let addrs = builder.addrs.as_ref().unwrap();
    assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
}

/// A client that sends half a request and then trickles a byte now and
/// then (so no read timeout of a one-at-a-time server fires) must not hold
/// up a scrape.
#[cfg(feature = "prometheus")]
#[test]
fn a_stalled_client_does_not_delay_another_scrape() {
    let collector = Arc::new(crate::Collector::new());
    let breaker = Arc::new(
        circuit_core::CircuitBreaker::builder("kol-matcher")
            .build()
            .unwrap(),
    );
    collector.register(crate::BreakerSource::new(breaker));
    let server = crate::PrometheusExporter::new(collector)
        .serve("127.0.0.1:0")
        .unwrap();
    let addr = server.local_addr();

    let mut stalled = TcpStream::connect(addr).unwrap();
    stalled
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .unwrap();
    let scraped = Arc::new(AtomicBool::new(false));
    let trickler = {
        let scraped = Arc::clone(&scraped);
        thread::spawn(move || {
            // At most 20 s of trickling, then give up: the test fails then.
            for _ in 0..200 {
                if scraped.load(Ordering::Acquire) || stalled.write_all(b"a").is_err() {
                    break;
                }
                thread::sleep(Duration::from_millis(100));
            }
            scraped.load(Ordering::Acquire)
        })
    };
    for _ in 0..3 {
        let response = get(addr, "/metrics");
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(response.contains("circuit_breaker_state{breaker=\"kol-matcher\""));
    }
    scraped.store(true, Ordering::Release);
    assert!(
        trickler.join().unwrap(),
        "the scrapes waited until the stalled client gave up"
    );
}
