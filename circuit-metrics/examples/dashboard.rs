//! A dashboard over simulated breakers, some of which go through outages.
//!
//! ```text
//! cargo run -p circuit-metrics --example dashboard --features dashboard,prometheus -- [BREAKERS] [ADDR]
//! ```
//!
//! Serves on 127.0.0.1:9464 unless an address is given, with control
//! actions enabled when `DASHBOARD_TOKEN` is set.

use std::sync::Arc;
use std::time::{Duration, Instant};

use circuit_core::{CircuitBreaker, Config};
use circuit_metrics::dashboard::{ControlToken, Dashboard};
use circuit_metrics::{BreakerSource, Collector, DEFAULT_ADDR, MetricsServer, PrometheusExporter};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(12);
    let addr = args.next().unwrap_or_else(|| DEFAULT_ADDR.to_owned());

    let config = Config {
        min_requests: 10,
        failure_threshold: 0.5,
        recovery_timeout: Duration::from_secs(5),
        monitor_window: Duration::from_secs(10),
        max_requests: 3,
        ..Config::default()
    };
    let collector = Arc::new(Collector::new());
    let mut breakers = Vec::new();
    for i in 0..count {
        let name = format!("kol-backend-{i:03}");
        let breaker = Arc::new(
            CircuitBreaker::builder(name)
                .config(config.clone())
                .build()?,
        );
        collector.register(BreakerSource::new(Arc::clone(&breaker)));
        breakers.push(breaker);
    }
    let mut dashboard = Dashboard::new(Arc::clone(&collector));
    if let Ok(token) = std::env::var("DASHBOARD_TOKEN") {
        dashboard = dashboard.with_control(ControlToken::new(token)?);
    }
    let server = MetricsServer::builder()
        .bind(addr)
        .prometheus(PrometheusExporter::new(collector))
        .dashboard(dashboard)
        .start()?;
    println!("dashboard: {}", server.url());

    // Every fifth backend goes through a 20 s outage every minute, starting
    // at a different time; the others fail 2 % of their calls.
    let started = Instant::now();
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    loop {
        let second = started.elapsed().as_secs();
        for (i, breaker) in breakers.iter().enumerate() {
            let down = i % 5 == 0 && (second + i as u64 * 7) % 60 < 20;
            for _ in 0..2 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let fails = if down {
                    seed % 100 < 90
                } else {
                    seed % 100 < 2
                };
                if let Ok(permit) = breaker.try_acquire() {
                    if fails {
                        permit.record_failure();
                    } else {
                        permit.record_success();
                    }
                }
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
