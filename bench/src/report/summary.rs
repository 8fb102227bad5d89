//! The summary: for each measure, ours against the best peer, in one line.

use crate::scenarios::cycles::CycleRow;
use crate::scenarios::hot_path::CallRow;
use crate::scenarios::memory::MemoryRow;
use crate::subjects::{Id, Role};

use super::Report;
use super::format::{bytes, num, percent_change, ratio, signed, signed_bytes};
use super::table::Table;
use super::verdict::{Unit, Verdict, against_peers, ratio_of};

pub(super) fn ours<T>(rows: &[T], id: impl Fn(&T) -> &Id) -> Option<&T> {
    rows.iter().find(|r| id(r).role == Role::Ours)
}

fn peers<T>(rows: &[T], id: impl Fn(&T) -> &Id, value: impl Fn(&T) -> f64) -> Vec<(String, f64)> {
    rows.iter()
        .filter(|r| id(r).role == Role::Peer)
        .map(|r| (id(r).label(), value(r)))
        .collect()
}

fn call_verdicts(out: &mut Vec<Verdict>, section: &str, rows: &[CallRow]) {
    let Some(o) = ours(rows, |r| &r.id) else {
        return;
    };
    let one = |r: &CallRow| r.one_thread.median;
    let two = |r: &CallRow| r.two_threads.per_call.median;
    out.push(against_peers(
        &format!("{section}, 1 thread"),
        Unit::Nanos,
        one(o),
        &peers(rows, |r| &r.id, one),
    ));
    out.push(against_peers(
        &format!("{section}, 2 threads (per call)"),
        Unit::Nanos,
        two(o),
        &peers(rows, |r| &r.id, two),
    ));
}

/// The one-line verdicts, in report order.
pub(crate) fn verdicts(report: &Report) -> Vec<Verdict> {
    let b = &report.breakers;
    let mut out = Vec::new();
    call_verdicts(&mut out, "Closed call", &b.hot_path);
    if let Some(o) = ours(&b.hot_path, |r| &r.id) {
        let allocs = |r: &CallRow| r.allocs.count;
        out.push(against_peers(
            "Closed call, allocations per call",
            Unit::Allocations,
            allocs(o),
            &peers(&b.hot_path, |r| &r.id, allocs),
        ));
    }
    if let Some(listener) = b
        .hot_path
        .iter()
        .find(|r| r.id.role == Role::Ours && r.id.variant.contains("listener"))
    {
        let one = |r: &CallRow| r.one_thread.median;
        let mut v = against_peers(
            "Closed call + latency listener, 1 thread",
            Unit::Nanos,
            one(listener),
            &peers(&b.hot_path, |r| &r.id, one),
        );
        v.text = format!(
            "{}; {} allocations per call",
            v.text,
            num(listener.allocs.count)
        );
        out.push(v);
    }
    if let Some(o) = ours(&b.cycles, |r| &r.id) {
        let cycle = |r: &CycleRow| r.per_cycle.median;
        let kept = |r: &CycleRow| r.retained_bytes as f64;
        let growth = |r: &CycleRow| r.growth_per_cycle;
        out.push(against_peers(
            "Full state cycle",
            Unit::Nanos,
            cycle(o),
            &peers(&b.cycles, |r| &r.id, cycle),
        ));
        out.push(against_peers(
            &format!("Retained after {} cycles", o.cycles),
            Unit::Bytes,
            kept(o),
            &peers(&b.cycles, |r| &r.id, kept),
        ));
        let mut v = against_peers(
            "Growth per cycle after the first tenth",
            Unit::Bytes,
            growth(o),
            &peers(&b.cycles, |r| &r.id, growth),
        );
        let worst = b
            .cycles
            .iter()
            .filter(|r| r.id.role == Role::Peer)
            .max_by(|a, b| a.growth_per_cycle.total_cmp(&b.growth_per_cycle));
        if let Some(worst) = worst.filter(|w| w.growth_per_cycle > 0.0) {
            v.text = format!(
                "{}; {} keeps {} per cycle",
                v.text,
                worst.id.label(),
                bytes(worst.growth_per_cycle)
            );
        }
        out.push(v);
    }
    if let Some(o) = ours(&b.memory, |r| &r.id) {
        let each = |r: &MemoryRow| r.per_breaker() as f64;
        let fleet = |r: &MemoryRow| r.fleet_bytes as f64;
        out.push(against_peers(
            "Bytes per breaker (in use)",
            Unit::Bytes,
            each(o),
            &peers(&b.memory, |r| &r.id, each),
        ));
        out.push(against_peers(
            &format!("{} breakers", o.fleet),
            Unit::Bytes,
            fleet(o),
            &peers(&b.memory, |r| &r.id, fleet),
        ));
    }
    call_verdicts(&mut out, "Rejected call (open)", &b.open_state);
    if let Ok(c) = &report.client {
        let target = "issue 12 target".to_owned();
        out.push(Verdict {
            measure: format!("Client p50 over {}", c.baseline),
            ours: format!("{} µs", signed(c.p50_extra_us)),
            reference: target.clone(),
            reference_value: format!("+{} µs", num(c.target.p50_extra_us)),
            ratio: None,
            text: format!(
                "{}; {} of the request, which on the seed design's {} ms requests would be {} (seed design: {}); p99 {}",
                against_target(c.p50_extra_us, c.target.p50_extra_us),
                percent_change(c.p50_ratio),
                num(c.seed.request_us / 1e3),
                percent_change(1.0 + c.p50_extra_us / c.seed.request_us),
                percent_change(c.seed.latency_ratio),
                percent_change(c.p99_ratio),
            ),
        });
        out.push(Verdict {
            measure: "Client extra allocations per request".into(),
            ours: signed(c.extra_allocs),
            reference: target.clone(),
            reference_value: format!("+{}", num(c.target.extra_allocs)),
            ratio: None,
            text: format!(
                "{}; seed design +{}",
                against_target(c.extra_allocs, c.target.extra_allocs),
                num(c.seed.extra_allocs)
            ),
        });
        out.push(Verdict {
            measure: "Client extra bytes per request".into(),
            ours: signed_bytes(c.extra_bytes),
            reference: target,
            reference_value: format!("+{}", bytes(c.target.extra_bytes)),
            ratio: None,
            text: format!(
                "{}; seed design +{}",
                against_target(c.extra_bytes, c.target.extra_bytes),
                bytes(c.seed.extra_bytes)
            ),
        });
    }
    super::integrations::verdicts(report, &mut out);
    out
}

fn against_target(ours: f64, target: f64) -> String {
    if ours <= target {
        "within the target".into()
    } else {
        format!("{} the target", ratio(ratio_of(ours, target)))
    }
}

pub(super) fn summary(report: &Report) -> Table {
    let mut t = Table::new(
        "Summary: ours against the best peer",
        &[
            "measure",
            "ours",
            "best peer / reference",
            "its value",
            "peer ÷ ours",
            "verdict",
        ],
    );
    for v in &report.summary {
        t.row(vec![
            v.measure.clone(),
            v.ours.clone(),
            v.reference.clone(),
            v.reference_value.clone(),
            v.ratio.map(ratio).unwrap_or_default(),
            v.text.clone(),
        ]);
    }
    t.notes
        .push("Lower is better everywhere; \"peer ÷ ours\" above 1 means ours is ahead.".into());
    t
}
