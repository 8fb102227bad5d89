//! The crate's one error type.

use std::borrow::Cow;

/// What can go wrong while configuring or running an exporter.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Histogram bucket bounds must be finite, positive and increasing.
    #[error("invalid histogram bounds: {reason}")]
    InvalidBounds {
        /// Which rule they break.
        reason: &'static str,
    },
    /// A dashboard control token that is too short or not header-safe.
    #[error("invalid control token: {reason}")]
    InvalidToken {
        /// Which rule it breaks.
        reason: &'static str,
    },
    /// An exporter could not publish a snapshot.
    #[error("{exporter} export failed: {source}")]
    Export {
        /// The exporter's name (`statsd`, `otlp`, a custom one).
        exporter: Cow<'static, str>,
        /// What went wrong.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// An exporter could not be set up (bad endpoint, socket error).
    #[error("{exporter} setup failed: {source}")]
    Setup {
        /// The exporter's name.
        exporter: Cow<'static, str>,
        /// What went wrong.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
}

impl Error {
    /// An export failure of `exporter`, caused by `source`.
    pub fn export(
        exporter: impl Into<Cow<'static, str>>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        Self::Export {
            exporter: exporter.into(),
            source: source.into(),
        }
    }

    /// A setup failure of `exporter`, caused by `source`.
    pub fn setup(
        exporter: impl Into<Cow<'static, str>>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        Self::Setup {
            exporter: exporter.into(),
            source: source.into(),
        }
    }
}
