//! What can go wrong when building a registry or creating one of its
//! breakers.

use crate::ConfigError;

/// A [`Registry`](super::Registry) could not be built, or could not give a
/// key a breaker of its own.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// Every one of the `max_breakers` slots holds a breaker that may not
    /// be evicted: not CLOSED, or held by a caller.
    #[error(
        "circuit breaker registry is full: {max_breakers} breakers, none of them CLOSED and unused"
    )]
    Full {
        /// The registry's bound.
        max_breakers: usize,
    },
    /// The registry's default config breaks a rule.
    #[error("registry default config: {0}")]
    Config(#[source] ConfigError),
    /// The config given for one key breaks a rule.
    #[error("config for circuit breaker `{breaker}`: {source}")]
    KeyConfig {
        /// The name the key's breaker would have had.
        breaker: String,
        /// The rule it broke.
        #[source]
        source: ConfigError,
    },
    /// A registry setting is out of range.
    #[error("invalid registry setting `{setting}`: {rule}")]
    Setting {
        /// The builder method, e.g. `"max_breakers"`.
        setting: &'static str,
        /// The rule it broke.
        rule: &'static str,
    },
}
