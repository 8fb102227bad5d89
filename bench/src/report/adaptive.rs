//! Section 7's table and its verdicts: the adaptive policy against the
//! best static config, scenario by scenario. docs/adaptive.md quotes this
//! table verbatim (a test below keeps it so).

use std::time::Duration;

use circuit_core::replay::Scenario;

use super::table::Table;
use crate::scenarios::adaptive::{AdaptiveResults, Policy, ReplayRow};

/// The title, also the heading docs/adaptive.md quotes.
pub(crate) const TITLE: &str = "7. Adaptive thresholds: replayed incidents";

/// The table, with one verdict per scenario under it.
pub(crate) fn table(results: &AdaptiveResults) -> Table {
    let mut t = Table::new(
        TITLE,
        &[
            "scenario",
            "policy",
            "config",
            "detection delay",
            "detected",
            "calls into incident",
            "false trips",
            "open while healthy",
        ],
    );
    for r in &results.rows {
        t.row(vec![
            format!("({})", r.scenario),
            r.policy.label().into(),
            r.config.clone(),
            detection(r),
            detected(r, results.seeds),
            format!("{:.0}", r.calls_into_incident),
            r.false_trips.to_string(),
            format!("{:.0} s", r.open_while_healthy.as_secs_f64()),
        ]);
    }
    t.notes.push(format!(
        "Each row: {seeds} seeded traces (seeds 1 to {seeds}). Detection delay: the median over the \
         runs of the time from the incident's start to the first trip (CLOSED → OPEN) in it, a run \
         that never trips in it counting as never (\"open already\": most runs were open when it \
         began); detected: runs that tripped in the incident. Calls into \
         incident: admitted calls that started during it (probes included), mean per run. False \
         trips: trips outside incidents and their monitor_window, summed over the runs. Open while \
         healthy: time not CLOSED outside incidents, mean per run.",
        seeds = results.seeds
    ));
    for scenario in Scenario::ALL {
        if let Some(verdict) = verdict(results, scenario) {
            t.notes.push(verdict);
        }
    }
    t
}

fn detection(r: &ReplayRow) -> String {
    match r.median_delay {
        Some(delay) => seconds(delay),
        None if r.open_already > r.missed => "open already".into(),
        None => "never".into(),
    }
}

fn detected(r: &ReplayRow, seeds: u64) -> String {
    let mut out = format!("{}/{seeds}", r.detected);
    if r.missed > 0 {
        out += &format!(", {} missed", r.missed);
    }
    if r.open_already > 0 {
        out += &format!(", {} open already", r.open_already);
    }
    out
}

fn seconds(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// One scenario's verdict on the goal: the adaptive policy with
/// its defaults matches or beats the best static config's detection delay,
/// with no more false trips than the seed defaults.
fn verdict(results: &AdaptiveResults, scenario: Scenario) -> Option<String> {
    let seeds = results.seeds;
    let find = |policy: Policy| {
        results
            .rows
            .iter()
            .find(|r| r.scenario == scenario.letter() && r.policy == policy)
    };
    let adaptive = find(Policy::Adaptive)?;
    let seed = find(Policy::SeedDefaults)?;
    let hand = find(Policy::HandTuned)?;
    let delay = |r: &ReplayRow| r.median_delay;
    let best = [seed, hand]
        .into_iter()
        .filter_map(|r| delay(r).map(|d| (d, r.policy.label())))
        .min();
    let delays = match (delay(adaptive), best) {
        (Some(a), Some((b, who))) if a.as_secs_f64() < b.as_secs_f64() * 0.95 => {
            format!(
                "beats the best static config ({who}, {}) with {}",
                seconds(b),
                seconds(a)
            )
        }
        (Some(a), Some((b, who))) if a.as_secs_f64() <= b.as_secs_f64() * 1.05 + 0.05 => {
            format!(
                "matches the best static config ({who}, {}) with {}",
                seconds(b),
                seconds(a)
            )
        }
        (Some(a), Some((b, who))) => format!(
            "is SLOWER than the best static config ({who}, {}): {}",
            seconds(b),
            seconds(a)
        ),
        (Some(a), None) => format!(
            "detects in {} where neither static config does in most runs",
            seconds(a)
        ),
        (None, Some((b, who))) => format!(
            "does NOT detect in most runs ({}), the best static config does ({who}, {})",
            detected(adaptive, seeds),
            seconds(b)
        ),
        (None, None) => format!(
            "detects no better than the static configs ({})",
            detected(adaptive, seeds)
        ),
    };
    let trips = if adaptive.false_trips <= seed.false_trips {
        format!(
            "{} false trips, the seed defaults {}",
            adaptive.false_trips, seed.false_trips
        )
    } else {
        format!(
            "MORE false trips than the seed defaults: {} against {}",
            adaptive.false_trips, seed.false_trips
        )
    };
    let mut line = format!("({}) adaptive {delays}; {trips}.", scenario.letter());
    if let Some(over) = find(Policy::AdaptiveOverHandTuned) {
        line += &format!(
            " Over the hand-tuned config instead of the user's: {}, {} detected, {} false trips.",
            detection(over),
            detected(over, seeds),
            over.false_trips
        );
    }
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenarios::adaptive;

    /// docs/adaptive.md quotes this section's table as the bench prints it
    /// in report.md (`cargo xtask bench --adaptive` prints it alone, in a
    /// few seconds). The replays are deterministic, so the two must agree.
    #[test]
    fn docs_quote_the_table_the_bench_prints() {
        let results = adaptive::run().expect("the built-in configs are valid");
        let markdown = table(&results).to_markdown();
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/adaptive.md");
        let docs = std::fs::read_to_string(path).expect("docs/adaptive.md exists");
        assert!(
            docs.contains(&markdown),
            "docs/adaptive.md does not quote the replay table as the bench prints it now; \
             run `cargo xtask bench --adaptive` and copy target/bench/adaptive.md into it:\n\n{markdown}"
        );
    }
}
