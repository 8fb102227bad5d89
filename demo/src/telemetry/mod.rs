//! Metrics while the demo runs: Prometheus `/metrics` on loopback, and
//! OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (circuit-metrics).

mod source;

use std::sync::Arc;
use std::time::Duration;

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
    server: Option<MetricsServer>,
    otlp: Option<OtlpExporter>,
    otlp_endpoint: Option<String>,
}

impl Telemetry {
    /// Registers the clients and the planners' answers, serves `/metrics`
    /// on `prometheus_addr` (if any) and starts OTLP if asked for. A part
    /// that cannot start is logged and left out: metrics are not worth
    /// failing the demo for.
    pub(crate) fn start(
        clients: [(Client, LatencyRecorder); 2],
        recorder: Arc<Recorder>,
        prometheus_addr: Option<&str>,
    ) -> Self {
        let collector = Arc::new(Collector::new());
        for (client, latency) in clients {
            collector.register(
                BreakerSource::new(Arc::clone(client.circuit_breaker())).with_latency(latency),
            );
        }
        collector.register(Answers(recorder));
        let server = prometheus_addr.and_then(|addr| {
            match PrometheusExporter::new(Arc::clone(&collector)).serve(addr) {
                Ok(server) => Some(server),
                Err(error) => {
                    tracing::warn!(%addr, %error, "Prometheus endpoint not started");
                    None
                }
            }
        });
        let otlp_endpoint = std::env::var(OTLP_ENDPOINT_VAR)
            .ok()
            .filter(|v| !v.trim().is_empty());
        let otlp = otlp_endpoint.as_ref().and_then(|endpoint| {
            let built = OtlpExporter::builder(Arc::clone(&collector))
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
        Self {
            server,
            otlp,
            otlp_endpoint,
        }
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
