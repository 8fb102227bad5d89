use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use circuit_core::CircuitBreaker;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};

use super::*;
use crate::model::{Kind, Unit};
use crate::{BreakerSource, Collector, LatencyRecorder, MetricSource};

type Events = Arc<Mutex<Vec<BTreeMap<String, String>>>>;

/// Keeps every event's fields as strings.
struct Capture(Events);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        fields.insert("target".to_owned(), event.metadata().target().to_owned());
        event.record(&mut Fields(&mut fields));
        self.0.lock().unwrap().push(fields);
    }
}

static QUEUE_DEPTH: Descriptor = Descriptor::new(
    "client.queue.depth",
    Kind::Gauge,
    Unit::Count("request"),
    "x",
    &["client"],
);

#[derive(Debug)]
struct Queue;

impl MetricSource for Queue {
    fn name(&self) -> std::borrow::Cow<'_, str> {
        "client/api".into()
    }
    fn collect(&self, out: &mut Vec<Sample>) {
        out.push(Sample::new(
            &QUEUE_DEPTH,
            vec!["api".into()],
            Value::Gauge(3.0),
        ));
    }
}

#[test]
fn one_structured_event_per_source() {
    let latency = LatencyRecorder::new();
    let cb = Arc::new(
        CircuitBreaker::builder("kol-matcher")
            .listener(latency.clone())
            .build()
            .unwrap(),
    );
    let collector = Collector::new();
    collector.register(BreakerSource::new(Arc::clone(&cb)).with_latency(latency));
    collector.register(Queue);
    let events: Events = Arc::default();
    let subscriber = tracing_subscriber::registry().with(Capture(Arc::clone(&events)));
    let exporter = TracingExporter::new();
    tracing::subscriber::with_default(subscriber, || {
        for ms in [10, 20, 30] {
            let mut permit = cb.try_acquire().unwrap();
            permit.set_latency(Duration::from_millis(ms));
            permit.record_success();
        }
        let mut permit = cb.try_acquire().unwrap();
        permit.set_latency(Duration::from_millis(40));
        permit.record_failure();
        collector.export(&exporter).unwrap();
        collector.export(&exporter).unwrap();
    });
    let events = events.lock().unwrap();
    assert_eq!(events.len(), 4);
    let breaker = &events[0];
    assert_eq!(breaker["target"], "circuit_metrics");
    assert_eq!(breaker["message"], "circuit breaker metrics");
    assert_eq!(breaker["breaker"], "kol-matcher");
    assert_eq!(breaker["state"], "closed");
    assert_eq!(
        (breaker["calls"].as_str(), breaker["successes"].as_str()),
        ("4", "3")
    );
    assert_eq!(
        (breaker["failures"].as_str(), breaker["rejected"].as_str()),
        ("1", "0")
    );
    assert_eq!(breaker["failure_ratio"], "0.25");
    assert_eq!(
        breaker["p50_ms"], "19.5",
        "midpoint of (19 ms, 20 ms], which holds the median"
    );
    let other = &events[1];
    assert_eq!(other["message"], "metrics snapshot");
    assert_eq!(other["source"], "client/api");
    assert_eq!(other["metrics"], "client.queue.depth{client=api}=3");
    assert_eq!(
        events[2].get("p50_ms"),
        None,
        "no call finished since the previous event"
    );
    assert_eq!(events[2]["calls"], "4");
}

#[test]
fn a_registry_logs_one_event_per_key_and_its_counts() {
    let hosts: Arc<circuit_core::Registry<String>> =
        Arc::new(circuit_core::Registry::new(circuit_core::Config::default()).unwrap());
    hosts
        .get("api.example")
        .try_acquire()
        .unwrap()
        .record_success();
    hosts.get("a \"b\"\nc");
    let collector = Collector::new();
    collector.register(crate::RegistrySource::new("upstreams", Arc::clone(&hosts)).max_keys(1));
    let events: Events = Arc::default();
    let subscriber = tracing_subscriber::registry().with(Capture(Arc::clone(&events)));
    tracing::subscriber::with_default(subscriber, || {
        collector.export(&TracingExporter::new()).unwrap();
    });
    let events = events.lock().unwrap();
    let messages: Vec<&str> = events
        .iter()
        .map(|e| e["message"].as_str())
        .filter(|m| !m.starts_with("the registry has more keys than the metrics bound"))
        .collect();
    assert_eq!(messages, ["circuit breaker metrics", "metrics snapshot"]);
    let key = events.iter().find(|e| e.contains_key("key")).unwrap();
    assert_eq!(key["breaker"], "upstreams");
    assert_eq!(
        key["key"], "\"a \\\"b\\\"\\nc\"",
        "the key is quoted and escaped"
    );
    assert_eq!(key["calls"], "0");
    let counts = events
        .iter()
        .find(|e| e["message"] == "metrics snapshot")
        .unwrap();
    assert_eq!(counts["source"], "circuit_breaker_registry/upstreams");
    assert!(
        counts["metrics"]
            .contains("circuit_breaker.registry.hidden_keys{breaker=upstreams,state=closed}=1"),
        "{}",
        counts["metrics"]
    );
}

#[test]
fn label_values_that_are_not_plain_words_are_quoted() {
    static SEEN: Descriptor = Descriptor::new("seen", Kind::Gauge, Unit::Count("x"), "x", &["who"]);
    let samples = [
        Sample::new(&SEEN, vec!["a b=c}".into()], Value::Gauge(1.0)),
        Sample::new(&SEEN, vec!["".into()], Value::Gauge(2.0)),
        Sample::new(&SEEN, vec!["api.example.com:443".into()], Value::Gauge(3.0)),
    ];
    let refs: Vec<&Sample> = samples.iter().collect();
    assert_eq!(
        Logfmt(&refs).to_string(),
        r#"seen{who="a b=c}"}=1 seen{who=""}=2 seen{who=api.example.com:443}=3"#
    );
}
