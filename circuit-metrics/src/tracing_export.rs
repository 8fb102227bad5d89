//! Snapshots as structured `tracing` events (feature `tracing`).

use std::fmt;
use std::fmt::Write as _;
use std::sync::Mutex;

use crate::breaker::{
    CALL_DURATION, CALLS, CONSECUTIVE_FAILURES, REJECTED_CALLS, SLOW_CALLS, STATE, TRIPS,
    WINDOW_FAILURE_RATIO,
};
use crate::delta::Deltas;
use crate::histogram::HistogramSnapshot;
use crate::model::{Descriptor, Sample, Snapshot, SourceSnapshot, Value};
use crate::{Error, Exporter};

/// Logs each snapshot as one `info` event per source, target
/// `circuit_metrics`.
///
/// A breaker gives the event "circuit breaker metrics" with fields
/// `breaker`, `state`, `calls`, `successes`, `failures`, `timeouts`,
/// `rejected`, `slow`, `trips`, `consecutive_failures`, `failure_ratio`
/// (window) and `p50_ms` / `p99_ms` (latency of the calls since the previous
/// event, all outcomes, when a latency recorder is attached; absent when no
/// call finished in between). Any other source gives "metrics snapshot"
/// with `source` and `metrics`, every series as `name{k=v}=value` pairs.
#[derive(Debug, Default)]
pub struct TracingExporter {
    deltas: Mutex<Deltas>,
}

impl TracingExporter {
    /// An exporter logging through the global `tracing` dispatcher.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Exporter for TracingExporter {
    fn export(&self, snapshot: &Snapshot) -> Result<(), Error> {
        let mut deltas = self
            .deltas
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        deltas.begin();
        for source in &snapshot.sources {
            match source
                .samples
                .iter()
                .find(|s| std::ptr::eq(s.descriptor, &STATE))
            {
                Some(_) => log_breaker(source, &mut deltas),
                None => tracing::info!(
                    target: "circuit_metrics",
                    source = %source.source,
                    metrics = %Logfmt(&source.samples),
                    "metrics snapshot"
                ),
            }
        }
        deltas.finish();
        Ok(())
    }
}

fn log_breaker(source: &SourceSnapshot, deltas: &mut Deltas) {
    let samples = &source.samples;
    let counter = |d: &Descriptor, outcome: Option<&str>| -> u64 {
        samples
            .iter()
            .filter(|s| {
                std::ptr::eq(s.descriptor, d)
                    && outcome.is_none_or(|o| s.attribute("outcome") == Some(o))
            })
            .map(|s| {
                if let Value::Counter(v) = s.value {
                    v
                } else {
                    0
                }
            })
            .sum()
    };
    let gauge = |d: &Descriptor| -> f64 {
        samples
            .iter()
            .find(|s| std::ptr::eq(s.descriptor, d))
            .map_or(0.0, |s| {
                if let Value::Gauge(v) = s.value {
                    v
                } else {
                    0.0
                }
            })
    };
    let state = samples
        .iter()
        .find(|s| std::ptr::eq(s.descriptor, &STATE) && s.value == Value::Gauge(1.0))
        .and_then(|s| s.attribute("state"))
        .unwrap_or("unknown");
    let breaker = samples
        .first()
        .and_then(|s| s.attribute("breaker"))
        .unwrap_or_default();

    let mut recent = HistogramSnapshot::default();
    for sample in samples
        .iter()
        .filter(|s| std::ptr::eq(s.descriptor, &CALL_DURATION))
    {
        if let Value::Histogram(h) = &sample.value {
            recent.merge(&deltas.histogram(sample, h));
        }
    }
    let ms = |q: f64| recent.quantile(q).map(|d| d.as_secs_f64() * 1e3);
    tracing::info!(
        target: "circuit_metrics",
        breaker,
        state,
        calls = counter(&CALLS, None),
        successes = counter(&CALLS, Some("success")),
        failures = counter(&CALLS, Some("failure")),
        timeouts = counter(&CALLS, Some("timeout")),
        rejected = counter(&REJECTED_CALLS, None),
        slow = counter(&SLOW_CALLS, None),
        trips = counter(&TRIPS, None),
        consecutive_failures = gauge(&CONSECUTIVE_FAILURES),
        failure_ratio = gauge(&WINDOW_FAILURE_RATIO),
        p50_ms = ms(0.5),
        p99_ms = ms(0.99),
        "circuit breaker metrics"
    );
}

/// Samples as `name{k=v,…}=value` pairs separated by spaces.
struct Logfmt<'a>(&'a [Sample]);

impl fmt::Display for Logfmt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut line = String::new();
        for (n, sample) in self.0.iter().enumerate() {
            if n > 0 {
                line.push(' ');
            }
            line.push_str(sample.descriptor.name);
            if !sample.attributes.is_empty() {
                line.push('{');
                for (i, (k, v)) in sample.labels().enumerate() {
                    if i > 0 {
                        line.push(',');
                    }
                    let _ = write!(line, "{k}={v}");
                }
                line.push('}');
            }
            match &sample.value {
                Value::Histogram(h) => {
                    let _ = write!(line, "=[{h}]");
                }
                value => {
                    let _ = write!(line, "={value}");
                }
            }
        }
        f.write_str(&line)
    }
}

#[cfg(test)]
mod tests;
