//! What the view shows at one moment, computed from the run's record.

use std::time::Duration;

use circuit_core::{Metrics, State};

use crate::record::{BREAKERS, Log};
use crate::report::AnswerCounts;
use crate::report::stats::{percentile, sorted_ms};
use crate::scenario::Phase;

/// Latency percentiles in the view cover this much recent time.
const RECENT_S: f64 = 2.0;
/// Transitions listed under the board.
const EVENTS: usize = 4;

/// One refresh of the view.
#[derive(Debug, Clone)]
pub(crate) struct Frame {
    pub(crate) elapsed_s: f64,
    pub(crate) duration_s: f64,
    pub(crate) phase: Phase,
    /// Every phase with its start and end, for the progress bar.
    pub(crate) phases: Vec<(Phase, f64, f64)>,
    pub(crate) header: String,
    pub(crate) rows: Vec<Row>,
    /// The latest transitions, formatted, oldest first.
    pub(crate) events: Vec<String>,
}

/// One breaker's line.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) name: &'static str,
    pub(crate) state: State,
    pub(crate) success_rate: f64,
    pub(crate) window_failure_rate: f64,
    pub(crate) backoff: Duration,
    pub(crate) answers: AnswerCounts,
    pub(crate) p50_ms: Option<f64>,
    pub(crate) p99_ms: Option<f64>,
}

impl Frame {
    /// The frame for `metrics` (in [`BREAKERS`] order) and the record so far.
    pub(crate) fn new(
        log: &Log,
        metrics: &[Metrics; 2],
        elapsed_s: f64,
        duration_s: f64,
        phase: Phase,
        phases: Vec<(Phase, f64, f64)>,
        header: String,
    ) -> Self {
        let rows = BREAKERS
            .iter()
            .zip(metrics)
            .enumerate()
            .map(|(index, (name, m))| {
                let calls = log.calls.iter().filter(|c| c.breaker == index);
                let recent = sorted_ms(
                    calls
                        .clone()
                        .filter(|c| c.ended_s() >= elapsed_s - RECENT_S),
                );
                let some = !recent.is_empty();
                Row {
                    name,
                    state: m.state,
                    success_rate: m.success_rate,
                    window_failure_rate: m.window.failure_rate,
                    backoff: m.current_backoff,
                    answers: AnswerCounts::of(calls),
                    p50_ms: some.then(|| percentile(&recent, 0.5)),
                    p99_ms: some.then(|| percentile(&recent, 0.99)),
                }
            })
            .collect();
        let skip = log.transitions.len().saturating_sub(EVENTS);
        let events = log.transitions[skip..]
            .iter()
            .map(|t| {
                format!(
                    "+{:.1}s {} {} -> {} ({})",
                    t.at_s, t.breaker, t.from, t.to, t.reason
                )
            })
            .collect();
        Self {
            elapsed_s,
            duration_s,
            phase,
            phases,
            header,
            rows,
            events,
        }
    }
}

/// `12ms`, `0.4ms`, `1.2s`, or `-`.
pub(crate) fn latency(ms: Option<f64>) -> String {
    match ms {
        None => "-".to_owned(),
        Some(ms) if ms >= 1000.0 => format!("{:.1}s", ms / 1000.0),
        Some(ms) if ms >= 10.0 => format!("{ms:.0}ms"),
        Some(ms) => format!("{ms:.1}ms"),
    }
}

/// `0s`, `250ms`, `1.5s`.
pub(crate) fn backoff(d: Duration) -> String {
    if d.is_zero() {
        "0s".to_owned()
    } else {
        crate::scale::format_duration(d)
    }
}
