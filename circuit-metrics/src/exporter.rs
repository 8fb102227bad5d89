//! The push side: something that publishes snapshots.

use std::fmt;
use std::sync::Arc;

use crate::Error;
use crate::model::Snapshot;

/// Publishes a [`Snapshot`] to some system: a log, a StatsD daemon, your
/// own sink.
///
/// Object-safe and runtime-free: `export` is a plain call, made by
/// [`Collector::export`](crate::Collector::export) on demand or by a
/// driver such as `Collector::spawn_interval` (feature `tokio`). It runs
/// on the driver's thread, so it should be quick (a UDP send, a log line,
/// a channel push), not a blocking network round trip.
///
/// Pull-based targets (Prometheus scrapes, OpenTelemetry readers) do not
/// need this trait: they read the collector when asked.
pub trait Exporter: Send + Sync + fmt::Debug {
    /// Publishes one snapshot.
    ///
    /// # Errors
    /// [`Error::Export`] when the target could not take it; the next
    /// export is independent.
    fn export(&self, snapshot: &Snapshot) -> Result<(), Error>;
}

impl<E: Exporter + ?Sized> Exporter for Arc<E> {
    fn export(&self, snapshot: &Snapshot) -> Result<(), Error> {
        (**self).export(snapshot)
    }
}

impl<E: Exporter + ?Sized> Exporter for Box<E> {
    fn export(&self, snapshot: &Snapshot) -> Result<(), Error> {
        (**self).export(snapshot)
    }
}
