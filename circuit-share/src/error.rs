//! [`ShareError`], the crate's one error type.

/// What can go wrong setting up or talking to the shared store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ShareError {
    /// A namespace or replica id that is not 1 to 64 ASCII letters,
    /// digits, `.`, `_` or `-`.
    #[error("invalid {what} {value:?}: expected 1 to 64 ASCII letters, digits, '.', '_' or '-'")]
    InvalidId {
        /// `"namespace"` or `"replica id"`.
        what: &'static str,
        /// The refused value (cut to 65 characters).
        value: String,
    },
    /// A setting out of range.
    #[error("invalid setting {setting}: {detail}")]
    InvalidSetting {
        /// Which setting.
        setting: &'static str,
        /// Why.
        detail: String,
    },
    /// The store's URL could not be used (the URL itself is not repeated:
    /// it may hold a password).
    #[error("invalid store URL: {0}")]
    InvalidUrl(String),
    /// The store could not be reached, or refused or timed out a command.
    /// Sharing degrades to local-only and reconnects with backoff.
    #[error("shared store unavailable: {0}")]
    Unavailable(String),
}
