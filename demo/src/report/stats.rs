//! Counting answers and taking percentiles.

use std::time::Duration;

use super::{AnswerCounts, LatencySummary};
use crate::record::{Answer, Call, Failure};

impl AnswerCounts {
    /// Counts one call.
    pub(crate) fn add(&mut self, answer: Answer) {
        self.total += 1;
        if answer.was_sent() {
            self.sent += 1;
        } else {
            self.failed_fast += 1;
        }
        match answer {
            Answer::Live => self.live += 1,
            Answer::Cache => self.cache += 1,
            Answer::Empty => self.empty += 1,
            Answer::Conservative => self.conservative += 1,
            Answer::Failed(failure) => {
                self.failed += 1;
                *match failure {
                    Failure::Timeout => &mut self.timeout,
                    Failure::Refused => &mut self.refused,
                    Failure::Cut => &mut self.cut,
                    Failure::ServerError => &mut self.server_error,
                    Failure::Rejected => &mut self.rejected,
                    Failure::Other => &mut self.other,
                } += 1;
            }
        }
    }

    /// Counts `calls`.
    pub(crate) fn of<'a>(calls: impl IntoIterator<Item = &'a Call>) -> Self {
        let mut counts = Self::default();
        for call in calls {
            counts.add(call.answer);
        }
        counts
    }

    /// Answers from any fallback.
    pub fn fallbacks(&self) -> u64 {
        self.cache + self.empty + self.conservative
    }
}

/// Nearest-rank percentile of sorted milliseconds (0 when empty).
pub(crate) fn percentile(sorted_ms: &[f64], q: f64) -> f64 {
    if sorted_ms.is_empty() {
        return 0.0;
    }
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let rank = ((q * sorted_ms.len() as f64).ceil() as usize).clamp(1, sorted_ms.len());
    sorted_ms[rank - 1]
}

/// Latencies of `calls` in milliseconds, sorted.
pub(crate) fn sorted_ms<'a>(calls: impl IntoIterator<Item = &'a Call>) -> Vec<f64> {
    let mut ms: Vec<f64> = calls.into_iter().map(|c| millis(c.latency)).collect();
    ms.sort_by(f64::total_cmp);
    ms
}

pub(crate) fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// p50, p99 and max of `calls`.
pub(crate) fn latency<'a>(calls: impl IntoIterator<Item = &'a Call>) -> LatencySummary {
    let ms = sorted_ms(calls);
    LatencySummary {
        p50_ms: percentile(&ms, 0.50),
        p99_ms: percentile(&ms, 0.99),
        max_ms: ms.last().copied().unwrap_or(0.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let ms: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&ms, 0.5), 50.0);
        assert_eq!(percentile(&ms, 0.99), 99.0);
        assert_eq!(percentile(&ms, 1.0), 100.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
        assert_eq!(percentile(&[7.0], 0.01), 7.0);
    }

    #[test]
    fn counts_split_sent_and_failed_fast() {
        let mut counts = AnswerCounts::default();
        for answer in [
            Answer::Live,
            Answer::Cache,
            Answer::Empty,
            Answer::Conservative,
            Answer::Failed(Failure::Rejected),
            Answer::Failed(Failure::Refused),
        ] {
            counts.add(answer);
        }
        assert_eq!((counts.total, counts.sent, counts.failed_fast), (6, 2, 4));
        assert_eq!((counts.failed, counts.rejected, counts.refused), (2, 1, 1));
        assert_eq!(counts.fallbacks(), 3);
    }
}
