//! OTLP over https with the TLS that circuit-metrics itself turns on.
//!
//! opentelemetry-otlp's reqwest client has no TLS of its own; inside this
//! workspace another crate's reqwest features would hide that, so
//! `cargo xtask test` also runs this file alone (`cargo test -p
//! circuit-metrics --features otlp --test otlp_https`), where only
//! circuit-metrics' features reach reqwest: the build a user with only
//! circuit-metrics gets.
//!
//! The receiver is a TLS server on a free loopback port, with a
//! certificate from a CA made for the test; the exporter trusts that CA
//! through `SSL_CERT_FILE`, which is read when it is built, so the export
//! runs in a child process (this test binary again) with it set.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use circuit_core::{CircuitBreaker, Config};
use circuit_metrics::{BreakerSource, Collector, OtlpExporter};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

const TEST: &str = "an_https_receiver_gets_the_export";
/// Set in the child: the endpoint to export to.
const ENDPOINT_VAR: &str = "CIRCUIT_METRICS_TEST_OTLP_HTTPS_ENDPOINT";

/// One request the receiver decoded.
struct Received {
    request_line: String,
    content_type: String,
    body: Vec<u8>,
}

/// A CA, and a certificate it signed for 127.0.0.1.
fn certificates() -> (String, CertificateDer<'static>, PrivateKeyDer<'static>) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "circuit-metrics test CA");
    let ca_pem = ca.self_signed(&ca_key).unwrap().pem();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    (ca_pem, leaf.der().clone(), key)
}

/// Serves TLS on a free loopback port, answering every HTTP request 200
/// and sending what it read down the channel. Runs until the test ends.
fn https_receiver(
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
) -> (u16, Receiver<Received>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (sender, received) = mpsc::channel();
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let _ = tcp.set_read_timeout(Some(Duration::from_secs(30)));
            let connection = rustls::ServerConnection::new(Arc::clone(&config)).unwrap();
            let mut tls = rustls::StreamOwned::new(connection, tcp);
            // A failed handshake or a cut request is the client's to report.
            if let Some(request) = read_request(&mut tls) {
                let _ = tls.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\n\
                      content-length: 0\r\nconnection: close\r\n\r\n",
                );
                let _ = tls.flush();
                let _ = sender.send(request);
            }
        }
    });
    (port, received)
}

fn read_request(stream: &mut impl Read) -> Option<Received> {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).ok()?;
    let (mut content_type, mut length) = (String::new(), 0usize);
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        match name.trim().to_ascii_lowercase().as_str() {
            "content-type" => content_type = value.trim().to_owned(),
            "content-length" => length = value.trim().parse().ok()?,
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Received {
        request_line: request_line.trim_end().to_owned(),
        content_type,
        body,
    })
}

/// The child's part: one breaker's metrics, exported once.
fn export_to(endpoint: &str) {
    let breaker = Arc::new(CircuitBreaker::new("kol-matcher", Config::default()).unwrap());
    breaker.try_acquire().unwrap().record_success();
    let collector = Arc::new(Collector::new());
    collector.register(BreakerSource::new(breaker));
    let exporter = OtlpExporter::builder(collector)
        .endpoint(endpoint)
        .interval(Duration::from_secs(3600))
        .timeout(Duration::from_secs(20))
        .build()
        .expect("an https endpoint is accepted");
    exporter
        .force_flush()
        .expect("the export reaches the https receiver");
}

#[test]
fn an_https_receiver_gets_the_export() {
    if let Ok(endpoint) = std::env::var(ENDPOINT_VAR) {
        return export_to(&endpoint);
    }
    let (ca_pem, cert, key) = certificates();
    let (port, received) = https_receiver(cert, key);
    let ca_file = std::env::temp_dir().join(format!(
        "circuit-metrics-test-ca-{}.pem",
        std::process::id()
    ));
    std::fs::write(&ca_file, ca_pem).unwrap();

    let child = Command::new(std::env::current_exe().unwrap())
        .args([TEST, "--exact", "--nocapture", "--test-threads", "1"])
        .env(ENDPOINT_VAR, format!("https://127.0.0.1:{port}/v1/metrics"))
        .env("SSL_CERT_FILE", &ca_file)
        .env_remove("SSL_CERT_DIR")
        .env("NO_PROXY", "127.0.0.1")
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&ca_file);
    assert!(
        child.status.success(),
        "the export over https failed:\n{}\n{}",
        String::from_utf8_lossy(&child.stdout),
        String::from_utf8_lossy(&child.stderr)
    );

    let request = received
        .recv_timeout(Duration::from_secs(30))
        .expect("the receiver decoded a request over TLS");
    assert_eq!(request.request_line, "POST /v1/metrics HTTP/1.1");
    assert_eq!(request.content_type, "application/x-protobuf");
    let names = b"circuit_breaker.calls";
    assert!(
        request.body.windows(names.len()).any(|w| w == names),
        "the protobuf body carries the breaker's metrics ({} bytes)",
        request.body.len()
    );
}
