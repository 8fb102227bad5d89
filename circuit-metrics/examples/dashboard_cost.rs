//! What the dashboard costs the process it runs in: memory, and CPU of the
//! server's thread with 0, 1, 10 and 50 connected viewers (Linux: reads
//! `/proc`).
//!
//! ```text
//! cargo run --release -p circuit-metrics --example dashboard_cost --features dashboard -- [BREAKERS] [WARMUP_S] [PHASE_S]
//! ```
//!
//! Defaults: 100 breakers, 320 s of warm-up (so every breaker holds its
//! full five minutes of history), 30 s per phase. Each breaker takes about
//! 20 calls a second, some through outages, from one traffic thread.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use circuit_core::{CircuitBreaker, Config};
use circuit_metrics::dashboard::Dashboard;
use circuit_metrics::{BreakerSource, Collector};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u64>());
    let count = args.next().transpose()?.unwrap_or(100) as usize;
    let warmup = Duration::from_secs(args.next().transpose()?.unwrap_or(320));
    let phase = Duration::from_secs(args.next().transpose()?.unwrap_or(30));

    let config = Config {
        min_requests: 10,
        failure_threshold: 0.5,
        recovery_timeout: Duration::from_secs(5),
        monitor_window: Duration::from_secs(10),
        ..Config::default()
    };
    let collector = Arc::new(Collector::new());
    let mut breakers = Vec::new();
    for i in 0..count {
        let breaker = Arc::new(
            CircuitBreaker::builder(format!("kol-backend-{i:04}"))
                .config(config.clone())
                .build()?,
        );
        collector.register(BreakerSource::new(Arc::clone(&breaker)));
        breakers.push(breaker);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let traffic = {
        let stop = Arc::clone(&stop);
        thread::spawn(move || traffic(&breakers, &stop))
    };
    thread::sleep(Duration::from_secs(2));

    let rss_before = rss_kib();
    let server = Dashboard::new(Arc::clone(&collector)).serve("127.0.0.1:0")?;
    let addr = server.local_addr();
    // A thread names itself once it runs: give it a moment.
    thread::sleep(Duration::from_millis(500));
    let http_thread = thread_named("circuit-metrics").ok_or("no server thread")?;
    println!("{count} breakers, dashboard at {}", server.url());
    thread::sleep(warmup);
    let rss_after = rss_kib();
    let snapshot = fetch(addr, "/api/breakers")?;
    println!(
        "memory: RSS {rss_before} KiB before the server, {rss_after} KiB after {} s of history (+{} KiB); /api/breakers is {} KiB",
        warmup.as_secs(),
        rss_after.saturating_sub(rss_before),
        snapshot.len() / 1024
    );

    let mut baseline = None;
    for viewers in [0usize, 1, 10, 50] {
        let received = Arc::new(AtomicU64::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let readers: Vec<_> = (0..viewers)
            .map(|_| {
                let received = Arc::clone(&received);
                let done = Arc::clone(&done);
                thread::spawn(move || view(addr, &received, &done))
            })
            .collect();
        thread::sleep(Duration::from_secs(3));
        let start_cpu = thread_cpu(&http_thread);
        let start_bytes = received.load(Ordering::Relaxed);
        let started = Instant::now();
        thread::sleep(phase);
        let cpu = thread_cpu(&http_thread) - start_cpu;
        let seconds = started.elapsed().as_secs_f64();
        let bytes = received.load(Ordering::Relaxed) - start_bytes;
        done.store(true, Ordering::Relaxed);
        for reader in readers {
            let _ = reader.join();
        }
        let share = cpu / seconds * 100.0;
        let base: f64 = *baseline.get_or_insert(share);
        let per_viewer = if viewers == 0 {
            String::new()
        } else {
            format!(
                ", {:.3} % per viewer above none, {:.1} KiB/s per viewer",
                (share - base) / viewers as f64,
                bytes as f64 / seconds / viewers as f64 / 1024.0
            )
        };
        println!("{viewers:>3} viewers: server thread {share:.3} % of one core{per_viewer}");
    }
    stop.store(true, Ordering::Relaxed);
    let _ = traffic.join();
    server.shutdown();
    Ok(())
}

/// About 20 calls a second per breaker; every tenth backend is down for
/// 20 s of each minute.
fn traffic(breakers: &[Arc<CircuitBreaker>], stop: &AtomicBool) {
    let started = Instant::now();
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    while !stop.load(Ordering::Relaxed) {
        let second = started.elapsed().as_secs();
        for (i, breaker) in breakers.iter().enumerate() {
            let down = i % 10 == 0 && (second + i as u64) % 60 < 20;
            for _ in 0..2 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let fails = seed % 100 < if down { 90 } else { 2 };
                if let Ok(permit) = breaker.try_acquire() {
                    if fails {
                        permit.record_failure();
                    } else {
                        permit.record_success();
                    }
                }
            }
        }
        thread::sleep(Duration::from_millis(100));
    }
}

/// One viewer: reads the event stream and throws it away.
fn view(addr: SocketAddr, received: &AtomicU64, done: &AtomicBool) {
    let Ok(mut stream) = TcpStream::connect(addr) else {
        return;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let _ = write!(
        stream,
        "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    );
    let mut buffer = [0u8; 64 * 1024];
    while !done.load(Ordering::Relaxed) {
        match stream.read(&mut buffer) {
            Ok(0) => return,
            Ok(n) => {
                received.fetch_add(n as u64, Ordering::Relaxed);
            }
            Err(_) => {}
        }
    }
}

fn fetch(addr: SocketAddr, path: &str) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr)?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    Ok(response)
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The `/proc/self/task/<id>` of the first thread whose name starts with
/// `prefix`.
fn thread_named(prefix: &str) -> Option<String> {
    std::fs::read_dir("/proc/self/task")
        .ok()?
        .flatten()
        .find_map(|task| {
            let path = task.path();
            let comm = std::fs::read_to_string(path.join("comm")).ok()?;
            comm.starts_with(prefix).then(|| path.display().to_string())
        })
}

/// CPU seconds a thread has run, from its `schedstat` (nanoseconds).
fn thread_cpu(task: &str) -> f64 {
    std::fs::read_to_string(format!("{task}/schedstat"))
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns / 1e9)
}
