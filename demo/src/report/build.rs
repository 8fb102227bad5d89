//! From the raw record of a run to its report.

use std::collections::BTreeMap;
use std::time::Duration;

use circuit_core::State;
use fastapi_client::{ClientStats, HealthStats};

use super::series::{Series, bands};
use super::stats::{latency, millis};
use super::{
    AnswerCounts, BackendInfo, BreakerReport, Files, Learned, MetricsInfo, Opening, OutageReport,
    PhaseReport, REPORT_VERSION, Report,
};
use crate::record::{BREAKERS, Call, Log, Transition};
use crate::scale::ConfigReport;
use crate::scenario::Timeline;

/// How far back before an opening its failures are looked for.
const LOOKBACK_S: f64 = 3.0;
/// At most this many failures are listed per opening.
const RECENT_FAILURES: usize = 5;

/// Everything a report is made of.
#[derive(Debug)]
pub(crate) struct Inputs<'a> {
    pub(crate) seed: u64,
    pub(crate) duration: Duration,
    pub(crate) elapsed: Duration,
    pub(crate) backend: BackendInfo,
    pub(crate) config: ConfigReport,
    pub(crate) timeline: &'a Timeline,
    pub(crate) log: &'a Log,
    /// In [`BREAKERS`] order.
    pub(crate) clients: [ClientStats; 2],
    pub(crate) request_timeout: Duration,
    pub(crate) metrics: MetricsInfo,
    pub(crate) files: Files,
}

/// Builds the report.
pub(crate) fn build(inputs: Inputs<'_>) -> Report {
    let log = inputs.log;
    let end_s = inputs
        .elapsed
        .as_secs_f64()
        .max(inputs.duration.as_secs_f64());
    let outage = inputs.timeline.outage();
    let health = inputs
        .clients
        .iter()
        .map(|c| c.health)
        .fold(HealthStats::default(), |sum, h| HealthStats {
            probe_checks: sum.probe_checks + h.probe_checks,
            probes_held_back: sum.probes_held_back + h.probes_held_back,
            active_checks: sum.active_checks + h.active_checks,
            early_probes: sum.early_probes + h.early_probes,
        });
    let breakers = BREAKERS
        .iter()
        .zip(inputs.clients)
        .enumerate()
        .map(|(index, (name, client))| {
            breaker(log, index, name, client, inputs.timeline, outage, end_s)
        })
        .collect();
    let by_phase = inputs
        .timeline
        .spans()
        .iter()
        .map(|span| {
            let calls: Vec<&Call> = log.calls.iter().filter(|c| c.phase == span.phase).collect();
            let l = latency(calls.iter().copied());
            PhaseReport {
                span: *span,
                answers: AnswerCounts::of(calls.iter().copied()),
                p50_ms: l.p50_ms,
                p99_ms: l.p99_ms,
                max_ms: l.max_ms,
            }
        })
        .collect();
    Report {
        version: REPORT_VERSION,
        seed: inputs.seed,
        duration_s: inputs.duration.as_secs_f64(),
        elapsed_s: inputs.elapsed.as_secs_f64(),
        backend: inputs.backend,
        config: inputs.config,
        phases: inputs.timeline.spans().to_vec(),
        breakers,
        answers: AnswerCounts::of(&log.calls),
        by_phase,
        outage: outage
            .map(|(start_s, end_s)| outage_report(log, start_s, end_s, inputs.request_timeout)),
        latency: latency(&log.calls),
        health,
        series: Series::of(log, end_s),
        metrics: inputs.metrics,
        files: inputs.files,
    }
}

fn breaker(
    log: &Log,
    index: usize,
    name: &str,
    client: ClientStats,
    timeline: &Timeline,
    outage: Option<(f64, f64)>,
    end_s: f64,
) -> BreakerReport {
    let transitions: Vec<&Transition> = log
        .transitions
        .iter()
        .filter(|t| t.breaker == name)
        .collect();
    let calls: Vec<&Call> = log.calls.iter().filter(|c| c.breaker == index).collect();
    let openings: Vec<Opening> = transitions
        .iter()
        .filter(|t| t.to == State::Open)
        .map(|t| Opening {
            at_s: t.at_s,
            phase: timeline.phase_at(Duration::from_secs_f64(t.at_s)),
            reason: t.reason.clone(),
            open_for_ms: t.open_for_ms,
            recent_failures: recent_failures(&calls, t.at_s),
        })
        .collect();
    let opened_during_outage = outage
        .is_some_and(|(start, end)| openings.iter().any(|o| o.at_s >= start && o.at_s <= end));
    let last_opening = openings.last().map(|o| o.at_s);
    let closed_after_outage_s = match (outage, last_opening) {
        (Some((start, _)), Some(opened)) => transitions
            .iter()
            .rev()
            .find(|t| t.to == State::Closed && t.at_s > opened && t.at_s >= start)
            .map(|t| t.at_s),
        _ => None,
    };
    let time_to_recover_s = closed_after_outage_s
        .zip(outage)
        .map(|(closed, (_, back))| (closed - back).max(0.0));
    let time_not_closed_s = bands(&transitions, end_s)
        .iter()
        .filter(|b| b.state != State::Closed)
        .map(|b| b.to_s - b.from_s)
        .sum();
    BreakerReport {
        name: name.to_owned(),
        transitions: transitions.into_iter().cloned().collect(),
        openings,
        opened_during_outage,
        closed_after_outage_s,
        time_to_recover_s,
        time_not_closed_s,
        final_state: client.circuit_breaker.state,
        answers: AnswerCounts::of(calls.iter().copied()),
        client,
        learned: log.learned[index].as_ref().map(Learned::of),
    }
}

/// The last few failures the backend gave this breaker before `at_s`.
fn recent_failures(calls: &[&Call], at_s: f64) -> BTreeMap<String, u64> {
    let mut recent: Vec<&&Call> = calls
        .iter()
        .filter(|c| c.answer.was_sent() && !c.answer.is_fallback())
        .filter(|c| !matches!(c.answer, crate::record::Answer::Live))
        .filter(|c| c.ended_s() <= at_s + 0.01 && c.ended_s() >= at_s - LOOKBACK_S)
        .collect();
    recent.sort_by(|a, b| a.ended_s().total_cmp(&b.ended_s()));
    let mut counts = BTreeMap::new();
    for call in recent.iter().rev().take(RECENT_FAILURES) {
        *counts.entry(call.answer.label().to_owned()).or_insert(0) += 1;
    }
    counts
}

fn outage_report(log: &Log, start_s: f64, end_s: f64, timeout: Duration) -> OutageReport {
    let calls: Vec<&Call> = log.calls.iter().filter(|c| c.phase.is_outage()).collect();
    let sent = calls.iter().filter(|c| c.answer.was_sent());
    let max_wait_ms = sent.clone().map(|c| millis(c.latency)).fold(0.0, f64::max);
    let waited_past_timeout = sent.filter(|c| c.latency > timeout).count() as u64;
    let failed_fast_max_ms = calls
        .iter()
        .filter(|c| !c.answer.was_sent())
        .map(|c| millis(c.latency))
        .fold(0.0, f64::max);
    OutageReport {
        start_s,
        end_s,
        answers: AnswerCounts::of(calls.iter().copied()),
        max_wait_ms,
        request_timeout_ms: millis(timeout),
        waited_past_timeout,
        failed_fast_max_ms,
    }
}
