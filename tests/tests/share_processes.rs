//! Sharing between three processes (the `share_replica` binary spawned
//! three times) through a real redis-server: one trips, the others open.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use circuit_share::test_util::RedisServer;
use tests::share::DEADLINE;

/// A replica process, killed when dropped.
struct Process {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
}

impl Process {
    fn spawn(url: &str, id: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_share_replica"))
            .args([url, "kol-prod", id])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn share_replica");
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            stdin,
            lines,
        }
    }

    /// The next line starting with `prefix`, within the deadline.
    fn expect(&self, prefix: &str) -> String {
        let end = Instant::now() + DEADLINE;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.starts_with(prefix) => return line,
                Ok(_) => {}
                Err(e) => panic!("no `{prefix}` line: {e}"),
            }
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `open <breaker> <unix-nanos> <reason>` → (nanos, reason).
fn parse_open(line: &str) -> (u128, String) {
    let mut parts = line.splitn(4, ' ');
    let _ = (parts.next(), parts.next());
    let nanos = parts.next().and_then(|n| n.parse().ok()).expect("nanos");
    (nanos, parts.next().unwrap_or_default().to_owned())
}

#[test]
fn three_processes_share_a_trip() {
    let redis = RedisServer::start().unwrap_or_else(|e| panic!("{e}"));
    let replicas: Vec<Process> = ["api-1", "api-2", "api-3"]
        .iter()
        .map(|id| Process::spawn(&redis.url(), id))
        .collect();
    for replica in &replicas {
        assert_eq!(replica.expect("ready"), "ready connected=true");
    }
    writeln!(&replicas[0].stdin, "trip kol-backend").expect("send trip");
    let (tripped, reason) = parse_open(&replicas[0].expect("open kol-backend"));
    assert!(
        reason.starts_with("tripped: 3 consecutive failures"),
        "{reason}"
    );
    for peer in &replicas[1..] {
        let (opened, reason) = parse_open(&peer.expect("open kol-backend"));
        assert!(
            reason.starts_with("opened by peer api-1: tripped"),
            "{reason}"
        );
        // One machine, one wall clock: recorded, not asserted (bench
        // section 8 measures the distribution).
        let delay =
            Duration::from_nanos(u64::try_from(opened.saturating_sub(tripped)).unwrap_or(0));
        println!("propagation delay to another process: {delay:?}");
    }
}
