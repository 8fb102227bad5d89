//! Prometheus exposition with the official `prometheus-client` crate
//! (feature `prometheus`).

use std::fmt;
use std::net::ToSocketAddrs;
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use crate::model::{Kind, Value};
use crate::{Collector, DEFAULT_LATENCY_BOUNDS, Error, names};

pub use crate::server::MetricsServer;

/// `Content-Type` of [`PrometheusExporter::encode_text`].
pub const TEXT_CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;
/// `Content-Type` of [`PrometheusExporter::encode_openmetrics`].
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Exposes a [`Collector`] to Prometheus: a `prometheus-client`
/// [`Collector`](prometheus_client::collector::Collector) that snapshots it
/// on every scrape, so values are never staler than the scrape.
///
/// Use it with your own registry
/// (`registry.register_collector(Box::new(exporter.clone()))`), encode it
/// yourself ([`encode_text`](Self::encode_text)), or let
/// [`serve`](Self::serve) answer `GET /metrics`.
///
/// Names follow Prometheus conventions (`_total` on counters, `_seconds`
/// and `_ratio` units): see `docs/metrics.md`. Latency histograms are
/// exposed with the buckets given to [`with_bounds`](Self::with_bounds)
/// (default [`DEFAULT_LATENCY_BOUNDS`]).
#[derive(Clone)]
pub struct PrometheusExporter {
    collector: Arc<Collector>,
    bounds: Arc<[Duration]>,
}

impl PrometheusExporter {
    /// Exposes `collector` with the default latency buckets.
    pub fn new(collector: Arc<Collector>) -> Self {
        let bounds = DEFAULT_LATENCY_BOUNDS
            .iter()
            .map(|s| Duration::from_secs_f64(*s))
            .collect();
        Self { collector, bounds }
    }

    /// Uses these latency bucket bounds, in seconds (`le` values).
    ///
    /// # Errors
    /// [`Error::InvalidBounds`] unless finite, positive and increasing.
    pub fn with_bounds(mut self, seconds: &[f64]) -> Result<Self, Error> {
        self.bounds = crate::bounds::latency_bounds(seconds)?.into();
        Ok(self)
    }

    /// A registry holding only this exporter.
    pub fn registry(&self) -> Registry {
        let mut registry = Registry::default();
        registry.register_collector(Box::new(self.clone()));
        registry
    }

    /// The Prometheus text format (0.0.4), [`TEXT_CONTENT_TYPE`].
    ///
    /// # Errors
    /// [`Error::Export`] if `prometheus-client` refuses to encode.
    pub fn encode_text(&self) -> Result<String, Error> {
        let mut out = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry())
            .map_err(|e| Error::export("prometheus", e))?;
        Ok(out)
    }

    /// The OpenMetrics text format, [`OPENMETRICS_CONTENT_TYPE`].
    ///
    /// # Errors
    /// [`Error::Export`] if `prometheus-client` refuses to encode.
    pub fn encode_openmetrics(&self) -> Result<String, Error> {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry())
            .map_err(|e| Error::export("prometheus", e))?;
        Ok(out)
    }

    /// Serves `GET /metrics` on `addr` from a background thread; see
    /// [`MetricsServer`]. To serve the dashboard on the same port, use
    /// [`MetricsServer::builder`].
    ///
    /// # Errors
    /// [`Error::Setup`] if the address cannot be bound.
    pub fn serve(&self, addr: impl ToSocketAddrs) -> Result<MetricsServer, Error> {
        MetricsServer::builder()
            .bind(addr)
            .prometheus(self.clone())
            .start()
    }
}

impl fmt::Debug for PrometheusExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrometheusExporter")
            .field("collector", &self.collector)
            .field("bounds", &self.bounds)
            .finish()
    }
}

impl prometheus_client::collector::Collector for PrometheusExporter {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), fmt::Error> {
        let snapshot = self.collector.snapshot();
        for family in snapshot.families() {
            let d = family.descriptor;
            let name = names::prometheus_base(d);
            let metric_type = match d.kind {
                Kind::Counter => MetricType::Counter,
                Kind::Gauge => MetricType::Gauge,
                Kind::Histogram => MetricType::Histogram,
            };
            let mut metric = encoder.encode_descriptor(&name, d.help, None, metric_type)?;
            for sample in family.samples {
                let labels: Vec<(&str, &str)> = sample.labels().collect();
                let mut series = metric.encode_family(&labels)?;
                // A value that does not fit its descriptor's kind is a
                // source bug; skipping it keeps the exposition valid.
                match (d.kind, &sample.value) {
                    (Kind::Counter, Value::Counter(v)) => {
                        series.encode_counter::<NoLabelSet, _, f64>(v, None)?
                    }
                    (Kind::Counter, Value::Gauge(v)) => {
                        series.encode_counter::<NoLabelSet, _, f64>(&v.max(0.0), None)?;
                    }
                    (Kind::Gauge, Value::Gauge(v)) => series.encode_gauge(v)?,
                    (Kind::Gauge, Value::Counter(v)) => series.encode_gauge(v)?,
                    (Kind::Histogram, Value::Histogram(h)) => {
                        let counts = h.counts_at(&self.bounds);
                        // OpenMetrics needs the +Inf bucket spelled out; the
                        // 0.0.4 encoder takes it as given.
                        let uppers = self
                            .bounds
                            .iter()
                            .map(Duration::as_secs_f64)
                            .chain([f64::INFINITY]);
                        let buckets: Vec<(f64, u64)> = uppers.zip(counts.iter().copied()).collect();
                        series.encode_histogram::<NoLabelSet>(
                            h.sum().as_secs_f64(),
                            h.count(),
                            &buckets,
                            None,
                        )?;
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
