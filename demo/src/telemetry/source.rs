//! The demo's own metric source: the planners' answers. Each client's
//! breaker is reported by `circuit_metrics::BreakerSource`.

use std::borrow::Cow;
use std::sync::Arc;

use circuit_metrics::{Descriptor, Kind, MetricSource, Sample, Unit, Value};

use crate::record::{BREAKERS, Recorder};
use crate::report::AnswerCounts;

/// Calls the planners made, by breaker and by what answered them.
pub(crate) static ANSWERS: Descriptor = Descriptor::new(
    "kol_demo.answers",
    Kind::Counter,
    Unit::Count("answer"),
    "Calls the demo's planners made, by breaker and by what answered: live, cache, empty, conservative or error.",
    &["breaker", "answer"],
);

/// The planners' answers, from the run's record.
#[derive(Debug)]
pub(crate) struct Answers(pub(crate) Arc<Recorder>);

impl MetricSource for Answers {
    fn name(&self) -> Cow<'_, str> {
        Cow::Borrowed("kol_demo/answers")
    }

    fn collect(&self, out: &mut Vec<Sample>) {
        let per_breaker: Vec<AnswerCounts> = self.0.with_log(|log| {
            (0..BREAKERS.len())
                .map(|i| AnswerCounts::of(log.calls.iter().filter(|c| c.breaker == i)))
                .collect()
        });
        for (name, counts) in BREAKERS.iter().zip(per_breaker) {
            for (answer, count) in [
                ("live", counts.live),
                ("cache", counts.cache),
                ("empty", counts.empty),
                ("conservative", counts.conservative),
                ("error", counts.failed),
            ] {
                out.push(Sample::new(
                    &ANSWERS,
                    vec![Cow::Borrowed(name), Cow::Borrowed(answer)],
                    Value::Counter(count),
                ));
            }
        }
    }
}
