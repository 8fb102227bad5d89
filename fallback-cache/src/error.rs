//! The crate's one error type.

#[cfg(feature = "persist")]
use std::path::PathBuf;

/// Everything that can go wrong in this crate.
///
/// A fallback that cannot help does not fail: it *declines*
/// ([`Declined`](crate::Declined)); this type is for invalid configuration,
/// invalid amounts and persistence.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A cache setting is out of range.
    #[error("invalid cache config: {0}")]
    InvalidConfig(&'static str),

    /// A conservative-allocation ratio outside (0, 1], or below one millionth.
    #[error("invalid allocation ratio {ratio}: must be in (0, 1] and at least 0.000001")]
    InvalidRatio {
        /// The rejected ratio.
        ratio: f64,
    },

    /// A money amount that is NaN, infinite, zero or negative.
    #[error("invalid {field} {value}: must be finite and greater than zero")]
    InvalidAmount {
        /// Which amount (`total_budget`, `max_per_kol`).
        field: &'static str,
        /// The rejected value.
        value: f64,
    },

    /// A money amount above [`MAX_AMOUNT`](crate::budget::MAX_AMOUNT), where
    /// cents would no longer be exact in an `f64`.
    #[error("{field} {value} exceeds the largest supported amount {max}")]
    AmountTooLarge {
        /// Which amount.
        field: &'static str,
        /// The rejected value.
        value: f64,
        /// The largest accepted value.
        max: f64,
    },

    /// The cache file could not be read or written.
    #[cfg(feature = "persist")]
    #[error("cannot access cache file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },

    /// The cache file is not valid JSON of the expected shape (corrupt or
    /// truncated). Nothing was loaded from it.
    #[cfg(feature = "persist")]
    #[error("cache file {} is corrupt or truncated: {source}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Where and why parsing stopped.
        source: serde_json::Error,
    },

    /// The cache file was written by an incompatible format version.
    /// Nothing was loaded from it.
    #[cfg(feature = "persist")]
    #[error("cache file {} has format {format:?} version {version}, expected {expected}", path.display())]
    UnsupportedFormat {
        /// The file.
        path: PathBuf,
        /// The format tag found.
        format: String,
        /// The version found.
        version: u32,
        /// The version this build reads.
        expected: u32,
    },
}
