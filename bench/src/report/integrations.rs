//! Section 6's tables and summary lines: the tower layer and the reqwest
//! middleware over their bare stacks, registry lookups, registries of
//! 10 000 and 100 000 breakers.

use crate::scenarios::hot_path::CallRow;
use crate::scenarios::integrations::fleet::FleetRow;
use crate::scenarios::turns::LatencyRow;
use crate::subjects::Role;

use super::Report;
use super::format::{bytes, num, percent_change, ratio};
use super::sections::{LATENCY_HEADERS, call_table, latency_rows};
use super::table::Table;
use super::verdict::Verdict;

fn tower_table(rows: &[CallRow]) -> Table {
    let mut t = Table::new(
        "6a. tower layer in process: one request to a service that answers at once",
        &[
            "stack",
            "config",
            "1 thread ns/req",
            "over bare",
            "2 threads ns/req",
            "over bare",
            "allocs/req",
            "note",
        ],
    );
    let bare = rows.iter().find(|r| r.id.role == Role::Baseline);
    for r in rows {
        let (one, two) = (r.one_thread.median, r.two_threads.per_call.median);
        let plus = |value: f64, base: Option<f64>| {
            base.map(|b| format!("+{}", num(value - b)))
                .unwrap_or_default()
        };
        t.row(vec![
            r.id.library.into(),
            r.id.variant.into(),
            num(one),
            plus(one, bare.map(|b| b.one_thread.median)),
            num(two),
            plus(two, bare.map(|b| b.two_threads.per_call.median)),
            num(r.allocs.count),
            r.note.clone().unwrap_or_default(),
        ]);
    }
    t.notes.push(
        "Requests are built, readied and called, and the future polled in place (no runtime); \
         2 threads each hold a clone of the service, sharing its breaker (or registry)."
            .into(),
    );
    t
}

fn loopback_table(rows: &[LatencyRow]) -> Table {
    let mut t = Table::new(
        "6c. Layer and middleware over loopback HTTP: POST to the match endpoint, body read",
        &LATENCY_HEADERS,
    );
    latency_rows(&mut t, rows);
    for pair in rows.chunks(2) {
        if let [bare, with] = pair {
            t.notes.push(format!(
                "{} over {}: p50 {} ({} µs), p99 {}, {} allocations and {} B per request more.",
                with.name,
                bare.name,
                percent_change(with.p50_us / bare.p50_us),
                signed(with.p50_us - bare.p50_us),
                percent_change(with.p99_us / bare.p99_us),
                signed(with.allocs.count - bare.allocs.count),
                signed(with.allocs.bytes - bare.allocs.bytes),
            ));
        }
    }
    t.notes.push(
        "One request at a time on a current-thread runtime, the variants taking turns in blocks of 50; \
         allocations count client and server (the server's share is the same for all)."
            .into(),
    );
    t
}

/// 6b: registry lookups.
pub(crate) fn lookup_table(rows: &[CallRow]) -> Table {
    let mut t = call_table(
        "6b. Registry: looking up one host's breaker among 100 (String keys)",
        rows,
    );
    t.notes.push(
        "\"get + one successful call\" is a whole call through a host's breaker: lookup, \
         try_acquire, record_success. The std maps hold the same Arcs. \"among 100 000\": \
         the same key in a registry of 100 000 breakers (4096 shards)."
            .into(),
    );
    t
}

/// 6d: registries of 10 000 and 100 000 breakers.
pub(crate) fn fleet_table(rows: &[FleetRow]) -> Table {
    let mut t = Table::new(
        "6d. Registry at scale: breakers held, each used once",
        &[
            "breakers",
            "latency recorder",
            "heap",
            "per breaker",
            "creating all, ms",
            "per new key, µs",
        ],
    );
    for r in rows {
        t.row(vec![
            r.breakers.to_string(),
            if r.compact_recorder {
                "compact"
            } else {
                "none"
            }
            .into(),
            bytes(r.heap_bytes as f64),
            bytes(r.per_breaker()),
            num(r.fill_ms),
            num(r.fill_ms * 1e3 / r.breakers as f64),
        ]);
    }
    t.notes.push(
        "Heap: what the registry holds once every key's breaker made one successful call \
         (slot, the key's copy, the breaker and its name, the recorder and its success \
         histogram, the shards). Keys like https://host-000042.example.com:443. \
         A compact recorder that saw all five outcomes holds 1976 B at most \
         (circuit-metrics/tests/memory.rs); a breaker alone at most 512 B \
         (circuit-core/tests/memory.rs)."
            .into(),
    );
    t
}

fn signed(x: f64) -> String {
    if x >= 0.0 {
        format!("+{}", num(x))
    } else {
        num(x)
    }
}

