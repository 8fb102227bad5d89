//! The latency listener: every finished call of one breaker into a
//! histogram per outcome.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use circuit_core::{EventListener, Outcome};

use crate::histogram::{HistogramSnapshot, LatencyHistogram};

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
/// Each outcome's histogram (about 13 KB) is allocated the first time that
/// outcome occurs, so a breaker that never sees a timeout never pays for
/// its histogram.
///
/// The latency is the one the breaker measured (its clock, coarse by
/// default: a few milliseconds of resolution) or the one handed in with
/// [`Permit::set_latency`](circuit_core::Permit::set_latency).
#[derive(Clone, Default)]
pub struct LatencyRecorder {
    histograms: Arc<[OnceLock<LatencyHistogram>; 5]>,
}

impl LatencyRecorder {
    /// A recorder with no calls yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one call (what [`EventListener::on_call`] does).
    #[inline]
    pub fn record(&self, outcome: Outcome, latency: Duration) {
        self.histograms[slot(outcome)]
            .get_or_init(LatencyHistogram::new)
            .record(latency);
    }

    /// The histogram of `outcome` so far (empty if it never occurred).
    pub fn snapshot(&self, outcome: Outcome) -> HistogramSnapshot {
        self.histograms[slot(outcome)]
            .get()
            .map(LatencyHistogram::snapshot)
            .unwrap_or_default()
    }

    /// The outcomes seen so far, with their histograms.
    pub fn snapshots(&self) -> impl Iterator<Item = (Outcome, HistogramSnapshot)> + '_ {
        OUTCOMES
            .into_iter()
            .filter_map(|o| self.histograms[slot(o)].get().map(|h| (o, h.snapshot())))
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
}
