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
/// call finished in between). A [`RegistrySource`](crate::RegistrySource)
/// gives one such event per key it shows, with `breaker` the registry's
/// name and `key` the key (quoted), and one "metrics snapshot" of the
/// registry's counts. Any other source gives "metrics snapshot" with
/// `source` and `metrics`, every series as `name{k=v}=value` pairs (values
/// other than plain words quoted).
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
            let is_state = |s: &&Sample| std::ptr::eq(s.descriptor, &STATE);
            let keyed = source.samples.iter().any(|s| s.attribute("key").is_some());
            if keyed {
                log_registry(source, &mut deltas);
            } else if source.samples.iter().any(|s| is_state(&s)) {
                let samples: Vec<&Sample> = source.samples.iter().collect();
                log_breaker(&samples, None, &mut deltas);
            } else {
                log_other(&source.source, source.samples.iter());
            }
        }
        deltas.finish();
        Ok(())
    }
}

fn log_other<'a>(source: &str, samples: impl Iterator<Item = &'a Sample>) {
    let samples: Vec<&Sample> = samples.collect();
    if samples.is_empty() {
        return;
    }
    tracing::info!(
        target: "circuit_metrics",
        source = %source,
        metrics = %Logfmt(&samples),
        "metrics snapshot"
    );
}

/// A registry's source: one line per key, then one for the registry's own
/// counts.
fn log_registry(source: &SourceSnapshot, deltas: &mut Deltas) {
    let mut keys: Vec<(&str, Vec<&Sample>)> = Vec::new();
    for sample in &source.samples {
        let Some(key) = sample.attribute("key") else {
            continue;
        };
        match keys.iter_mut().find(|(k, _)| *k == key) {
            Some((_, samples)) => samples.push(sample),
            None => keys.push((key, vec![sample])),
        }
    }
    for (key, samples) in &keys {
        log_breaker(samples, Some(key), deltas);
    }
    log_other(
        &source.source,
        source
            .samples
            .iter()
            .filter(|s| s.attribute("key").is_none()),
    );
}

fn log_breaker(samples: &[&Sample], key: Option<&str>, deltas: &mut Deltas) {
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
        // Debug-quoted: a key is the user's text and may hold anything.
        key = key.map(tracing::field::debug),
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

/// Samples as `name{k=v,…}=value` pairs separated by spaces; a label value
/// other than letters, digits and `_-.:/` is written quoted and escaped
/// (Rust `Debug`), so that no value can end a pair or the line.
struct Logfmt<'a>(&'a [&'a Sample]);

impl fmt::Display for Logfmt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut line = String::new();
        for (n, sample) in self.0.iter().enumerate() {
            if n > 0 {
                line.push(' ');
            }
            line.push_str(sample.descriptor.name);
            if sample.labels().next().is_some() {
                line.push('{');
                for (i, (k, v)) in sample.labels().enumerate() {
                    if i > 0 {
                        line.push(',');
                    }
                    let plain = v.bytes().all(|b| {
                        b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':' | b'/')
                    });
                    let _ = if plain && !v.is_empty() {
                        write!(line, "{k}={v}")
                    } else {
                        write!(line, "{k}={v:?}")
                    };
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
