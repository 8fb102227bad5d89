//! The summary printed when a run ends.

use std::fmt::Write as _;

use super::{AnswerCounts, BreakerReport, Report};

/// Renders `report` as plain text (no colour: it also goes to logs).
pub(crate) fn render(report: &Report) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_all(&mut out, report);
    out
}

fn write_all(out: &mut String, r: &Report) -> std::fmt::Result {
    writeln!(
        out,
        "== KOL demo summary: seed {}, {:.0} s, {} backend {} (faults: {})",
        r.seed, r.duration_s, r.backend.kind, r.backend.url, r.backend.faults
    )?;
    writeln!(out, "\nWhat happened")?;
    for span in &r.phases {
        writeln!(
            out,
            "  {:>6}  {:<15} {}",
            secs(span.start_s),
            span.phase.label(),
            span.phase.description()
        )?;
    }
    if r.backend.faults == "fault-api" {
        writeln!(
            out,
            "  (an external backend's fault API cannot close its port: the \"refused\" phase drops connections instead)"
        )?;
    }
    for b in &r.breakers {
        write_breaker(out, b)?;
    }
    writeln!(
        out,
        "\nAnswers the planners got ({} calls)",
        r.answers.total
    )?;
    writeln!(
        out,
        "  {:<12}{:>7}{:>7}{:>7}{:>14}{:>8}{:>13}",
        "", "live", "cache", "empty", "conservative", "errors", "failed fast"
    )?;
    for b in &r.breakers {
        write_counts(out, &b.name, &b.answers)?;
    }
    write_counts(out, "total", &r.answers)?;
    if let Some(o) = &r.outage {
        writeln!(
            out,
            "\nWhile the backend was down ({} to {}): {} calls, {} answered at once without touching it \
             (slowest {:.1} ms), {} sent (first failures and probes); the longest wait on the dead backend \
             was {:.1} ms against a {:.0} ms timeout.",
            secs(o.start_s),
            secs(o.end_s),
            o.answers.total,
            o.answers.failed_fast,
            o.failed_fast_max_ms,
            o.answers.sent,
            o.max_wait_ms,
            o.request_timeout_ms,
        )?;
    }
    write_health(out, r)?;
    writeln!(
        out,
        "Latency as the planners saw it: p50 {:.1} ms, p99 {:.0} ms, max {:.0} ms.",
        r.latency.p50_ms, r.latency.p99_ms, r.latency.max_ms
    )?;
    writeln!(
        out,
        "\nBreaker configuration: production defaults at time scale {} (one demo second = {:.0} production seconds)",
        r.config.time_scale,
        1.0 / r.config.factor
    )?;
    writeln!(out, "  {:<34}{:>10}{:>12}", "setting", "demo", "production")?;
    for row in &r.config.rows {
        writeln!(
            out,
            "  {:<34}{:>10}{:>12}",
            row.name, row.demo, row.production
        )?;
    }
    writeln!(out, "\nFiles: {}  {}", r.files.svg, r.files.report)?;
    if let Some(log) = &r.files.log {
        writeln!(out, "Log:   {log}")?;
    }
    if let Some(url) = &r.metrics.prometheus_url {
        writeln!(
            out,
            "Prometheus metrics were served at {url} ({} samples in the last scrape).",
            r.metrics.scraped_samples
        )?;
    }
    if let Some(endpoint) = &r.metrics.otlp_endpoint {
        writeln!(out, "OTLP metrics were exported to {endpoint}.")?;
    }
    Ok(())
}

fn write_breaker(out: &mut String, b: &BreakerReport) -> std::fmt::Result {
    writeln!(out, "\nBreaker {}", b.name)?;
    if let Some(learned) = &b.learned {
        writeln!(out, "  adaptive policy learned: {}", learned.summary)?;
    }
    let Some(first) = b.openings.first() else {
        return writeln!(out, "  never opened; ended {}", b.final_state);
    };
    let failures: Vec<String> = first
        .recent_failures
        .iter()
        .map(|(kind, n)| format!("{n}x {kind}"))
        .collect();
    writeln!(
        out,
        "  opened at {} during \"{}\": {}{}",
        secs(first.at_s),
        first.phase.label(),
        first.reason,
        if failures.is_empty() {
            String::new()
        } else {
            format!(" (last failures: {})", failures.join(", "))
        }
    )?;
    let probes = b
        .transitions
        .iter()
        .filter(|t| t.to == circuit_core::State::HalfOpen)
        .count();
    let longest = b
        .openings
        .iter()
        .filter_map(|o| o.open_for_ms)
        .fold(0.0, f64::max);
    writeln!(
        out,
        "  opened {} times, went half-open {} times to probe (longest open period {:.1} s: backoff and Retry-After); \
         not closed for {:.1} s in all",
        b.openings.len(),
        probes,
        longest / 1000.0,
        b.time_not_closed_s
    )?;
    match (b.closed_after_outage_s, b.time_to_recover_s) {
        (Some(at), Some(recover)) => writeln!(
            out,
            "  closed again at {}, {:.1} s after the backend came back; ended {}",
            secs(at),
            recover,
            b.final_state
        ),
        (Some(at), None) => writeln!(
            out,
            "  closed again at {}; ended {}",
            secs(at),
            b.final_state
        ),
        _ => writeln!(
            out,
            "  did not close again before the end; ended {}",
            b.final_state
        ),
    }
}

fn write_counts(out: &mut String, name: &str, c: &AnswerCounts) -> std::fmt::Result {
    writeln!(
        out,
        "  {:<12}{:>7}{:>7}{:>7}{:>14}{:>8}{:>13}",
        name, c.live, c.cache, c.empty, c.conservative, c.failed, c.failed_fast
    )
}

fn secs(s: f64) -> String {
    format!("+{s:.1}s")
}

fn write_health(out: &mut String, r: &Report) -> std::fmt::Result {
    let h = &r.health;
    writeln!(
        out,
        "Health checks: {} recovery probes asked /health first and {} found the backend down or failing, \
         so {} real requests were never sent to it; while open, the clients polled /health {} times and \
         {} times let the breaker probe early.",
        h.probe_checks, h.probes_held_back, h.probes_held_back, h.active_checks, h.early_probes,
    )
}
