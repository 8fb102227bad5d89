//! OpenTelemetry metrics over OTLP (feature `otlp`; gRPC with `otlp-grpc`).
//!
//! The default transport is HTTP/protobuf with `opentelemetry-otlp`'s
//! blocking reqwest client, driven by the SDK's `PeriodicReader`, which
//! exports from its own thread: no async runtime is needed. Do not enable
//! `opentelemetry-otlp/reqwest-client` anywhere in a program that uses
//! this: when both clients are compiled in, the exporter silently picks the
//! async one, which the periodic reader's thread cannot drive.
//!
//! https endpoints need one of the TLS features (`rustls-aws-lc`, a default
//! feature; `rustls-ring`; `native-tls`): opentelemetry-otlp turns on no TLS
//! of its own, so without one an explicit https endpoint is refused by
//! [`OtlpBuilder::build`]. A private CA is trusted through `SSL_CERT_FILE` /
//! `SSL_CERT_DIR` (rustls reads the system's roots and these, as OpenSSL
//! does). gRPC over TLS takes opentelemetry-otlp's own `tls-*` features.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use opentelemetry::metrics::MeterProvider as _;
use opentelemetry_otlp::{MetricExporter, WithExportConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};

use crate::breaker::BREAKER_METRICS;
use crate::model::Descriptor;
use crate::registry::REGISTRY_METRICS;
use crate::{Collector, DEFAULT_LATENCY_BOUNDS, Error};

mod instruments;
mod tls;

pub use instruments::{OtelInstruments, register_instruments};

/// The OTLP transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OtlpProtocol {
    /// HTTP with protobuf bodies, blocking reqwest client (the default).
    #[default]
    HttpProtobuf,
    /// gRPC (tonic). The meter provider must be built inside a tokio
    /// runtime, which must outlive it.
    #[cfg(feature = "otlp-grpc")]
    Grpc,
}

/// Publishes a [`Collector`]'s metrics to an OTLP receiver: a meter
/// provider with a periodic reader and one observable instrument per
/// metric (see [`register_instruments`]). Names and units follow the
/// OpenTelemetry semantic-convention style (`docs/metrics.md`).
///
/// Dropping it shuts the provider down, which exports one last time.
pub struct OtlpExporter {
    provider: SdkMeterProvider,
    instruments: OtelInstruments,
}

impl OtlpExporter {
    /// Starts configuring an exporter reading `collector`.
    pub fn builder(collector: Arc<Collector>) -> OtlpBuilder {
        OtlpBuilder {
            collector,
            endpoint: None,
            protocol: OtlpProtocol::default(),
            interval: Duration::from_secs(60),
            timeout: None,
            service_name: None,
            bounds: DEFAULT_LATENCY_BOUNDS.to_vec(),
            descriptors: BREAKER_METRICS
                .iter()
                .chain(&REGISTRY_METRICS)
                .copied()
                .collect(),
        }
    }

    /// Collects and exports now, waiting for the receiver's answer.
    ///
    /// # Errors
    /// [`Error::Export`] if the export failed.
    pub fn force_flush(&self) -> Result<(), Error> {
        self.provider
            .force_flush()
            .map_err(|e| Error::export("otlp", e))
    }

    /// Exports one last time and stops the reader.
    ///
    /// # Errors
    /// [`Error::Export`] if the last export failed or it was already shut
    /// down.
    pub fn shutdown(&self) -> Result<(), Error> {
        self.provider
            .shutdown()
            .map_err(|e| Error::export("otlp", e))
    }

    /// The meter provider, to register more instruments of your own.
    pub fn meter_provider(&self) -> &SdkMeterProvider {
        &self.provider
    }

    /// The registered instruments.
    pub fn instruments(&self) -> &OtelInstruments {
        &self.instruments
    }
}

impl fmt::Debug for OtlpExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtlpExporter")
            .field("instruments", &self.instruments)
            .finish_non_exhaustive()
    }
}

/// Configures an [`OtlpExporter`].
#[must_use]
pub struct OtlpBuilder {
    collector: Arc<Collector>,
    endpoint: Option<String>,
    protocol: OtlpProtocol,
    interval: Duration,
    timeout: Option<Duration>,
    service_name: Option<String>,
    bounds: Vec<f64>,
    descriptors: Vec<&'static Descriptor>,
}

