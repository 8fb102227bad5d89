use circuit_core::CircuitBreaker;
use opentelemetry::KeyValue;
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, Metric, MetricData, ResourceMetrics};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader};

use super::*;
use crate::{BreakerSource, LatencyRecorder, names};

struct Harness {
    breaker: Arc<CircuitBreaker>,
    exporter: InMemoryMetricExporter,
    provider: SdkMeterProvider,
    _instruments: OtelInstruments,
}

fn harness() -> Harness {
    let latency = LatencyRecorder::new();
    let breaker = Arc::new(
        CircuitBreaker::builder("kol-matcher")
            .listener(latency.clone())
            .build()
            .unwrap(),
    );
    let collector = Arc::new(Collector::new());
    collector.register(BreakerSource::new(Arc::clone(&breaker)).with_latency(latency));
    let exporter = InMemoryMetricExporter::default();
    let reader = PeriodicReader::builder(exporter.clone())
        .with_interval(Duration::from_secs(3600))
        .build();
    let provider = SdkMeterProvider::builder().with_reader(reader).build();
    let bounds = crate::bounds::latency_bounds(&DEFAULT_LATENCY_BOUNDS).unwrap();
    let instruments = register_instruments(
        &provider.meter("test"),
        collector,
        &BREAKER_METRICS,
        &bounds,
    );
    Harness {
        breaker,
        exporter,
        provider,
        _instruments: instruments,
    }
}

impl Harness {
    fn call(&self, millis: u64, ok: bool) {
        let mut permit = self.breaker.try_acquire().unwrap();
        permit.set_latency(Duration::from_millis(millis));
        if ok {
            permit.record_success()
        } else {
            permit.record_failure()
        }
    }

    fn flush(&self) -> ResourceMetrics {
        self.exporter.reset();
        self.provider.force_flush().unwrap();
        self.exporter
            .get_finished_metrics()
            .unwrap()
            .pop()
            .expect("one export")
    }
}

