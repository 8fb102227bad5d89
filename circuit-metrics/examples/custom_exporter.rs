//! A user-defined sink: every series as one JSON line on any writer.
//!
//! `cargo run -p circuit-metrics --example custom_exporter`

use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use circuit_core::{CircuitBreaker, Config};
use circuit_metrics::{
    BreakerSource, Collector, Error, Exporter, LatencyRecorder, Snapshot, Value,
};
use serde_json::{Map, json};

/// Writes one JSON object per series: `{"metric", "attributes", "value"}`;
/// histograms become count, sum and a few quantiles.
struct JsonLines<W> {
    out: Mutex<W>,
}

// The trait asks for Debug so exporters show up in logs; the writer itself
// has nothing worth printing.
impl<W> std::fmt::Debug for JsonLines<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JsonLines")
    }
}

impl<W: Write + Send> Exporter for JsonLines<W> {
    fn export(&self, snapshot: &Snapshot) -> Result<(), Error> {
        let mut out = self
            .out
            .lock()
            .map_err(|_| Error::export("json-lines", "writer poisoned"))?;
        for sample in snapshot.samples() {
            let attributes: Map<String, serde_json::Value> = sample
                .labels()
                .map(|(k, v)| (k.to_owned(), json!(v)))
                .collect();
            let value = match &sample.value {
                Value::Counter(v) => json!(v),
                Value::Gauge(v) => json!(v),
                Value::Histogram(h) => json!({
                    "count": h.count(),
                    "sum_seconds": h.sum().as_secs_f64(),
                    "p50_seconds": h.quantile(0.5).map(|d| d.as_secs_f64()),
                    "p99_seconds": h.quantile(0.99).map(|d| d.as_secs_f64()),
                }),
            };
            let line = json!({ "metric": sample.descriptor.name, "attributes": attributes, "value": value });
            writeln!(out, "{line}").map_err(|e| Error::export("json-lines", e))?;
        }
        out.flush().map_err(|e| Error::export("json-lines", e))
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let latency = LatencyRecorder::new();
    let breaker = Arc::new(
        CircuitBreaker::builder("kol-matcher")
            .config(Config {
                max_failures: 2,
                ..Config::default()
            })
            .listener(latency.clone())
            .build()?,
    );
    let collector = Collector::new();
    collector.register(BreakerSource::new(Arc::clone(&breaker)).with_latency(latency));

    for (millis, ok) in [(12, true), (15, true), (900, false), (1_200, false)] {
        let mut permit = breaker.try_acquire()?;
        permit.set_latency(Duration::from_millis(millis));
        if ok {
            permit.record_success()
        } else {
            permit.record_failure()
        }
    }
    // The breaker tripped after two failures: this call is rejected.
    assert!(breaker.try_acquire().is_err());

    let exporter = JsonLines {
        out: Mutex::new(io::stdout()),
    };
    collector.export(&exporter)?;
    Ok(())
}
