//! What the metrics peer tests share: finding the peers `cargo xtask test`
//! provisions (failing loudly when one is missing), free ports, temporary
//! folders, child processes that die with the test, and deadlines.

#![allow(dead_code, unreachable_pub)] // each test file uses a different part

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use circuit_core::{CircuitBreaker, Config, ManualClock};
use circuit_metrics::{BreakerSource, Collector, LatencyRecorder};

/// The breaker every peer test scripts: `kol-matcher` on a manual clock,
/// with a latency recorder, registered with a fresh collector.
pub fn measured_breaker(config: Config) -> (Arc<CircuitBreaker>, ManualClock, Arc<Collector>) {
    let clock = ManualClock::new();
    let latency = LatencyRecorder::new();
    let cb = Arc::new(
        CircuitBreaker::builder("kol-matcher")
            .config(config)
            .clock(clock.clone())
            .listener(latency.clone())
            .build()
            .expect("the test config is valid"),
    );
    let collector = Arc::new(Collector::new());
    collector.register(BreakerSource::new(Arc::clone(&cb)).with_latency(latency));
    (cb, clock, collector)
}

/// One admitted call that took `millis` and succeeded or failed.
pub fn call(cb: &CircuitBreaker, millis: u64, ok: bool) {
    let mut permit = cb.try_acquire().expect("admitted");
    permit.set_latency(Duration::from_millis(millis));
    if ok {
        permit.record_success()
    } else {
        permit.record_failure()
    }
}

/// The workspace root: `KOL_WORKSPACE_ROOT` (set by xtask) or the parent of
/// this crate.
pub fn workspace_root() -> PathBuf {
    std::env::var_os("KOL_WORKSPACE_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
}

fn missing(what: &str) -> ! {
    panic!(
        "missing test peer: {what}. Run `cargo xtask test`, which provisions every peer listed in \
         tests/peers/ (apt-packages.txt, requirements-peers.txt, package.json), or install it by hand \
         the same way."
    )
}

/// An executable on `PATH`, or the test fails naming the package.
pub fn require_binary(name: &str, package: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            missing(&format!(
                "`{name}` is not on PATH (Debian package `{package}`)"
            ))
        })
}

/// The test virtualenv's Python (`KOL_TEST_PYTHON`, else
/// `target/xtask/venv/bin/python`), checked to import `module`.
pub fn require_python_module(module: &str) -> PathBuf {
    let python = std::env::var_os("KOL_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/xtask/venv/bin/python"));
    if !python.is_file() {
        missing(&format!(
            "the test virtualenv's Python ({}) does not exist",
            python.display()
        ));
    }
    let imports = Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .output();
    match imports {
        Ok(out) if out.status.success() => python,
        _ => missing(&format!(
            "Python package `{module}` is not installed in {} (tests/peers/requirements-peers.txt)",
            python.display()
        )),
    }
}

/// A file inside an npm package installed by xtask (`KOL_TEST_NODE_MODULES`,
/// else `target/xtask/node/node_modules`), and the `node` binary.
pub fn require_node_package(package: &str, file: &str) -> (PathBuf, PathBuf) {
    let node = require_binary("node", "nodejs");
    let modules = std::env::var_os("KOL_TEST_NODE_MODULES")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/xtask/node/node_modules"));
    let path = modules.join(package).join(file);
    if !path.is_file() {
        missing(&format!(
            "npm package `{package}` ({} does not exist; tests/peers/package.json)",
            path.display()
        ));
    }
    (node, path)
}

/// A TCP port free on 127.0.0.1 right now.
pub fn free_tcp_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free TCP port")
}

/// A UDP port free on 127.0.0.1 right now.
pub fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .expect("a free UDP port")
}

/// A folder removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        let path = std::env::temp_dir().join(format!("kol-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).expect("create a temporary folder");
        Self(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child process killed when the test ends, however it ends.
pub struct Peer {
    child: Child,
    name: &'static str,
    log: Option<PathBuf>,
}

impl Peer {
    /// Starts `command` with stdout and stderr appended to `log`.
    pub fn spawn_logged(name: &'static str, mut command: Command, log: &Path) -> Self {
        let file = std::fs::File::create(log).expect("create the peer log");
        let err = file.try_clone().expect("clone the log handle");
        let child = command
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {name}: {e}"));
        Self {
            child,
            name,
            log: Some(log.to_owned()),
        }
    }

    /// Starts `command` with stdout piped to a channel of lines (stderr is
    /// inherited, so it shows in the test output).
    pub fn spawn_piped(name: &'static str, mut command: Command) -> (Self, Receiver<String>) {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {name}: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        (
            Self {
                child,
                name,
                log: None,
            },
            rx,
        )
    }

    /// Fails the test if the peer has exited, showing its log.
    pub fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "{} exited early ({status}):\n{}",
                self.name,
                self.log_tail()
            );
        }
    }

    /// The end of the peer's log, for failure messages.
    pub fn log_tail(&self) -> String {
        let Some(log) = &self.log else {
            return String::new();
        };
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let start = text.len().saturating_sub(4_000);
        text.get(start..).unwrap_or(&text).to_owned()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `check` until it returns `Some` or `timeout` passes; the failure
/// message says what was awaited and what `check` last saw.
pub fn wait_for<T>(
    what: &str,
    timeout: Duration,
    mut check: impl FnMut() -> Result<T, String>,
) -> T {
    let deadline = Instant::now() + timeout;
    let mut last = String::from("never checked");
    while Instant::now() < deadline {
        match check() {
            Ok(value) => return value,
            Err(seen) => last = seen,
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("timed out after {timeout:?} waiting for {what}; last seen: {last}");
}

/// `GET http://127.0.0.1:{port}{path}` with HTTP/1.0 (no chunking, the
/// server closes): `(status, body)`.
pub fn http_get(port: u16, path: &str) -> Result<(u16, String), String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| e.to_string())?;
    let (head, body) = response.split_once("\r\n\r\n").ok_or("no end of headers")?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or("no status")?;
    Ok((status, body.to_owned()))
}

/// Percent-encodes a query-string value.
pub fn url_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
