//! OpenTelemetry observable instruments that read a [`Collector`] when the
//! SDK collects.

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Histogram, Meter, ObservableCounter, ObservableGauge};

use crate::delta::Deltas;
use crate::model::{Descriptor, Kind, Sample, Value};
use crate::{Collector, names};

/// The instruments registered by [`register_instruments`]; keep it alive
/// as long as the meter provider exports.
pub struct OtelInstruments {
    _counters: Vec<ObservableCounter<u64>>,
    _gauges: Vec<ObservableGauge<f64>>,
    _histograms: Vec<Histogram<f64>>,
    _replay: Option<ObservableGauge<u64>>,
    names: Vec<&'static str>,
}

impl OtelInstruments {
    /// The instrument names, in registration order.
    pub fn names(&self) -> &[&'static str] {
        &self.names
    }
}

impl fmt::Debug for OtelInstruments {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtelInstruments")
            .field("names", &self.names)
            .finish()
    }
}

/// Registers one instrument per descriptor on `meter`, each reading
/// `collector` when the SDK collects (an observable counter for counters,
/// an observable gauge for gauges).
///
/// OpenTelemetry has no observable histogram, so a histogram descriptor
/// gets a synchronous `f64` histogram with `bounds` as its explicit
/// buckets, and at each collection the calls recorded since the previous
/// one are replayed into it: each at its bucket's midpoint, so counts per
/// OpenTelemetry bucket are exact when the bounds are bucket edges (two
/// significant digits) and the sum is within 5 %. The replay costs one SDK
/// `record` per call, on the collecting thread, never on the call path.
///
/// Samples whose descriptor is not in `descriptors` are not exported.
pub fn register_instruments(
    meter: &Meter,
    collector: Arc<Collector>,
    descriptors: &[&'static Descriptor],
    bounds: &[Duration],
) -> OtelInstruments {
    let mut seen = HashSet::new();
    let mut instruments = OtelInstruments {
        _counters: Vec::new(),
        _gauges: Vec::new(),
        _histograms: Vec::new(),
        _replay: None,
        names: Vec::new(),
    };
    let mut histograms: Vec<(&'static str, Histogram<f64>)> = Vec::new();
    for &d in descriptors {
        if !seen.insert(d.name) {
            continue;
        }
        instruments.names.push(names::otel_name(d));
        match d.kind {
            Kind::Counter => {
                let collector = Arc::clone(&collector);
                let counter = meter
                    .u64_observable_counter(names::otel_name(d))
                    .with_unit(d.unit.otel())
                    .with_description(d.help)
                    .with_callback(move |observer| {
                        for (sample, attributes) in samples_of(&collector, d) {
                            match sample.value {
                                Value::Counter(v) => observer.observe(v, &attributes),
                                Value::Gauge(v) => observer.observe(v.max(0.0) as u64, &attributes),
                                Value::Histogram(_) => {}
                            }
                        }
                    })
                    .build();
                instruments._counters.push(counter);
            }
            Kind::Gauge => {
                let collector = Arc::clone(&collector);
                let gauge = meter
                    .f64_observable_gauge(names::otel_name(d))
                    .with_unit(d.unit.otel())
                    .with_description(d.help)
                    .with_callback(move |observer| {
                        for (sample, attributes) in samples_of(&collector, d) {
                            match sample.value {
                                Value::Gauge(v) => observer.observe(v, &attributes),
                                Value::Counter(v) => observer.observe(v as f64, &attributes),
                                Value::Histogram(_) => {}
                            }
                        }
                    })
                    .build();
                instruments._gauges.push(gauge);
            }
            Kind::Histogram => {
                let histogram = meter
                    .f64_histogram(names::otel_name(d))
                    .with_unit(d.unit.otel())
                    .with_description(d.help)
                    .with_boundaries(bounds.iter().map(Duration::as_secs_f64).collect())
                    .build();
                instruments._histograms.push(histogram.clone());
                histograms.push((d.name, histogram));
            }
        }
    }
    if !histograms.is_empty() {
        instruments._replay = Some(replay_gauge(meter, collector, histograms));
    }
    instruments
}

/// An observable gauge that observes nothing (so it is never exported):
/// its callback runs at every collection, before the SDK reads its
/// aggregates, which is when the histogram replay must happen.
fn replay_gauge(
    meter: &Meter,
    collector: Arc<Collector>,
    histograms: Vec<(&'static str, Histogram<f64>)>,
) -> ObservableGauge<u64> {
    let deltas = Mutex::new(Deltas::default());
    meter
        .u64_observable_gauge("circuit_metrics.internal.histogram_replay")
        .with_description("Never observed: drives the latency histogram replay.")
        .with_callback(move |_| {
            let snapshot = collector.snapshot();
            let mut deltas = deltas
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            deltas.begin();
            for sample in snapshot.samples() {
                let (Value::Histogram(now), Some((_, histogram))) = (
                    &sample.value,
                    histograms
                        .iter()
                        .find(|(name, _)| *name == sample.descriptor.name),
                ) else {
                    continue;
                };
                let attributes = attributes_of(sample);
                for (value, count) in deltas.histogram(sample, now).representatives() {
                    let seconds = value.as_secs_f64();
                    for _ in 0..count {
                        histogram.record(seconds, &attributes);
                    }
                }
            }
            deltas.finish();
        })
        .build()
}

fn samples_of(collector: &Collector, d: &'static Descriptor) -> Vec<(Sample, Vec<KeyValue>)> {
    let snapshot = collector.snapshot();
    snapshot
        .sources
        .into_iter()
        .flat_map(|s| s.samples)
        .filter(|s| s.descriptor.name == d.name)
        .map(|s| {
            let attributes = attributes_of(&s);
            (s, attributes)
        })
        .collect()
}

fn attributes_of(sample: &Sample) -> Vec<KeyValue> {
    sample
        .labels()
        .map(|(k, v)| KeyValue::new(k, v.to_owned()))
        .collect()
}
