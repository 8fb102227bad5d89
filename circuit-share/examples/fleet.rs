//! Three replicas of a KOL service share their breakers through Redis: one
//! trips on a dead backend, the others open; then it recovers and they
//! may probe at once.
//!
//! ```sh
//! cargo run -p circuit-share --features test-util --example fleet                  # starts redis-server
//! cargo run -p circuit-share --features test-util --example fleet -- redis://127.0.0.1:6379
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use circuit_core::{Config, Registry, State};
use circuit_share::test_util::RedisServer;
use circuit_share::{Namespace, RedisBackend, ReplicaId, Running, ShareSettings, Sharing};

const BACKEND: &str = "kol-backend";

async fn replica(
    url: &str,
    id: &str,
) -> Result<(Arc<Registry<String>>, Running), Box<dyn std::error::Error>> {
    let sharing = Sharing::new(ShareSettings::new(
        Namespace::new("kol-example")?,
        ReplicaId::new(id)?,
    ))?;
    let registry: Arc<Registry<String>> = Arc::new(
        Registry::builder()
            .config(Config {
                max_failures: 3,
                max_requests: 1,
                ..Config::default()
            })
            .listener(sharing.listener())
            .build()?,
    );
    let running = sharing
        .start(RedisBackend::from_url(url)?, Arc::clone(&registry))
        .await;
    Ok((registry, running))
}

async fn wait_until(mut check: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !check() && start.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    start.elapsed()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut own_server = None;
    let url = match std::env::args().nth(1) {
        Some(url) => url,
        None => own_server.insert(RedisServer::start()?).url(),
    };
    println!("Redis at {url}");
    let mut fleet = Vec::new();
    for id in ["api-1", "api-2", "api-3"] {
        fleet.push(replica(&url, id).await?);
    }

    println!("api-1 calls a dead backend until its breaker trips");
    let tripper = fleet[0].0.get(BACKEND);
    while tripper.state() == State::Closed {
        tripper.try_acquire()?.record_failure();
    }
    let waited = wait_until(|| {
        fleet[1..]
            .iter()
            .all(|(registry, _)| registry.get(BACKEND).state() == State::Open)
    })
    .await;
    for (registry, running) in &fleet[1..] {
        let breaker = registry.get(BACKEND);
        let reason = breaker.transitions().last().map(|t| t.reason.to_string());
        println!(
            "  {} {}: {} ({}) after {waited:?}, without a call of its own",
            running.settings().replica,
            BACKEND,
            breaker.state(),
            reason.unwrap_or_default()
        );
    }

    println!("api-1's probe succeeds: it closes, and tells the others");
    tripper.allow_probe_now();
    tripper.try_acquire()?.record_success();
    let peer = fleet[1].0.get(BACKEND);
    wait_until(|| fleet[1].1.stats().applied >= 2).await;
    match peer.try_acquire() {
        Ok(probe) => {
            println!("  api-2 may probe at once (probe: {})", probe.is_probe());
            probe.record_success();
        }
        Err(rejected) => println!("  api-2 still rejects: {rejected}"),
    }
    println!("  api-2 is now {}", peer.state());
    for (_, running) in &fleet {
        println!("  {}: {:?}", running.settings().replica, running.stats());
    }
    Ok(())
}
