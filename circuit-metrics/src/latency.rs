//! The latency listener: every finished call of one breaker into a
//! histogram per outcome.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use circuit_core::{EventListener, Outcome};

use crate::histogram::{CompactHistogram, HistogramSnapshot, LatencyHistogram};

/// Outcomes in a fixed order, for per-outcome storage and export.
pub(crate) const OUTCOMES: [Outcome; 5] = [
    Outcome::Success,
    Outcome::Failure,
    Outcome::Timeout,
    Outcome::Ignored,
    Outcome::Cancelled,
];

const fn slot(outcome: Outcome) -> usize {
    match outcome {
        Outcome::Success => 0,
        Outcome::Failure => 1,
        Outcome::Timeout => 2,
        Outcome::Ignored => 3,
        Outcome::Cancelled => 4,
    }
}

/// An [`EventListener`] that records each call's latency, by outcome.
///
/// Attach one recorder to one breaker (`builder.listener(recorder.clone())`)
/// and register it with that breaker's
/// [`BreakerSource::with_latency`](crate::BreakerSource::with_latency).
/// Clones share the histograms. A recorder shared by several breakers
/// merges their latencies: the listener is handed the breaker's name, but
/// looking it up on every call would cost a lock or a hash.
///
/// Cost per call: two relaxed atomic additions, no lock, no allocation.
/// Each outcome's histogram is allocated the first time that outcome
/// occurs, so a breaker that never sees a timeout never pays for its
/// histogram.
///
/// Two modes, the same everywhere else (exporters, dashboard, snapshots):
///
/// | | [`new`](Self::new) | [`compact`](Self::compact) |
/// |---|---|---|
/// | buckets | 812, two significant digits, 1 µs – 1000 s | 46, [`COMPACT_EDGES`](crate::buckets::COMPACT_EDGES), 50 µs – 120 s |
/// | quantile error | ≤ 5 % ([`MAX_RELATIVE_ERROR`](crate::MAX_RELATIVE_ERROR)) | ≤ 25 % ([`COMPACT_MAX_RELATIVE_ERROR`](crate::COMPACT_MAX_RELATIVE_ERROR)) |
/// | exact export bounds | any two-digit bound | the compact edges, which include [`DEFAULT_LATENCY_BOUNDS`](crate::DEFAULT_LATENCY_BOUNDS) |
/// | heap, one outcome seen | about 3.2 KB + 13 KB | 96 B + 376 B |
/// | heap, all five outcomes | about 68 KB | 2 KB at most (2 016 B) |
/// | two threads recording | separate stripes | shared counters |
///
/// Use the compact mode where breakers come by the thousand (one per host
/// or key in a [`Registry`](circuit_core::Registry)); the default where a
/// few breakers carry heavy traffic and their tails matter.
///
/// The latency is the one the breaker measured (its clock, coarse by
/// default: a few milliseconds of resolution) or the one handed in with
/// [`Permit::set_latency`](circuit_core::Permit::set_latency).
#[derive(Clone)]
pub struct LatencyRecorder {
    histograms: Histograms,
}

/// The histograms of one recorder, in its mode.
#[derive(Clone)]
enum Histograms {
    Fine(Arc<PerOutcome<LatencyHistogram>>),
    Compact(Arc<PerOutcome<CompactHistogram>>),
}

/// What a recorder needs of a histogram.
trait Histogram: Default {
    fn record(&self, latency: Duration);
    fn snapshot(&self) -> HistogramSnapshot;
}

impl Histogram for LatencyHistogram {
    #[inline]
    fn record(&self, latency: Duration) {
        LatencyHistogram::record(self, latency);
    }

    fn snapshot(&self) -> HistogramSnapshot {
        LatencyHistogram::snapshot(self)
    }
}

impl Histogram for CompactHistogram {
    #[inline]
    fn record(&self, latency: Duration) {
        CompactHistogram::record(self, latency);
    }

    fn snapshot(&self) -> HistogramSnapshot {
        CompactHistogram::snapshot(self)
    }
}

/// One histogram per outcome, each allocated when its outcome first occurs.
struct PerOutcome<H>([OnceLock<H>; 5]);

impl<H: Histogram> PerOutcome<H> {
    fn new() -> Arc<Self> {
        Arc::new(Self(Default::default()))
    }

    #[inline]
    fn record(&self, outcome: Outcome, latency: Duration) {
        self.0[slot(outcome)]
            .get_or_init(H::default)
            .record(latency);
    }

    fn snapshot(&self, outcome: Outcome) -> Option<HistogramSnapshot> {
        self.0[slot(outcome)].get().map(H::snapshot)
    }
}

impl LatencyRecorder {
    /// A recorder with no calls yet, with the fine histograms: 5 %
    /// quantiles, about 13 KB per outcome that occurs.
    pub fn new() -> Self {
        Self {
            histograms: Histograms::Fine(PerOutcome::new()),
        }
    }

