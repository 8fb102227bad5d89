//! The report's tables, built from the results: the summary first, then
//! one table per section.

use crate::scenarios::client::ClientResults;
use crate::scenarios::cycles::CycleRow;
use crate::scenarios::fallback::{FallbackRow, REFRESH};
use crate::scenarios::hot_path::CallRow;
use crate::scenarios::memory::MemoryRow;
use crate::scenarios::turns::LatencyRow;
use crate::timing::{MAX_WAIT, MIN_QUIET_ROUNDS};

use super::Report;
use super::format::{bytes, num, percent_change, ratio, signed, signed_bytes};
use super::summary::{ours, summary};
use super::table::Table;

pub(crate) fn heading(report: &Report) -> String {
    format!(
        "Mode {mode:?} on {machine}. Each timing is the median of {reps} repetitions of about {ms} ms; \
         every library ran in this one process, the rows of a table taking turns one repetition \
         at a time. The machine is shared and noisy: read ratios, not absolute times, and expect \
         10-20 % between runs. One 8-byte allocation and \
         free costs {tax} ns here under the counting allocator. Run took {secs:.0} s.",
        mode = report.mode,
        machine = report.machine.describe(),
        reps = report.reps,
        ms = report.rep_ms,
        tax = num(report.alloc_tax_ns),
        secs = report.seconds,
    )
}

fn times(value: f64, ours: Option<f64>) -> String {
    ours.map(|o| ratio(value / o)).unwrap_or_default()
}

pub(super) fn call_table(title: &str, rows: &[CallRow]) -> Table {
    let mut t = Table::new(
        title,
        &[
            "library",
            "config",
            "1 thread ns/call",
            "× ours",
            "2 threads ns/call",
            "× ours",
            "2 threads Mcalls/s",
            "cores busy",
            "quiet rounds",
            "allocs/call",
            "B/call",
            "note",
        ],
    );
    let o = ours(rows, |r| &r.id);
    for r in rows {
        let two = r.two_threads.per_call.median;
        t.row(vec![
            r.id.library.into(),
            r.id.variant.into(),
            num(r.one_thread.median),
            times(r.one_thread.median, o.map(|o| o.one_thread.median)),
            num(two),
            times(two, o.map(|o| o.two_threads.per_call.median)),
            num(r.two_threads.mcalls_per_s),
            num(r.two_threads.parallelism),
            format!("{}/{}", r.two_threads.quiet_rounds, r.two_threads.rounds),
            num(r.allocs.count),
            num(r.allocs.bytes),
            r.note.clone().unwrap_or_default(),
        ]);
    }
    t.notes.push(
        "\"× ours\" is the row's time over ours (default config): above 1 is slower than ours."
            .into(),
    );
    t.notes.push(format!(
        "2 threads share one breaker; ns/call is a round's wall time over each thread's calls \
         (1 thread's figure if it scales, twice it if it serializes). Rounds in which other load \
         on the machine preempted a thread for more than {:.0} % of the time are left out while \
         {} or more remain (\"quiet rounds\"). \"cores busy\": the threads' CPU time over wall time \
         (2 = both ran throughout; a lock that parks its waiters shows less).",
        MAX_WAIT * 100.0,
        MIN_QUIET_ROUNDS
    ));
    t
}

fn cycle_table(rows: &[CycleRow]) -> Table {
    let mut t = Table::new(
        "2. Transitions: closed → open → half-open → closed",
        &[
            "library",
            "config",
            "calls/cycle",
            "ns/cycle",
            "× ours",
            "allocs/cycle",
            "retained after run",
            "growth B/cycle",
            "note",
        ],
    );
    let o = ours(rows, |r| &r.id).map(|o| o.per_cycle.median);
    for r in rows {
        t.row(vec![
            r.id.library.into(),
            r.id.variant.into(),
            format!("{} fail + {} ok", r.failures, r.successes),
            num(r.per_cycle.median),
            times(r.per_cycle.median, o),
            num(r.allocs.count),
            bytes(r.retained_bytes as f64),
            num(r.growth_per_cycle),
            r.note.clone().unwrap_or_default(),
        ]);
    }
    if let Some(first) = rows.first() {
        t.notes.push(format!(
            "Zero open period, production clocks. \"retained\": bytes allocated and not freed over {} cycles of a fresh breaker; \"growth\": of those, per cycle after the first tenth (0 = bounded).",
            first.cycles
        ));
    }
    t
}

fn memory_table(rows: &[MemoryRow]) -> Table {
    let mut t = Table::new(
        "3. Memory per breaker",
        &[
            "library",
            "config",
            "handle",
            "heap at build",
            "heap in use",
            "per breaker",
            "× ours",
            "fleet",
            "fleet total",
        ],
    );
    let o = ours(rows, |r| &r.id).map(|o| o.per_breaker() as f64);
    for r in rows {
        t.row(vec![
            r.id.library.into(),
            r.id.variant.into(),
            bytes(r.handle_bytes as f64),
            bytes(r.heap_at_construction as f64),
            bytes(r.heap_in_use as f64),
            bytes(r.per_breaker() as f64),
            times(r.per_breaker() as f64, o),
            r.fleet.to_string(),
            bytes(r.fleet_bytes as f64),
        ]);
    }
    t.notes.push("\"in use\" is after 100 successful calls (lazily built state included); per breaker = handle + heap in use.".into());
    t
}

