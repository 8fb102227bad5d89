//! What can stop a benchmark run.

use std::path::PathBuf;

/// Why the run failed. Timings never fail a run; only setup and output do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum Error {
    /// The command line could not be understood.
    #[error(
        "{0}\n\nusage: bench [--quick] [--adaptive] [--share] [--client] [--client-count NAME] [--out DIR]"
    )]
    Usage(String),
    /// A report file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The JSON report could not be encoded.
    #[error("cannot encode the JSON report: {0}")]
    Json(#[from] serde_json::Error),
    /// The chart could not be drawn.
    #[error("cannot draw the chart: {0}")]
    Chart(String),
    /// A benchmark subject could not be set up.
    #[error("cannot set up {what}: {why}")]
    Setup { what: String, why: String },
}

impl Error {
    pub(crate) fn setup(what: impl Into<String>, why: impl std::fmt::Display) -> Self {
        Self::Setup {
            what: what.into(),
            why: why.to_string(),
        }
    }
}
