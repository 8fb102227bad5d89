//! The board, redrawn in place with ANSI escapes (no terminal library:
//! cursor-up, clear-line and colours are all it needs).

use std::io::Write;

use circuit_core::State;

use super::frame::{Frame, backoff, latency};
use crate::scenario::Phase;

const BAR_WIDTH: usize = 40;
const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const HIDE_CURSOR: &str = "\x1b[?25l";
const SHOW_CURSOR: &str = "\x1b[?25h";

/// The in-place board.
#[derive(Debug, Default)]
pub(crate) struct Board {
    /// Lines drawn last time, to move back over.
    drawn: usize,
}

impl Board {
    pub(crate) fn draw(&mut self, frame: &Frame) {
        let lines = render(frame);
        let mut out = String::new();
        if self.drawn == 0 {
            out.push_str(HIDE_CURSOR);
        } else {
            out.push_str(&format!("\x1b[{}F", self.drawn));
        }
        for line in &lines {
            out.push_str("\x1b[2K");
            out.push_str(line);
            out.push('\n');
        }
        self.drawn = lines.len();
        let mut stdout = std::io::stdout().lock();
        // A closed terminal is no reason to stop the run.
        let _ = stdout
            .write_all(out.as_bytes())
            .and_then(|()| stdout.flush());
    }

    pub(crate) fn finish(&mut self, frame: &Frame) {
        self.draw(frame);
        let mut stdout = std::io::stdout().lock();
        let _ = write!(stdout, "{SHOW_CURSOR}").and_then(|()| stdout.flush());
    }
}

impl Drop for Board {
    fn drop(&mut self) {
        if self.drawn > 0 {
            let _ = write!(std::io::stdout(), "{SHOW_CURSOR}");
        }
    }
}

/// Every line fits this many columns (or `$COLUMNS`, if smaller), so that
/// no line wraps: a wrapped line would throw off the cursor-up count.
const DEFAULT_COLUMNS: usize = 80;

fn columns() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .map_or(DEFAULT_COLUMNS, |c| c.clamp(40, DEFAULT_COLUMNS))
}

/// Cuts plain text (no escapes) to `width` characters.
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

fn render(frame: &Frame) -> Vec<String> {
    let width = columns() - 1;
    let mut parts = frame.header.split(" | ");
    let title = parts.next().unwrap_or_default();
    let mut lines = vec![format!("{BOLD}{}{RESET}", fit(title, width))];
    lines.extend(parts.map(|part| format!("{DIM}{}{RESET}", fit(part, width))));
    lines.push(format!(
        "{}  {:>5.1}/{:.0}s  {BOLD}{}{RESET}",
        bar(frame),
        frame.elapsed_s.min(frame.duration_s),
        frame.duration_s,
        fit(frame.phase.label(), 20)
    ));
    lines.push(format!(
        "{DIM}{}{RESET}",
        fit(frame.phase.description(), width)
    ));
    lines.push(format!(
        "{DIM}{:<11} {:<10} {:>7} {:>8} {:>8} {:>7} {:>7}{RESET}",
        "breaker", "state", "ok", "win-fail", "backoff", "p50", "p99"
    ));
    for row in &frame.rows {
        lines.push(format!(
            "{:<11} {}{:<10}{RESET} {:>6.1}% {:>7.1}% {:>8} {:>7} {:>7}",
            row.name,
            state_colour(row.state),
            row.state.as_str().to_uppercase(),
            row.success_rate * 100.0,
            row.window_failure_rate * 100.0,
            backoff(row.backoff),
            latency(row.p50_ms),
            latency(row.p99_ms),
        ));
    }
    lines.push(format!(
        "{DIM}{:<11} {:>6} {:>6} {:>6} {:>13} {:>7} {:>12}{RESET}",
        "answers", "live", "cache", "empty", "conservative", "errors", "failed fast"
    ));
    for row in &frame.rows {
        let a = &row.answers;
        lines.push(format!(
            "{:<11} {:>6} {:>6} {:>6} {:>13} {:>7} {:>12}",
            row.name, a.live, a.cache, a.empty, a.conservative, a.failed, a.failed_fast
        ));
    }
    lines.push(format!("{DIM}recent transitions{RESET}"));
    for i in 0..4 {
        lines.push(fit(frame.events.get(i).map_or("", String::as_str), width));
    }
    lines
}

/// The progress bar, each cell tinted with the phase it stands for.
fn bar(frame: &Frame) -> String {
    let mut out = String::new();
    #[allow(clippy::cast_precision_loss)]
    for cell in 0..BAR_WIDTH {
        let t = (cell as f64 + 0.5) / BAR_WIDTH as f64 * frame.duration_s;
        let phase = frame
            .phases
            .iter()
            .find(|(_, start, end)| t >= *start && t < *end)
            .map_or(Phase::Healthy, |p| p.0);
        let glyph = if t <= frame.elapsed_s { '█' } else { '░' };
        out.push_str(phase_colour(phase));
        out.push(glyph);
    }
    out.push_str(RESET);
    out
}

fn state_colour(state: State) -> &'static str {
    match state {
        State::Closed => "\x1b[1;32m",
        State::Open => "\x1b[1;31m",
        State::HalfOpen => "\x1b[1;33m",
        State::ForcedOpen | State::ForcedClosed => "\x1b[1;35m",
    }
}

fn phase_colour(phase: Phase) -> &'static str {
    match phase {
        Phase::Healthy | Phase::Recovered => "\x1b[32m",
        Phase::Degraded => "\x1b[33m",
        Phase::OutageRefused | Phase::OutageUnavailable => "\x1b[31m",
        Phase::Recovering => "\x1b[36m",
    }
}
