//! Periodic export on a tokio runtime (feature `tokio`).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::{Collector, Error, Exporter};

#[derive(Debug, Default)]
struct Counts {
    exports: AtomicU64,
    failures: AtomicU64,
}

/// A running periodic export; dropping it (or [`stop`](Self::stop)) ends
/// the task.
pub struct IntervalExport {
    task: JoinHandle<()>,
    counts: Arc<Counts>,
}

impl IntervalExport {
    /// Exports attempted so far.
    pub fn exports(&self) -> u64 {
        self.counts.exports.load(Ordering::Relaxed)
    }

    /// Exports that returned an error so far.
    pub fn failures(&self) -> u64 {
        self.counts.failures.load(Ordering::Relaxed)
    }

    /// Ends the task; an export in progress finishes first.
    pub fn stop(self) {
        // Drop aborts.
    }
}

impl Drop for IntervalExport {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl fmt::Debug for IntervalExport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntervalExport")
            .field("exports", &self.exports())
            .field("failures", &self.failures())
            .finish()
    }
}

impl Collector {
    /// Exports a snapshot to `exporter` now and then every `period`, on a
    /// task of the current tokio runtime. A failed export is counted
    /// ([`IntervalExport::failures`]) and, with the `tracing` feature,
    /// logged at `warn`; the next tick tries again. Late ticks are delayed,
    /// not bunched.
    ///
    /// # Errors
    /// [`Error::Setup`] when called outside a tokio runtime or with a zero
    /// `period`.
    pub fn spawn_interval(
        self: &Arc<Self>,
        exporter: impl Exporter + 'static,
        period: Duration,
    ) -> Result<IntervalExport, Error> {
        if period.is_zero() {
            return Err(Error::setup(
                "interval",
                "the export period must be positive",
            ));
        }
        let runtime =
            tokio::runtime::Handle::try_current().map_err(|e| Error::setup("interval", e))?;
        let counts = Arc::new(Counts::default());
        let collector = Arc::clone(self);
        let task_counts = Arc::clone(&counts);
        let task = runtime.spawn(async move {
            let mut ticks = tokio::time::interval(period);
            ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                let result = collector.export(&exporter);
                task_counts.exports.fetch_add(1, Ordering::Relaxed);
                if let Err(error) = result {
                    task_counts.failures.fetch_add(1, Ordering::Relaxed);
                    #[cfg(feature = "tracing")]
                    tracing::warn!(%error, "circuit metrics export failed");
                    #[cfg(not(feature = "tracing"))]
                    let _ = error;
                }
            }
        });
        Ok(IntervalExport { task, counts })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::model::Snapshot;

    #[derive(Debug, Default)]
    struct Recording {
        snapshots: Mutex<Vec<Snapshot>>,
        fail: bool,
    }

    impl Exporter for Recording {
        fn export(&self, snapshot: &Snapshot) -> Result<(), Error> {
            self.snapshots.lock().unwrap().push(snapshot.clone());
            if self.fail {
                Err(Error::export("recording", "told to fail"))
            } else {
                Ok(())
            }
        }
    }

    async fn settle() {
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test(start_paused = true)]
    async fn exports_once_per_period() {
        let collector = Arc::new(Collector::new());
        let exporter = Arc::new(Recording::default());
        let handle = collector
            .spawn_interval(Arc::clone(&exporter), Duration::from_secs(10))
            .unwrap();
        settle().await;
        assert_eq!(handle.exports(), 1, "the first export is immediate");
        tokio::time::advance(Duration::from_secs(10)).await;
        settle().await;
        assert_eq!(handle.exports(), 2);
        tokio::time::advance(Duration::from_secs(5)).await;
        settle().await;
        assert_eq!(handle.exports(), 2);
        handle.stop();
        tokio::time::advance(Duration::from_secs(60)).await;
        settle().await;
        assert_eq!(exporter.snapshots.lock().unwrap().len(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn failures_are_counted_and_retried() {
        let collector = Arc::new(Collector::new());
        let exporter = Recording {
            fail: true,
            ..Recording::default()
        };
        let handle = collector
            .spawn_interval(exporter, Duration::from_secs(1))
            .unwrap();
        settle().await;
        tokio::time::advance(Duration::from_secs(1)).await;
        settle().await;
        assert_eq!((handle.exports(), handle.failures()), (2, 2));
    }

    #[test]
    fn needs_a_runtime_and_a_period() {
        let collector = Arc::new(Collector::new());
        assert!(matches!(
            collector.spawn_interval(Recording::default(), Duration::from_secs(1)),
            Err(Error::Setup { .. })
        ));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let _guard = runtime.enter();
        assert!(
            collector
                .spawn_interval(Recording::default(), Duration::ZERO)
                .is_err()
        );
    }
}
