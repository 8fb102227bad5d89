//! Metrics while the demo runs: the breaker dashboard and Prometheus
//! `/metrics` on one loopback server, and OTLP when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set (circuit-metrics).

mod source;

use std::sync::Arc;
use std::time::Duration;

use circuit_metrics::dashboard::Dashboard;
use circuit_metrics::{
    BreakerSource, Collector, LatencyRecorder, MetricsServer, OtlpExporter, PrometheusExporter,
};
use fastapi_client::Client;

use self::source::{ANSWERS, Answers};
use crate::record::Recorder;

/// The variable that turns OTLP export on.
pub(crate) const OTLP_ENDPOINT_VAR: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
/// How often OTLP exports while the demo runs.
const OTLP_INTERVAL: Duration = Duration::from_secs(5);

/// The running exporters.
#[derive(Debug)]
pub(crate) struct Telemetry {
    collector: Arc<Collector>,
    server: Option<MetricsServer>,
    otlp: Option<OtlpExporter>,
    otlp_endpoint: Option<String>,
}

impl Telemetry {
    /// Serves the dashboard and `/metrics` on `addr` (if any) over a
    /// collector that is empty until [`watch`](Self::watch), so that the
    /// URL can be printed before anything else starts. A server that
    /// cannot start is logged and left out: metrics are not worth failing
    /// the demo for.
    pub(crate) fn serve(addr: Option<&str>) -> Self {
        let collector = Arc::new(Collector::new());
        let server = addr.and_then(|addr| {
            let started = MetricsServer::builder()
                .bind(addr)
                .prometheus(PrometheusExporter::new(Arc::clone(&collector)))
                .dashboard(Dashboard::new(Arc::clone(&collector)))
                .start();
            match started {
                Ok(server) => Some(server),
                Err(error) => {
                    tracing::warn!(%addr, %error, "Dashboard and Prometheus endpoint not started");
                    None
                }
            }
        });
        Self {
            collector,
            server,
            otlp: None,
            otlp_endpoint: None,
        }
    }

    /// Registers the clients' breakers (with their fallback counts) and the
    /// planners' answers, and starts OTLP if asked for.
    pub(crate) fn watch(
        mut self,
        clients: [(Client, LatencyRecorder); 2],
        recorder: Arc<Recorder>,
    ) -> Self {
        let collector = &self.collector;
        for (client, latency) in clients {
            let source =
                BreakerSource::new(Arc::clone(client.circuit_breaker())).with_latency(latency);
            collector
                .register(source.with_fallbacks(move || client.client_stats().fallback_responses));
        }
        collector.register(Answers(recorder));
        self.otlp_endpoint = std::env::var(OTLP_ENDPOINT_VAR)
            .ok()
            .filter(|v| !v.trim().is_empty());
        self.otlp = self.otlp_endpoint.as_ref().and_then(|endpoint| {
            let built = OtlpExporter::builder(Arc::clone(collector))
                .interval(OTLP_INTERVAL)
                .service_name("kol-demo")
                .metric(&ANSWERS)
                .build();
            match built {
                Ok(exporter) => Some(exporter),
                Err(error) => {
                    tracing::warn!(%endpoint, %error, "OTLP export not started");
                    None
                }
            }
        });
        self
    }

    /// `http://127.0.0.1:<port>/`, the dashboard, while it is served.
    pub(crate) fn dashboard_url(&self) -> Option<String> {
        self.server.as_ref().map(MetricsServer::url)
    }

    /// `http://127.0.0.1:<port>/metrics`, while it is served.
    pub(crate) fn prometheus_url(&self) -> Option<String> {
        self.server
            .as_ref()
            .map(|s| format!("http://{}/metrics", s.local_addr()))
    }

    /// The OTLP endpoint in use.
    pub(crate) fn otlp_endpoint(&self) -> Option<String> {
        self.otlp.as_ref().and(self.otlp_endpoint.clone())
    }

    /// Stops serving and flushes OTLP one last time.
    pub(crate) fn shutdown(self) {
        if let Some(server) = self.server {
            server.shutdown();
        }
        if let Some(otlp) = self.otlp {
            if let Err(error) = otlp.shutdown() {
                tracing::warn!(%error, "The last OTLP export failed");
            }
        }
    }
}
