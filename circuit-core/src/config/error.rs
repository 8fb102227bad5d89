//! The error a broken configuration rule gives.

use std::borrow::Cow;

/// A configuration rule was broken; names the field and the rule.
///
/// Building a breaker, [`reconfigure`](crate::CircuitBreaker::reconfigure)
/// and deserialising a [`Config`](crate::Config) all report this; a
/// rejected config changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid circuit breaker config: `{field}` {rule}")]
pub struct ConfigError {
    field: Cow<'static, str>,
    rule: String,
}

impl ConfigError {
    pub(crate) fn new(field: impl Into<Cow<'static, str>>, rule: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            rule: rule.into(),
        }
    }

    /// The [`Config`](crate::Config) field at fault, e.g.
    /// `"failure_threshold"` (or, for a field that does not exist, the
    /// name that was given).
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The rule it broke, e.g. `"must be within [0, 1] (got NaN)"`.
    pub fn rule(&self) -> &str {
        &self.rule
    }
}
