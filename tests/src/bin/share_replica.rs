//! One replica for tests/tests/share_processes.rs: a registry sharing
//! through Redis. Reads commands on stdin (`trip <breaker>`), prints
//! `ready` once started and `open <breaker> <unix-nanos> <reason>` each time
//! one of its breakers opens.
//!
//! `share_replica <redis-url> <namespace> <replica-id>`

#![forbid(unsafe_code)]

use std::io::BufRead;
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use circuit_core::{Config, EventListener, Registry, State, StateChange};
use circuit_share::{Namespace, RedisBackend, ReplicaId, ShareSettings, Sharing};

#[derive(Debug)]
struct PrintOpens;

impl EventListener for PrintOpens {
    fn on_state_change(&self, breaker: &str, change: &StateChange) {
        if change.to == State::Open {
            let nanos = change
                .wall_time
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos();
            println!("open {breaker} {nanos} {}", change.reason);
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, namespace, replica] = args.as_slice() else {
        return Err("usage: share_replica <redis-url> <namespace> <replica-id>".into());
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let sharing = Sharing::new(ShareSettings::new(
        Namespace::new(namespace.as_str())?,
        ReplicaId::new(replica.as_str())?,
    ))?;
    let registry: Arc<Registry<String>> = Arc::new(
        Registry::builder()
            .config(Config {
                max_failures: 3,
                ..Config::default()
            })
            .listener(sharing.listener())
            .listener(PrintOpens)
            .build()?,
    );
    let backend = RedisBackend::from_url(url)?;
    let running = runtime.block_on(sharing.start(backend, Arc::clone(&registry)));
    println!("ready connected={}", running.stats().connected);
    // Commands come on a plain thread; breakers need no runtime.
    let commands = std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if let Some(name) = line.strip_prefix("trip ") {
                let breaker = registry.get(name);
                while breaker.state() == State::Closed {
                    match breaker.try_acquire() {
                        Ok(permit) => permit.record_failure(),
                        Err(_) => break,
                    }
                }
            }
        }
    });
    // Run the sharing tasks until stdin closes (the test ends).
    runtime.block_on(async {
        while !commands.is_finished() {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    });
    println!("stats {:?}", running.stats());
    Ok(())
}