impl OtlpBuilder {
    /// The receiver's full URL, e.g. `http://localhost:4318/v1/metrics`
    /// (HTTP) or `http://localhost:4317` (gRPC). Without it the standard
    /// `OTEL_EXPORTER_OTLP_*` variables and defaults apply.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// The transport (default HTTP/protobuf).
    pub fn protocol(mut self, protocol: OtlpProtocol) -> Self {
        self.protocol = protocol;
        self
    }

    /// How often the periodic reader exports (default 60 s).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// How long one export may take (default: the SDK's, 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The `service.name` resource attribute (default: the SDK's, from
    /// `OTEL_SERVICE_NAME` or `unknown_service`).
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self
    }

    /// Latency histogram bounds in seconds (default
    /// [`DEFAULT_LATENCY_BOUNDS`]); checked by [`build`](Self::build).
    pub fn bounds(mut self, seconds: &[f64]) -> Self {
        self.bounds = seconds.to_vec();
        self
    }

    /// Also exports this metric (for sources other than breakers, whose
    /// metrics are always included).
    pub fn metric(mut self, descriptor: &'static Descriptor) -> Self {
        self.descriptors.push(descriptor);
        self
    }

    /// Builds the exporter and starts its reader thread.
    ///
    /// # Errors
    /// [`Error::InvalidBounds`], or [`Error::Setup`] if the OTLP exporter
    /// cannot be built (a bad endpoint, a zero interval, gRPC outside a
    /// tokio runtime).
    pub fn build(self) -> Result<OtlpExporter, Error> {
        let bounds = crate::bounds::latency_bounds(&self.bounds)?;
        if self.interval.is_zero() {
            return Err(Error::setup("otlp", "the export interval must be positive"));
        }
        let exporter = match self.protocol {
            OtlpProtocol::HttpProtobuf => {
                if let Some(why) = self
                    .endpoint
                    .as_deref()
                    .and_then(|endpoint| tls::unreachable(endpoint, tls::HTTPS))
                {
                    return Err(Error::setup("otlp", why));
                }
                tls::prepare();
                let mut builder = MetricExporter::builder()
                    .with_http()
                    .with_protocol(opentelemetry_otlp::Protocol::HttpBinary);
                if let Some(endpoint) = &self.endpoint {
                    builder = builder.with_endpoint(endpoint);
                }
                if let Some(timeout) = self.timeout {
                    builder = builder.with_timeout(timeout);
                }
                builder.build()
            }
            #[cfg(feature = "otlp-grpc")]
            OtlpProtocol::Grpc => {
                if tokio::runtime::Handle::try_current().is_err() {
                    return Err(Error::setup(
                        "otlp",
                        "gRPC export must be set up inside a tokio runtime",
                    ));
                }
                let mut builder = MetricExporter::builder().with_tonic();
                if let Some(endpoint) = &self.endpoint {
                    builder = builder.with_endpoint(endpoint);
                }
                if let Some(timeout) = self.timeout {
                    builder = builder.with_timeout(timeout);
                }
                builder.build()
            }
        }
        .map_err(|e| Error::setup("otlp", e))?;
        let reader = PeriodicReader::builder(exporter)
            .with_interval(self.interval)
            .build();
        let mut resource = Resource::builder();
        if let Some(name) = self.service_name {
            resource = resource.with_service_name(name);
        }
        let provider = SdkMeterProvider::builder()
            .with_reader(reader)
            .with_resource(resource.build())
            .build();
        let meter = provider.meter("circuit-metrics");
        let instruments = register_instruments(&meter, self.collector, &self.descriptors, &bounds);
        Ok(OtlpExporter {
            provider,
            instruments,
        })
    }
}

impl fmt::Debug for OtlpBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtlpBuilder")
            .field("endpoint", &self.endpoint.as_deref().map(redacted))
            .field("protocol", &self.protocol)
            .field("interval", &self.interval)
            .field("timeout", &self.timeout)
            .field("service_name", &self.service_name)
            .field("bounds", &self.bounds)
            .finish_non_exhaustive()
    }
}

/// The URL without user info or query, which may carry credentials.
fn redacted(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let scheme = if scheme.is_empty() {
        String::new()
    } else {
        format!("{scheme}://")
    };
    format!("{scheme}{host}/{path}")
}

#[cfg(test)]
mod tests;
