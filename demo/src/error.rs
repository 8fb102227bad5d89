//! The demo's one error type.

use std::path::PathBuf;

/// What can stop a run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// An option is out of range.
    #[error("invalid option --{option}: {reason}")]
    InvalidOption {
        /// The option, without dashes.
        option: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The embedded backend could not bind a loopback port.
    #[error("could not start the embedded backend")]
    Backend(#[source] std::io::Error),
    /// The HTTP stack could not start.
    #[error("could not build the HTTP client")]
    Http(#[source] reqwest::Error),
    /// A KOL client could not be built.
    #[error("could not build the KOL client")]
    Client(#[from] fastapi_client::ClientError),
    /// The fallback cache could not be built.
    #[error("could not set up the fallbacks")]
    Fallback(#[source] fastapi_client::fallback_cache::Error),
    /// An output file could not be written.
    #[error("could not write {}", path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The timeline chart could not be drawn.
    #[error("could not draw the timeline: {0}")]
    Chart(String),
    /// The report could not be encoded.
    #[error("could not encode the report")]
    Encode(#[source] serde_json::Error),
    /// A background task of the demo died.
    #[error("a demo task failed: {0}")]
    Task(String),
}