pub(super) fn tables(report: &Report) -> Vec<Table> {
    let i = &report.integrations;
    let mut out = Vec::new();
    match &i.tower {
        Ok(rows) => out.push(tower_table(rows)),
        Err(why) => out.push(not_measured("6a. tower layer in process", why)),
    }
    match &i.registry {
        Ok(rows) => out.push(lookup_table(rows)),
        Err(why) => out.push(not_measured("6b. Registry lookups", why)),
    }
    match &i.loopback {
        Ok(rows) => out.push(loopback_table(rows)),
        Err(why) => out.push(not_measured(
            "6c. Layer and middleware over loopback HTTP",
            why,
        )),
    }
    match &i.fleet {
        Ok(rows) => out.push(fleet_table(rows)),
        Err(why) => out.push(not_measured("6d. Registry at scale", why)),
    }
    out
}

pub(crate) fn not_measured(title: &str, why: &str) -> Table {
    let mut t = Table::new(title, &["stack"]);
    t.notes.push(format!("not measured: {why}"));
    t
}

pub(super) fn verdicts(report: &Report, out: &mut Vec<Verdict>) {
    let i = &report.integrations;
    if let Ok(rows) = &i.tower {
        let bare = rows.iter().find(|r| r.id.role == Role::Baseline);
        if let (Some(bare), Some(layer)) = (bare, rows.iter().find(|r| r.id.role == Role::Ours)) {
            out.push(Verdict {
                measure: "tower layer overhead per request, 1 / 2 threads".into(),
                ours: format!(
                    "+{} / +{} ns",
                    num(layer.one_thread.median - bare.one_thread.median),
                    num(layer.two_threads.per_call.median - bare.two_threads.per_call.median)
                ),
                reference: bare.id.label(),
                reference_value: format!(
                    "{} / {} ns",
                    num(bare.one_thread.median),
                    num(bare.two_threads.per_call.median)
                ),
                ratio: None,
                text: format!(
                    "{} allocations per request more",
                    signed(layer.allocs.count - bare.allocs.count)
                ),
            });
        }
    }
    if let Ok(rows) = &i.loopback {
        for pair in rows.chunks(2) {
            if let [bare, with] = pair {
                out.push(Verdict {
                    measure: format!("{} over loopback HTTP, p50", with.name),
                    ours: format!("{} µs", signed(with.p50_us - bare.p50_us)),
                    reference: bare.name.into(),
                    reference_value: format!("{} µs", num(bare.p50_us)),
                    ratio: None,
                    text: format!(
                        "{} p50, {} p99, {} allocations per request",
                        percent_change(with.p50_us / bare.p50_us),
                        percent_change(with.p99_us / bare.p99_us),
                        signed(with.allocs.count - bare.allocs.count)
                    ),
                });
            }
        }
    }
    if let Ok(rows) = &i.fleet {
        let largest = |compact| {
            rows.iter()
                .filter(|r| r.compact_recorder == compact)
                .max_by_key(|r| r.breakers)
        };
        if let (Some(bare), Some(with)) = (largest(false), largest(true)) {
            out.push(Verdict {
                measure: format!(
                    "Registry of {} breakers: heap per breaker, alone / with a compact recorder",
                    bare.breakers
                ),
                ours: format!(
                    "{} / {}",
                    bytes(bare.per_breaker()),
                    bytes(with.per_breaker())
                ),
                reference: "a breaker's bound + a compact recorder's bound".into(),
                reference_value: "512 B + 2 KiB".into(),
                ratio: None,
                text: format!("all {} created in {} ms", bare.breakers, num(bare.fill_ms)),
            });
        }
    }
    if let Ok(rows) = &i.registry {
        let ours = rows.iter().find(|r| r.id.role == Role::Ours);
        let rw = rows.iter().find(|r| r.id.library.contains("RwLock"));
        if let (Some(o), Some(rw)) = (ours, rw) {
            let (one, two) = (o.one_thread.median, o.two_threads.per_call.median);
            let (rw_one, rw_two) = (rw.one_thread.median, rw.two_threads.per_call.median);
            out.push(Verdict {
                measure: "Registry lookup, 1 / 2 threads".into(),
                ours: format!("{} / {} ns", num(one), num(two)),
                reference: rw.id.label(),
                reference_value: format!("{} / {} ns", num(rw_one), num(rw_two)),
                ratio: Some(rw_two / two),
                text: format!(
                    "RwLock ÷ ours: {} alone, {} with 2 threads",
                    ratio(rw_one / one),
                    ratio(rw_two / two)
                ),
            });
        }
    }
}
