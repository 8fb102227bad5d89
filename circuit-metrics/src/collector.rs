//! The registry of sources that exporters read.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use crate::Error;
use crate::exporter::Exporter;
use crate::model::{Snapshot, SourceSnapshot};
use crate::source::MetricSource;

/// A handle for [`Collector::unregister`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SourceId(u64);

/// Holds the registered sources and snapshots them on demand.
///
/// Share it through an `Arc`: push exporters get its snapshots from
/// [`export`](Self::export) (or a periodic driver), pull exporters
/// (Prometheus, OpenTelemetry observable instruments) call
/// [`snapshot`](Self::snapshot) when scraped.
#[derive(Default)]
pub struct Collector {
    sources: RwLock<Vec<(SourceId, Arc<dyn MetricSource>)>>,
    next_id: AtomicU64,
}

impl Collector {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a source; it is read by every later snapshot.
    pub fn register(&self, source: impl MetricSource + 'static) -> SourceId {
        let id = SourceId(self.next_id.fetch_add(1, Ordering::Relaxed));
        self.write().push((id, Arc::new(source)));
        id
    }

    /// Removes a source; returns whether it was registered.
    pub fn unregister(&self, id: SourceId) -> bool {
        let mut sources = self.write();
        let before = sources.len();
        sources.retain(|(registered, _)| *registered != id);
        sources.len() != before
    }

    /// Number of registered sources.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether no source is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads every source now. Sources are read outside the collector's
    /// lock, so registering from inside a source cannot deadlock.
    pub fn snapshot(&self) -> Snapshot {
        let sources: Vec<Arc<dyn MetricSource>> =
            self.read().iter().map(|(_, s)| Arc::clone(s)).collect();
        let collected_at = SystemTime::now();
        let sources = sources
            .iter()
            .map(|source| {
                let mut samples = Vec::new();
                source.collect(&mut samples);
                SourceSnapshot {
                    source: source.name().into_owned(),
                    samples,
                }
            })
            .collect();
        Snapshot {
            collected_at,
            sources,
        }
    }

    /// The registered sources, in registration order.
    #[cfg(feature = "dashboard")]
    pub(crate) fn sources(&self) -> Vec<Arc<dyn MetricSource>> {
        self.read().iter().map(|(_, s)| Arc::clone(s)).collect()
    }

    /// Takes a snapshot and hands it to `exporter`.
    ///
    /// # Errors
    /// Whatever the exporter returns.
    pub fn export(&self, exporter: &dyn Exporter) -> Result<(), Error> {
        exporter.export(&self.snapshot())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<(SourceId, Arc<dyn MetricSource>)>> {
        // The list is only pushed to or filtered, so a panic elsewhere
        // cannot leave it half-written.
        self.sources
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Vec<(SourceId, Arc<dyn MetricSource>)>> {
        self.sources
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl fmt::Debug for Collector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self
            .read()
            .iter()
            .map(|(_, s)| s.name().into_owned())
            .collect();
        f.debug_struct("Collector")
            .field("sources", &names)
            .finish()
    }
}
