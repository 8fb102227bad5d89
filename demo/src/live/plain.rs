//! Plain timestamped lines, for logs and pipes: a line per breaker each
//! second and one at every phase change.

use super::frame::{Frame, backoff, latency};
use crate::scenario::Phase;

/// Seconds between status lines.
const EVERY_S: f64 = 1.0;

/// The line printer.
#[derive(Debug, Default)]
pub(crate) struct Lines {
    phase: Option<Phase>,
    next_s: f64,
    /// When the last status lines were printed.
    printed_s: Option<f64>,
}

impl Lines {
    pub(crate) fn print(&mut self, frame: &Frame) {
        if self.phase.is_none() {
            println!("{}", frame.header.replace(" | ", ", "));
        }
        if self.phase != Some(frame.phase) {
            self.phase = Some(frame.phase);
            println!(
                "[{:>6.1}s] phase: {} ({})",
                frame.elapsed_s,
                frame.phase.label(),
                frame.phase.description()
            );
        }
        if frame.elapsed_s >= self.next_s {
            self.next_s = (frame.elapsed_s / EVERY_S).floor() * EVERY_S + EVERY_S;
            self.printed_s = Some(frame.elapsed_s);
            status(frame);
        }
    }

    /// The final numbers, unless they were just printed.
    pub(crate) fn finish(&mut self, frame: &Frame) {
        if self.printed_s.is_none_or(|at| frame.elapsed_s - at > 0.1) {
            status(frame);
        }
    }
}

fn status(frame: &Frame) {
    for row in &frame.rows {
        let a = &row.answers;
        println!(
            "[{:>6.1}s] {:<10} {:<9} ok {:>5.1}% win-fail {:>5.1}% backoff {:>5} p50 {:>6} p99 {:>6} | live {} cache {} empty {} conservative {} errors {} failed-fast {}",
            frame.elapsed_s,
            row.name,
            row.state.as_str(),
            row.success_rate * 100.0,
            row.window_failure_rate * 100.0,
            backoff(row.backoff),
            latency(row.p50_ms),
            latency(row.p99_ms),
            a.live,
            a.cache,
            a.empty,
            a.conservative,
            a.failed,
            a.failed_fast
        );
    }
}
