//! The StatsD line protocol over UDP, written by `cadence` (feature
//! `statsd`).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr, ToSocketAddrs, UdpSocket};
use std::sync::Mutex;

use cadence::prelude::*;
use cadence::{BufferedUdpMetricSink, MetricError, StatsdClient};

use crate::delta::Deltas;
use crate::histogram::HistogramSnapshot;
use crate::model::{Sample, Snapshot, Value};
use crate::names::{statsd_name, statsd_segment};
use crate::{Error, Exporter};

/// Where attribute values go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StatsdStyle {
    /// In the metric name as path segments, for plain StatsD and Graphite:
    /// `circuit_breaker.calls.kol-matcher.success:3|c`.
    #[default]
    Path,
    /// As DogStatsD tags: `circuit_breaker.calls:3|c|#breaker:kol-matcher,outcome:success`.
    Tags,
}

/// Pushes snapshots to a StatsD daemon.
///
/// StatsD aggregates what it receives per flush, so this exporter sends
/// differences: counters as `|c` with the increase since the previous
/// export (the whole total the first time), gauges as `|g`, and each
/// latency histogram as a counter `<name>.count` plus gauges `<name>.p50`,
/// `.p90`, `.p99` and `.mean` in milliseconds over the calls since the
/// previous export (sent only when there were some). Lines are batched into
/// datagrams of at most 512 bytes.
pub struct StatsdExporter {
    client: StatsdClient,
    style: StatsdStyle,
    deltas: Mutex<Deltas>,
}

impl StatsdExporter {
    /// Sends to the daemon at `addr` (e.g. `127.0.0.1:8125`) from an
    /// ephemeral local UDP port; every name starts with `prefix` and a dot
    /// unless `prefix` is empty.
    ///
    /// # Errors
    /// [`Error::Setup`] if the address does not resolve or no socket can be
    /// opened.
    pub fn udp(addr: impl ToSocketAddrs, prefix: &str) -> Result<Self, Error> {
        let target = addr
            .to_socket_addrs()
            .map_err(|e| Error::setup("statsd", e))?
            .next()
            .ok_or_else(|| Error::setup("statsd", "the address resolved to nothing"))?;
        let local = if target.is_ipv4() {
            (Ipv4Addr::UNSPECIFIED, 0).into()
        } else {
            std::net::SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0))
        };
        let socket = UdpSocket::bind(local).map_err(|e| Error::setup("statsd", e))?;
        let sink =
            BufferedUdpMetricSink::from(target, socket).map_err(|e| Error::setup("statsd", e))?;
        Ok(Self::from_client(StatsdClient::from_sink(prefix, sink)))
    }

    /// Uses a `cadence` client you configured (another sink, default tags).
    pub fn from_client(client: StatsdClient) -> Self {
        Self {
            client,
            style: StatsdStyle::default(),
            deltas: Mutex::new(Deltas::default()),
        }
    }

    /// Puts attribute values in names or in tags (default
    /// [`StatsdStyle::Path`]).
    #[must_use]
    pub fn with_style(mut self, style: StatsdStyle) -> Self {
        self.style = style;
        self
    }

    fn send(&self, sample: &Sample, deltas: &mut Deltas) -> Result<(), MetricError> {
        let path = self.style == StatsdStyle::Path;
        let name = statsd_name(sample.descriptor, sample.labels().map(|(_, v)| v), path);
        let tags: Vec<(&str, String)> = if path {
            Vec::new()
        } else {
            sample
                .labels()
                .map(|(k, v)| (k, statsd_segment(v)))
                .collect()
        };
        match &sample.value {
            Value::Counter(total) => {
                let delta = deltas.counter(sample, *total);
                self.count(&name, delta, &tags)
            }
            Value::Gauge(v) => self.gauge(&name, *v, &tags),
            Value::Histogram(h) => {
                let recent: HistogramSnapshot = deltas.histogram(sample, h);
                let count = recent.count();
                self.count(&format!("{name}.count"), count, &tags)?;
                if count == 0 {
                    return Ok(());
                }
                for (suffix, q) in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99)] {
                    let ms = recent.quantile(q).map_or(0.0, millis);
                    self.gauge(&format!("{name}.{suffix}"), ms, &tags)?;
                }
                let mean_ms = millis(recent.sum()) / count as f64;
                self.gauge(&format!("{name}.mean"), mean_ms, &tags)
            }
        }
    }

    fn count(&self, name: &str, value: u64, tags: &[(&str, String)]) -> Result<(), MetricError> {
        let mut builder = self.client.count_with_tags(name, value);
        for (k, v) in tags {
            builder = builder.with_tag(k, v);
        }
        builder.try_send().map(drop)
    }

    fn gauge(&self, name: &str, value: f64, tags: &[(&str, String)]) -> Result<(), MetricError> {
        if !value.is_finite() {
            return Ok(());
        }
        // A leading sign makes StatsD add to the gauge instead of setting
        // it: set zero first, then add the negative value.
        if value < 0.0 {
            self.gauge(name, 0.0, tags)?;
        }
        let mut builder = self.client.gauge_with_tags(name, value);
        for (k, v) in tags {
            builder = builder.with_tag(k, v);
        }
        builder.try_send().map(drop)
    }
}

/// Milliseconds, divided from integer nanoseconds so that round values
/// print round.
fn millis(d: std::time::Duration) -> f64 {
    d.as_nanos() as f64 / 1e6
}

impl Exporter for StatsdExporter {
    fn export(&self, snapshot: &Snapshot) -> Result<(), Error> {
        let mut deltas = self
            .deltas
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        deltas.begin();
        let mut first_error = None;
        for sample in snapshot.samples() {
            if let Err(e) = self.send(sample, &mut deltas) {
                first_error.get_or_insert(e);
            }
        }
        deltas.finish();
        if let Err(e) = self.client.flush() {
            first_error.get_or_insert(e);
        }
        first_error.map_or(Ok(()), |e| Err(Error::export("statsd", e)))
    }
}

impl fmt::Debug for StatsdExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StatsdExporter")
            .field("style", &self.style)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