/// The columns of a table of [`LatencyRow`]s.
pub(super) const LATENCY_HEADERS: [&str; 8] = [
    "client",
    "what it does",
    "requests",
    "p50 µs",
    "p99 µs",
    "mean µs",
    "allocs/req",
    "B/req",
];

/// One line per way of sending, under [`LATENCY_HEADERS`].
pub(super) fn latency_rows(t: &mut Table, rows: &[LatencyRow]) {
    for r in rows {
        t.row(vec![
            r.name.into(),
            r.what.into(),
            r.requests.to_string(),
            num(r.p50_us),
            num(r.p99_us),
            num(r.mean_us),
            num(r.allocs.count),
            num(r.allocs.bytes),
        ]);
    }
}

fn client_table(report: &Report) -> Table {
    client_section(&report.client, &report.fallback)
}

/// Section 4, also printed alone by `bench --client` (with `fallback`
/// not run: the note on the cache refresh's share is then left out).
pub(crate) fn client_section(
    client: &Result<ClientResults, String>,
    fallback: &Result<Vec<FallbackRow>, String>,
) -> Table {
    let mut t = Table::new(
        "4. Client overhead: match_kols to a loopback backend",
        &LATENCY_HEADERS,
    );
    match client {
        Ok(c) => {
            latency_rows(&mut t, &c.rows);
            t.notes.push(format!(
                "fastapi-client over {} (the fair baseline): p50 {} (+{} µs), p99 {}, {} allocations and {} per request \
                 (target: at most +{} µs, +{} allocations, +{}; seed design: {}, +{} allocations, +{}). Allocations count \
                 client and server (the server also reads the two headers the client adds, X-Request-ID and X-Circuit-State).",
                c.baseline,
                percent_change(c.p50_ratio),
                num(c.p50_extra_us),
                percent_change(c.p99_ratio),
                signed(c.extra_allocs),
                signed_bytes(c.extra_bytes),
                num(c.target.p50_extra_us),
                num(c.target.extra_allocs),
                bytes(c.target.extra_bytes),
                percent_change(c.seed.latency_ratio),
                num(c.seed.extra_allocs),
                bytes(c.seed.extra_bytes),
            ));
            let refresh = fallback
                .as_ref()
                .ok()
                .and_then(|rows| rows.iter().find(|r| r.name == REFRESH));
            if let Some(r) = refresh {
                t.notes.push(format!(
                    "Of that, refreshing the last-good cache after each live success ({REFRESH} in 5b) \
                     takes {} µs, {} allocations and {} per request.",
                    num(r.per_call.median / 1e3),
                    num(r.allocs.count),
                    bytes(r.allocs.bytes),
                ));
            }
            let a = &c.cached_answer;
            t.notes.push(format!(
                "Breaker held open: answered from the last-good cache (meta.algorithm_used = \"{}\") in {} µs p50, {} allocations per request.",
                a.served_as,
                num(a.p50_us),
                num(a.allocs.count),
            ));
        }
        Err(why) => t.notes.push(format!("not measured: {why}")),
    }
    t
}

fn fallback_table(report: &Report) -> Table {
    let mut t = Table::new(
        "5b. Fallback cache (no peer equivalent)",
        &["operation", "what", "ns/call", "allocs/call", "B/call"],
    );
    match &report.fallback {
        Ok(rows) => {
            for r in rows {
                t.row(vec![
                    r.name.into(),
                    r.what.into(),
                    num(r.per_call.median),
                    num(r.allocs.count),
                    num(r.allocs.bytes),
                ]);
            }
        }
        Err(why) => t.notes.push(format!("not measured: {why}")),
    }
    t
}

/// Every table, summary first.
pub(crate) fn tables(report: &Report) -> Vec<Table> {
    let b = &report.breakers;
    let mut tables = vec![
        summary(report),
        call_table("1. Closed state: one successful call", &b.hot_path),
        cycle_table(&b.cycles),
        memory_table(&b.memory),
        client_table(report),
        call_table("5a. Open state: one rejected call", &b.open_state),
        fallback_table(report),
    ];
    tables.extend(super::integrations::tables(report));
    match &report.adaptive {
        Ok(results) => tables.push(super::adaptive::table(results)),
        Err(why) => {
            let mut t = Table::new(super::adaptive::TITLE, &[]);
            t.notes.push(format!("not measured: {why}"));
            tables.push(t);
        }
    }
    tables.push(super::share::table(&report.share));
    if !b.skipped.is_empty() {
        let mut t = Table::new("Left out", &["library", "config", "section", "why"]);
        for s in &b.skipped {
            t.row(vec![
                s.id.library.into(),
                s.id.variant.into(),
                s.section.into(),
                s.why.clone(),
            ]);
        }
        tables.push(t);
    }
    tables
}
