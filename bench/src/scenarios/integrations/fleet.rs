//! Section 6d: a `Registry` holding 10 000 and 100 000 breakers, each used
//! once, with and without a compact latency recorder per breaker: heap per
//! breaker, and how long creating them all takes.

use std::hint::black_box;
use std::time::Instant;

use circuit_core::{Config, Registry};
use circuit_metrics::LatencyRecorder;
use serde::Serialize;

use crate::alloc;
use crate::error::Error;

/// Breakers held, per row.
const FLEETS: [usize; 2] = [10_000, 100_000];

/// One registry, full.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct FleetRow {
    pub(crate) breakers: usize,
    /// Whether each breaker has a `LatencyRecorder::compact()` attached.
    pub(crate) compact_recorder: bool,
    /// Net heap held by the registry once every key has a breaker that
    /// made one successful call: slots, keys, names, breakers, recorders,
    /// shards.
    pub(crate) heap_bytes: i64,
    /// Creating every breaker (the first `get` of each key), in ms.
    pub(crate) fill_ms: f64,
}

impl FleetRow {
    pub(crate) fn per_breaker(&self) -> f64 {
        self.heap_bytes as f64 / self.breakers as f64
    }
}

pub(crate) fn run() -> Result<Vec<FleetRow>, Error> {
    let mut rows = Vec::new();
    for breakers in FLEETS {
        for compact_recorder in [false, true] {
            rows.push(fleet(breakers, compact_recorder)?);
        }
    }
    Ok(rows)
}

fn fleet(breakers: usize, compact_recorder: bool) -> Result<FleetRow, Error> {
    // The keys are the caller's; the registry's own copy is counted.
    let keys: Vec<String> = (0..breakers)
        .map(|i| format!("https://host-{i:06}.example.com:443"))
        .collect();
    let (built, allocs) = alloc::measure(|| {
        let mut builder = Registry::<String>::builder()
            .config(Config::default())
            .max_breakers(breakers);
        if compact_recorder {
            builder = builder.customize(|_, b| b.listener(LatencyRecorder::compact()));
        }
        let registry = builder.build().map_err(|e| Error::setup("registry", e))?;
        let started = Instant::now();
        for key in &keys {
            black_box(registry.get(key.as_str()));
        }
        let fill = started.elapsed();
        for key in &keys {
            let called = registry.with_breaker(key.as_str(), |breaker| {
                breaker.try_acquire().map(|permit| permit.record_success())
            });
            called.map_err(|e| Error::setup("registry fleet", e))?;
        }
        Ok::<_, Error>((registry, fill))
    });
    let (registry, fill) = built?;
    if registry.len() != breakers || registry.overflowed() > 0 {
        return Err(Error::setup(
            "registry fleet",
            format!("{} of {breakers} breakers held", registry.len()),
        ));
    }
    drop(registry);
    Ok(FleetRow {
        breakers,
        compact_recorder,
        heap_bytes: allocs.net_bytes,
        fill_ms: fill.as_secs_f64() * 1e3,
    })
}
