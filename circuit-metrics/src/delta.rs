//! Differences between exports, for targets that want "since last time"
//! (StatsD counters, per-interval latency) rather than lifetime totals.

use std::collections::HashMap;

use crate::histogram::HistogramSnapshot;
use crate::model::{AttributeValue, Sample};

type SeriesKey = (&'static str, Vec<AttributeValue>);

/// The last exported value of every series. Series not seen in an export
/// are forgotten at [`finish`](Self::finish), so memory follows the live
/// series.
#[derive(Debug, Default)]
pub(crate) struct Deltas {
    counters: HashMap<SeriesKey, (u64, u64)>,
    histograms: HashMap<SeriesKey, (HistogramSnapshot, u64)>,
    generation: u64,
}

impl Deltas {
    /// Starts an export.
    pub(crate) fn begin(&mut self) {
        self.generation += 1;
    }

    /// The increase of a counter since the last export. The first time it
    /// is the whole value; a counter that went down (its source was
    /// replaced) restarts from its new value.
    #[cfg(any(feature = "statsd", test))]
    pub(crate) fn counter(&mut self, sample: &Sample, value: u64) -> u64 {
        let generation = self.generation;
        let entry = self.counters.entry(key(sample)).or_insert((0, generation));
        let delta = if value >= entry.0 {
            value - entry.0
        } else {
            value
        };
        *entry = (value, generation);
        delta
    }

    /// What a histogram recorded since the last export (all of it the
    /// first time, or after it went down).
    pub(crate) fn histogram(
        &mut self,
        sample: &Sample,
        now: &HistogramSnapshot,
    ) -> HistogramSnapshot {
        let generation = self.generation;
        let entry = self
            .histograms
            .entry(key(sample))
            .or_insert((HistogramSnapshot::default(), generation));
        let delta = if now.count() >= entry.0.count() {
            now.since(&entry.0)
        } else {
            now.clone()
        };
        *entry = (now.clone(), generation);
        delta
    }

    /// Ends an export: forgets series it did not see.
    pub(crate) fn finish(&mut self) {
        let generation = self.generation;
        self.counters.retain(|_, (_, seen)| *seen == generation);
        self.histograms.retain(|_, (_, seen)| *seen == generation);
    }
}

fn key(sample: &Sample) -> SeriesKey {
    let mut values = sample.attributes.clone();
    values.extend(sample.extra.iter().map(|(_, v)| v.clone()));
    (sample.descriptor.name, values)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::breaker::{CALL_DURATION, TRIPS};
    use crate::histogram::LatencyHistogram;
    use crate::model::Value;

    fn trips(breaker: &'static str) -> Sample {
        Sample::new(&TRIPS, vec![breaker.into()], Value::Counter(0))
    }

    #[test]
    fn counters_give_increases_and_forget_dead_series() {
        let mut d = Deltas::default();
        d.begin();
        assert_eq!(d.counter(&trips("a"), 5), 5);
        assert_eq!(d.counter(&trips("b"), 1), 1);
        d.finish();
        d.begin();
        assert_eq!(d.counter(&trips("a"), 7), 2);
        assert_eq!(
            d.counter(&trips("a"), 3),
            3,
            "a counter that went down restarts"
        );
        d.finish();
        assert_eq!(d.counters.len(), 1, "b was not seen and is forgotten");
    }

    #[test]
    fn extra_labels_tell_series_apart() {
        let mut d = Deltas::default();
        d.begin();
        assert_eq!(d.counter(&trips("r").with_label("key", "a"), 5), 5);
        assert_eq!(d.counter(&trips("r").with_label("key", "b"), 2), 2);
        assert_eq!(d.counter(&trips("r").with_label("key", "a"), 6), 1);
        assert_eq!(d.counter(&trips("r"), 1), 1);
    }

    #[test]
    fn histograms_give_the_calls_in_between() {
        let h = LatencyHistogram::new();
        let sample = Sample::new(
            &CALL_DURATION,
            vec!["a".into(), "success".into()],
            Value::Counter(0),
        );
        let mut d = Deltas::default();
        h.record(Duration::from_millis(2));
        d.begin();
        assert_eq!(d.histogram(&sample, &h.snapshot()).count(), 1);
        h.record(Duration::from_millis(9));
        assert_eq!(
            d.histogram(&sample, &h.snapshot()).sum(),
            Duration::from_millis(9)
        );
        assert_eq!(d.histogram(&sample, &h.snapshot()).count(), 0);
    }
}
