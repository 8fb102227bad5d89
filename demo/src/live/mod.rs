//! The live view: a compact board redrawn in place on a terminal, plain
//! timestamped lines anywhere else (CI logs, pipes).

mod frame;
mod plain;
mod tty;

use std::io::IsTerminal;

use serde::{Deserialize, Serialize};

pub(crate) use self::frame::Frame;

/// How a run shows its progress.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ViewMode {
    /// The board on a terminal, plain lines otherwise.
    #[default]
    Auto,
    /// The board, redrawn in place (ANSI colours and cursor movement).
    Tty,
    /// One timestamped line per breaker each second.
    Plain,
    /// Nothing until the summary.
    Quiet,
}

impl ViewMode {
    /// `Auto` decided by whether stdout is a terminal.
    pub fn resolve(self) -> Self {
        match self {
            Self::Auto if std::io::stdout().is_terminal() => Self::Tty,
            Self::Auto => Self::Plain,
            other => other,
        }
    }
}

/// A view being shown.
#[derive(Debug)]
pub(crate) enum View {
    Tty(tty::Board),
    Plain(plain::Lines),
    Quiet,
}

impl View {
    /// The view for a resolved `mode`.
    pub(crate) fn new(mode: ViewMode) -> Self {
        match mode.resolve() {
            ViewMode::Tty => Self::Tty(tty::Board::default()),
            ViewMode::Plain => Self::Plain(plain::Lines::default()),
            ViewMode::Auto | ViewMode::Quiet => Self::Quiet,
        }
    }

    /// Shows the state of the run.
    pub(crate) fn show(&mut self, frame: &Frame) {
        match self {
            Self::Tty(board) => board.draw(frame),
            Self::Plain(lines) => lines.print(frame),
            Self::Quiet => {}
        }
    }

    /// The last frame; the terminal gets its cursor back.
    pub(crate) fn finish(&mut self, frame: &Frame) {
        match self {
            Self::Tty(board) => board.finish(frame),
            Self::Plain(lines) => lines.finish(frame),
            Self::Quiet => {}
        }
    }
}
