//! One breaker per host from a `Registry`, every key on `/metrics` with a
//! `key` label and on the dashboard, under a bound.
//!
//! ```text
//! cargo run -p circuit-metrics --example registry --features prometheus,dashboard -- [HOSTS] [MAX_KEYS] [SECONDS]
//! ```
//!
//! 40 hosts and a bound of 10 unless told otherwise; runs until stopped
//! unless SECONDS is given. Three hosts go down now and then: they are
//! listed first while open, whatever their place by name, and
//! `circuit_breaker_registry_hidden_keys` counts the hosts left out.

use std::sync::Arc;
use std::time::{Duration, Instant};

use circuit_core::{Config, Registry};
use circuit_metrics::dashboard::Dashboard;
use circuit_metrics::{Collector, MetricsServer, PrometheusExporter, RegistrySource};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let hosts: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(40);
    let max_keys: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(10);
    let seconds: Option<u64> = args.next().map(|n| n.parse()).transpose()?;

    let registry: Arc<Registry<String>> = Arc::new(
        Registry::builder()
            .config(Config {
                min_requests: 5,
                recovery_timeout: Duration::from_secs(5),
                ..Config::default()
            })
            .build()?,
    );
    let upstreams = RegistrySource::new("upstreams", Arc::clone(&registry)).max_keys(max_keys);
    let collector = Arc::new(Collector::new());
    collector.register(upstreams.clone());
    let server = MetricsServer::builder()
        .prometheus(PrometheusExporter::new(collector))
        .dashboard(Dashboard::new(upstreams))
        .start()?;
    println!("dashboard: {}", server.url());
    println!("metrics:   {}metrics", server.url());

    let names: Vec<String> = (0..hosts)
        .map(|i| format!("https://host-{i:03}.example.com:443"))
        .collect();
    let started = Instant::now();
    while seconds.is_none_or(|s| started.elapsed().as_secs() < s) {
        let second = started.elapsed().as_secs();
        for (i, host) in names.iter().enumerate() {
            // The last three hosts are down for 15 s of every 30.
            let down = i + 3 >= hosts && (second + i as u64) % 30 < 15;
            registry.with_breaker(host.as_str(), |breaker| {
                if let Ok(permit) = breaker.try_acquire() {
                    if down {
                        permit.record_failure();
                    } else {
                        permit.record_success();
                    }
                }
            });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}