fn metric<'a>(rm: &'a ResourceMetrics, name: &str) -> &'a Metric {
    rm.scope_metrics()
        .flat_map(|s| s.metrics())
        .find(|m| m.name() == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

fn has(attributes: &[KeyValue], outcome: &str) -> bool {
    attributes
        .iter()
        .any(|kv| kv.key.as_str() == "breaker" && kv.value.as_str() == "kol-matcher")
        && attributes.iter().any(|kv| kv.value.as_str() == outcome)
}

fn sum_u64(m: &Metric, outcome: &str) -> u64 {
    let AggregatedMetrics::U64(MetricData::Sum(sum)) = m.data() else {
        panic!("{} is not a u64 sum", m.name())
    };
    assert!(sum.is_monotonic());
    let point = sum
        .data_points()
        .find(|p| has(&p.attributes().cloned().collect::<Vec<_>>(), outcome));
    point
        .unwrap_or_else(|| panic!("no {outcome} point in {}", m.name()))
        .value()
}

fn gauge_f64(m: &Metric, attribute: &str) -> f64 {
    let AggregatedMetrics::F64(MetricData::Gauge(g)) = m.data() else {
        panic!("{} is not an f64 gauge", m.name())
    };
    let point = g
        .data_points()
        .find(|p| has(&p.attributes().cloned().collect::<Vec<_>>(), attribute));
    point
        .unwrap_or_else(|| panic!("no {attribute} point in {}", m.name()))
        .value()
}

/// `(count, sum, bucket counts)` of one outcome's latency histogram.
fn histogram(m: &Metric, outcome: &str) -> (u64, f64, Vec<u64>) {
    let AggregatedMetrics::F64(MetricData::Histogram(h)) = m.data() else {
        panic!("not an f64 histogram")
    };
    let p = h
        .data_points()
        .find(|p| has(&p.attributes().cloned().collect::<Vec<_>>(), outcome))
        .unwrap();
    (p.count(), p.sum(), p.bucket_counts().collect())
}

#[test]
fn instruments_carry_names_units_and_attributes() {
    let h = harness();
    h.call(3, true);
    h.call(40, true);
    h.call(40, false);
    let rm = h.flush();
    for d in BREAKER_METRICS {
        let m = metric(&rm, names::otel_name(d));
        assert_eq!(m.unit(), d.unit.otel(), "{}", d.name);
        assert_eq!(m.description(), d.help);
    }
    let names: Vec<&str> = rm
        .scope_metrics()
        .flat_map(|s| s.metrics())
        .map(Metric::name)
        .collect();
    assert!(
        !names.iter().any(|n| n.contains("internal")),
        "the replay driver is never exported: {names:?}"
    );
    assert_eq!(sum_u64(metric(&rm, "circuit_breaker.calls"), "success"), 2);
    assert_eq!(sum_u64(metric(&rm, "circuit_breaker.calls"), "failure"), 1);
    assert_eq!(
        gauge_f64(metric(&rm, "circuit_breaker.state"), "closed"),
        1.0
    );
    assert_eq!(gauge_f64(metric(&rm, "circuit_breaker.state"), "open"), 0.0);
    assert_eq!(
        gauge_f64(
            metric(&rm, "circuit_breaker.window.failure_ratio"),
            "kol-matcher"
        ),
        1.0 / 3.0
    );
}

#[test]
fn latency_is_replayed_once_with_exact_bucket_counts() {
    let h = harness();
    h.call(3, true);
    h.call(40, true);
    let (count, sum, buckets) = histogram(
        metric(&h.flush(), "circuit_breaker.call.duration"),
        "success",
    );
    assert_eq!(count, 2);
    // 1 ms, 2.5 ms, 5 ms, …: 3 ms is in the third bucket, 40 ms in the sixth.
    assert_eq!(&buckets[..7], &[0, 0, 1, 0, 0, 1, 0]);
    assert!(
        (sum - 0.043).abs() <= 0.043 * crate::MAX_RELATIVE_ERROR,
        "{sum}"
    );

    h.call(7_000, true);
    let (count, _, buckets) = histogram(
        metric(&h.flush(), "circuit_breaker.call.duration"),
        "success",
    );
    assert_eq!(
        count, 3,
        "cumulative, and the first two calls are not replayed again"
    );
    assert_eq!(buckets.iter().sum::<u64>(), 3);
    assert_eq!(buckets[14], 1, "7 s is in (5 s, 7.5 s]");
    let (count, _, _) = histogram(
        metric(&h.flush(), "circuit_breaker.call.duration"),
        "success",
    );
    assert_eq!(count, 3);
}

#[test]
fn the_builder_checks_its_settings() {
    let collector = Arc::new(Collector::new());
    let bad_bounds = OtlpExporter::builder(Arc::clone(&collector))
        .bounds(&[2.0, 1.0])
        .build();
    assert!(matches!(bad_bounds, Err(Error::InvalidBounds { .. })));
    let zero = OtlpExporter::builder(Arc::clone(&collector))
        .interval(Duration::ZERO)
        .build();
    assert!(matches!(zero, Err(Error::Setup { .. })));
    let bad_endpoint = OtlpExporter::builder(collector)
        .endpoint("not a url")
        .build();
    assert!(
        matches!(bad_endpoint, Err(Error::Setup { .. })),
        "{bad_endpoint:?}"
    );
}

#[test]
fn debug_output_hides_credentials() {
    assert_eq!(
        redacted("https://user:secret@collector:4318/v1/metrics?token=x"),
        "https://collector:4318/v1/metrics"
    );
    assert_eq!(redacted("http://localhost:4318"), "http://localhost:4318/");
    assert_eq!(redacted("not a url"), "not a url/");
    let builder =
        OtlpExporter::builder(Arc::new(Collector::new())).endpoint("http://u:p@h:1/v1/metrics?k=v");
    let debug = format!("{builder:?}");
    assert!(
        debug.contains("http://h:1/v1/metrics") && !debug.contains("u:p") && !debug.contains("k=v"),
        "{debug}"
    );
}

/// The `key` attribute of every `circuit_breaker.state{state="closed"}`
/// point, sorted.
fn state_keys(rm: &ResourceMetrics) -> Vec<String> {
    let AggregatedMetrics::F64(MetricData::Gauge(g)) = metric(rm, "circuit_breaker.state").data()
    else {
        panic!("state is an f64 gauge")
    };
    let mut keys: Vec<String> = g
        .data_points()
        .filter(|p| p.attributes().any(|kv| kv.value.as_str() == "closed"))
        .filter_map(|p| {
            p.attributes()
                .find(|kv| kv.key.as_str() == "key")
                .map(|kv| kv.value.as_str().into_owned())
        })
        .collect();
    keys.sort();
    keys
}

#[test]
fn registry_keys_are_attributes_verbatim_and_leave_with_their_key() {
    let hosts: Arc<circuit_core::Registry<String>> =
        Arc::new(circuit_core::Registry::new(circuit_core::Config::default()).unwrap());
    let odd = "tenant \"a\"\n\\b";
    hosts.get("api.example.com:443");
    hosts.get(odd);
    let collector = Arc::new(Collector::new());
    collector.register(crate::RegistrySource::new("upstreams", Arc::clone(&hosts)));
    let exporter = InMemoryMetricExporter::default();
    let reader = PeriodicReader::builder(exporter.clone())
        .with_interval(Duration::from_secs(3600))
        .build();
    let provider = SdkMeterProvider::builder().with_reader(reader).build();
    let descriptors: Vec<&'static Descriptor> = BREAKER_METRICS
        .iter()
        .chain(&crate::REGISTRY_METRICS)
        .copied()
        .collect();
    let _instruments = register_instruments(&provider.meter("test"), collector, &descriptors, &[]);
    let flush = || {
        exporter.reset();
        provider.force_flush().unwrap();
        exporter
            .get_finished_metrics()
            .unwrap()
            .pop()
            .expect("one export")
    };
    let rm = flush();
    assert_eq!(state_keys(&rm), ["api.example.com:443", odd]);
    let AggregatedMetrics::F64(MetricData::Gauge(keys)) =
        metric(&rm, "circuit_breaker.registry.keys").data()
    else {
        panic!("registry.keys is an f64 gauge")
    };
    let closed = keys
        .data_points()
        .find(|p| p.attributes().any(|kv| kv.value.as_str() == "closed"))
        .unwrap();
    assert_eq!(closed.value(), 2.0);

    hosts.remove(odd);
    assert_eq!(
        state_keys(&flush()),
        ["api.example.com:443"],
        "a removed key is not exported again"
    );
}
