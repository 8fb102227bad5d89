//! Section 8's table: sharing breaker state through Redis.

use super::table::Table;
use crate::scenarios::share::ShareResults;

/// The title, also the heading docs/sharing.md quotes.
pub(crate) const TITLE: &str = "8. Sharing breaker state through Redis";

/// The table, or a note saying why it was not measured.
pub(crate) fn table(results: &Result<ShareResults, String>) -> Table {
    let mut t = Table::new(TITLE, &["measure", "sharing off", "sharing on", "on / off"]);
    let r = match results {
        Ok(r) => r,
        Err(why) => {
            t.notes.push(format!("not measured: {why}"));
            return t;
        }
    };
    for f in &r.fleets {
        t.row(vec![
            format!("calls sent to a dead backend, {} replicas", f.replicas),
            f.alone.to_string(),
            f.sharing.to_string(),
            ratio(f.sharing as f64, f.alone as f64),
        ]);
    }
    t.row(vec![
        format!(
            "propagation delay to a peer, p50 / p99 / max ({} deliveries)",
            r.delays
        ),
        "-".into(),
        format!(
            "{:.2} / {:.2} / {:.2} ms",
            r.delay_p50_us / 1e3,
            r.delay_p99_us / 1e3,
            r.delay_max_us / 1e3
        ),
        "-".into(),
    ]);
    t.row(vec![
        "one closed call (acquire + success), median".into(),
        format!("{:.1} ns", r.call_off.median),
        format!("{:.1} ns", r.call_on.median),
        ratio(r.call_on.median, r.call_off.median),
    ]);
    t.row(vec![
        format!("Redis commands during {} calls", r.counted_calls),
        "0".into(),
        r.commands_during_calls.to_string(),
        "-".into(),
    ]);
    t.notes.push(format!(
        "Real redis-server on loopback, one connection pair per replica. Dead backend: the fleet \
         calls it 1000 times per second for 3 s, each call to a replica drawn at random (seeded, \
         the same draws both ways), Config::default() at time scale 1:100 (5 consecutive failures \
         trip, 300 ms recovery, 10-300 ms backoff): first trips and rounds of probes; a call sent \
         is a failure or a probe. Propagation: trip to peer OPEN by the transitions' wall-clock \
         times, 2 peers per trip. Call path: the two breakers take turns (min-max off \
         {:.1}-{:.1} ns, on {:.1}-{:.1} ns). Redis commands: the server's own \
         total_commands_processed, the INFO that reads it included. Section took {:.1} s.",
        r.call_off.min, r.call_off.max, r.call_on.min, r.call_on.max, r.seconds
    ));
    t
}

fn ratio(on: f64, off: f64) -> String {
    if off > 0.0 {
        format!("{:.2}×", on / off)
    } else {
        "-".into()
    }
}
