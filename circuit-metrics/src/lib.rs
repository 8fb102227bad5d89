//! Circuit breaker metrics for the dashboards you already run: a
//! [`Collector`] of sources, a lock-free latency listener, and exporters for
//! `tracing`, Prometheus, OpenTelemetry (OTLP) and StatsD, each behind its
//! own feature, plus a small [`Exporter`] trait for your own sink.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! use circuit_core::CircuitBreaker;
//! use circuit_metrics::{BreakerSource, Collector, LatencyRecorder, Value};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // One latency recorder per breaker, attached as a listener.
//! let latency = LatencyRecorder::new();
//! let breaker = Arc::new(CircuitBreaker::builder("kol-matcher").listener(latency.clone()).build()?);
//!
//! let collector = Arc::new(Collector::new());
//! collector.register(BreakerSource::new(Arc::clone(&breaker)).with_latency(latency));
//!
//! let mut permit = breaker.try_acquire()?;
//! permit.set_latency(Duration::from_millis(42));
//! permit.record_success();
//!
//! // Exporters read snapshots: pulled on a scrape, or pushed periodically.
//! let snapshot = collector.snapshot();
//! let calls = snapshot.find("circuit_breaker.calls", &[("breaker", "kol-matcher"), ("outcome", "success")]);
//! assert_eq!(calls.map(|s| &s.value), Some(&Value::Counter(1)));
//! let state = snapshot.find("circuit_breaker.state", &[("state", "closed")]);
//! assert_eq!(state.map(|s| &s.value), Some(&Value::Gauge(1.0)));
//! let Some(Value::Histogram(h)) = snapshot.find("circuit_breaker.call.duration", &[]).map(|s| &s.value) else {
//!     panic!("latency is recorded");
//! };
//! assert_eq!(h.count(), 1);
//! # Ok(())
//! # }
//! ```
//!
//! # Pieces
//! * [`MetricSource`]: anything that reports samples of `static`
//!   [`Descriptor`]s. [`BreakerSource`] reports a breaker (the table is
//!   [`BREAKER_METRICS`]); other crates implement it for their own
//!   statistics.
//! * [`Collector`]: the registered sources, read on demand by
//!   [`Collector::snapshot`].
//! * [`Exporter`]: push a [`Snapshot`] somewhere. Object-safe, no runtime;
//!   `Collector::spawn_interval` (feature `tokio`) calls it periodically.
//! * [`LatencyRecorder`]: an [`EventListener`](circuit_core::EventListener)
//!   filling a [`LatencyHistogram`] per outcome: fixed memory, two relaxed
//!   atomic additions per call, no lock, no allocation. Buckets are
//!   log-linear in base 10 with two significant digits: quantiles are
//!   within [`MAX_RELATIVE_ERROR`] (5 %), counts at bounds like 5 ms or
//!   2.5 s are exact. [`LatencyRecorder::compact`] keeps 46 of those
//!   buckets instead, for breakers by the thousand: at most 2 KiB per
//!   breaker, quantiles within [`COMPACT_MAX_RELATIVE_ERROR`] (25 %),
//!   still exact at the default export bounds.
//!
//! # Features
//! * `tracing` (default): `TracingExporter`, one structured event per
//!   source and export.
//! * `tokio`: `Collector::spawn_interval`, the periodic driver.
//! * `prometheus`: `PrometheusExporter` (text exposition with
//!   `prometheus-client`, pulled at scrape time), served as `/metrics` by
//!   `MetricsServer`.
//! * `dashboard`: the real-time breaker dashboard (`dashboard::Dashboard`):
//!   one self-contained page, `/api/breakers`, `/api/events` (server-sent
//!   events) and token-guarded control actions, served by `MetricsServer`
//!   (`docs/dashboard.md`).
//! * `http` (implied by the two above): `MetricsServer`, hyper on a tokio
//!   runtime of its own thread, loopback by default.
//! * `otlp`: `OtlpExporter`, OpenTelemetry observable instruments exported
//!   over OTLP HTTP/protobuf by the SDK's periodic reader with the
//!   blocking reqwest client. `otlp-grpc` adds gRPC.
//! * TLS for an https OTLP endpoint: `rustls-aws-lc` (default; compiles
//!   nothing without `otlp`), `rustls-ring` or `native-tls`.
//! * `statsd`: `StatsdExporter`, the StatsD line protocol over UDP with
//!   `cadence`.
//!
//! Names per target, units and the resilience4j equivalents are in
//! `docs/metrics.md`; the rules are in [`names`].

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod bounds;
mod breaker;
pub mod buckets;
mod collector;
#[cfg(feature = "dashboard")]
pub mod dashboard;
#[cfg(any(feature = "statsd", feature = "tracing", feature = "otlp"))]
mod delta;
#[cfg(feature = "tokio")]
mod driver;
mod error;
mod exporter;
mod histogram;
mod latency;
mod model;
pub mod names;
mod registry;
mod source;
mod sync;

#[cfg(feature = "otlp")]
pub mod otlp;
#[cfg(feature = "prometheus")]
pub mod prometheus;
#[cfg(feature = "http")]
mod server;
#[cfg(feature = "statsd")]
mod statsd;
#[cfg(feature = "tracing")]
mod tracing_export;

pub use bounds::DEFAULT_LATENCY_BOUNDS;
pub use breaker::{
    BACKOFF, BREAKER_METRICS, BreakerSource, CALL_DURATION, CALLS, CONSECUTIVE_FAILURES,
    FallbackCount, LAST_STATE_CHANGE, RECOVERY_ATTEMPTS, REJECTED_CALLS, RETRY_AFTER, SLOW_CALLS,
    STATE, THRESHOLD_CONSECUTIVE_FAILURES, THRESHOLD_LEARNED, THRESHOLD_RATIO, THRESHOLD_SLOW_CALL,
    TRIPS, WINDOW_CALLS, WINDOW_FAILURE_RATIO, WINDOW_SLOW_CALL_RATIO, WINDOW_SLOW_CALLS,
};
pub use buckets::{COMPACT_MAX_RELATIVE_ERROR, MAX_RELATIVE_ERROR};
pub use collector::{Collector, SourceId};
#[cfg(feature = "tokio")]
pub use driver::IntervalExport;
pub use error::Error;
pub use exporter::Exporter;
pub use histogram::{HistogramSnapshot, LatencyHistogram};
pub use latency::LatencyRecorder;
pub use model::{
    AttributeValue, Descriptor, Family, Kind, Sample, Snapshot, SourceSnapshot, Unit, Value,
};
#[cfg(feature = "otlp")]
pub use otlp::{OtlpExporter, OtlpProtocol};
#[cfg(feature = "prometheus")]
pub use prometheus::PrometheusExporter;
pub use registry::{
    DEFAULT_MAX_KEYS, EMPTY_KEY, OVERFLOW_KEY, REGISTRY_HIDDEN_KEYS, REGISTRY_KEYS,
    REGISTRY_METRICS, REGISTRY_OVERFLOWED, RegistrySource,
};
#[cfg(feature = "http")]
pub use server::{
    DEFAULT_ADDR, HEADER_READ_TIMEOUT, MAX_CONNECTIONS, MetricsServer, ServerBuilder,
};
pub use source::MetricSource;
#[cfg(feature = "statsd")]
pub use statsd::{StatsdExporter, StatsdStyle};
#[cfg(feature = "tracing")]
pub use tracing_export::TracingExporter;