    /// A recorder with no calls yet, with compact histograms: 25 %
    /// quantiles, at most 2 KiB whatever occurs (see the table above and
    /// [`crate::buckets::compact`]).
    pub fn compact() -> Self {
        Self {
            histograms: Histograms::Compact(PerOutcome::new()),
        }
    }

    /// Whether this recorder keeps compact histograms.
    pub fn is_compact(&self) -> bool {
        matches!(self.histograms, Histograms::Compact(_))
    }

    /// Records one call (what [`EventListener::on_call`] does).
    #[inline]
    pub fn record(&self, outcome: Outcome, latency: Duration) {
        match &self.histograms {
            Histograms::Fine(h) => h.record(outcome, latency),
            Histograms::Compact(h) => h.record(outcome, latency),
        }
    }

    fn get(&self, outcome: Outcome) -> Option<HistogramSnapshot> {
        match &self.histograms {
            Histograms::Fine(h) => h.snapshot(outcome),
            Histograms::Compact(h) => h.snapshot(outcome),
        }
    }

    /// The histogram of `outcome` so far (empty if it never occurred).
    pub fn snapshot(&self, outcome: Outcome) -> HistogramSnapshot {
        self.get(outcome).unwrap_or_default()
    }

    /// The outcomes seen so far, with their histograms.
    pub fn snapshots(&self) -> impl Iterator<Item = (Outcome, HistogramSnapshot)> + '_ {
        OUTCOMES
            .into_iter()
            .filter_map(|o| self.get(o).map(|h| (o, h)))
    }
}

impl Default for LatencyRecorder {
    /// [`LatencyRecorder::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl EventListener for LatencyRecorder {
    #[inline]
    fn on_call(&self, _breaker: &str, outcome: Outcome, latency: Duration) {
        self.record(outcome, latency);
    }
}

impl fmt::Debug for LatencyRecorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (outcome, snapshot) in self.snapshots() {
            map.entry(&outcome.as_str(), &snapshot.count());
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use circuit_core::{CircuitBreaker, ManualClock};

    #[test]
    fn breaker_calls_are_recorded_by_outcome() {
        let clock = ManualClock::new();
        let recorder = LatencyRecorder::new();
        let cb = CircuitBreaker::builder("b")
            .clock(clock.clone())
            .listener(recorder.clone())
            .build()
            .unwrap();
        let permit = cb.try_acquire().unwrap();
        clock.advance(Duration::from_millis(30));
        permit.record_success();
        let mut permit = cb.try_acquire().unwrap();
        permit.set_latency(Duration::from_millis(250));
        permit.record_timeout();
        drop(cb.try_acquire().unwrap());

        let success = recorder.snapshot(Outcome::Success);
        assert_eq!(success.count(), 1);
        assert_eq!(success.sum(), Duration::from_millis(30));
        assert_eq!(
            recorder.snapshot(Outcome::Timeout).sum(),
            Duration::from_millis(250)
        );
        assert_eq!(recorder.snapshot(Outcome::Cancelled).count(), 1);
        assert_eq!(recorder.snapshot(Outcome::Failure).count(), 0);
        let seen: Vec<_> = recorder.snapshots().map(|(o, _)| o).collect();
        assert_eq!(
            seen,
            [Outcome::Success, Outcome::Timeout, Outcome::Cancelled]
        );
    }

    #[test]
    fn a_compact_recorder_records_the_same_calls_coarser() {
        let recorders = [LatencyRecorder::new(), LatencyRecorder::compact()];
        assert_eq!(
            recorders.each_ref().map(LatencyRecorder::is_compact),
            [false, true]
        );
        for recorder in &recorders {
            recorder.record(Outcome::Success, Duration::from_millis(30));
            recorder.record(Outcome::Success, Duration::from_millis(31));
            recorder.record(Outcome::Failure, Duration::from_secs(2));
        }
        let [fine, compact] = recorders;
        let at = [Duration::from_millis(25), Duration::from_millis(35)];
        for outcome in [Outcome::Success, Outcome::Failure, Outcome::Timeout] {
            let (f, c) = (fine.snapshot(outcome), compact.snapshot(outcome));
            assert_eq!((f.count(), f.sum()), (c.count(), c.sum()), "{outcome:?}");
            assert_eq!(f.counts_at(&at), c.counts_at(&at), "{outcome:?}");
        }
        // 30 ms is in the compact bucket (25 ms, 35 ms] and the fine
        // bucket (29 ms, 30 ms]: each estimates it by its midpoint.
        let p50 = |r: &LatencyRecorder| r.snapshot(Outcome::Success).quantile(0.5).unwrap();
        assert_eq!(p50(&compact), Duration::from_millis(30));
        assert_eq!(p50(&fine), Duration::from_micros(29_500));
        assert_eq!(compact.snapshots().count(), 2);
    }
}
