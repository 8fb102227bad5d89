//! Request rules, checked before anything is sent.

use std::collections::HashSet;
use std::fmt;
use std::hash::Hash;

use crate::Platform;

/// The largest money amount a request may carry (`budget`, `total_budget`,
/// `max_per_kol`): 10 trillion, 1e13. Up to here every cent is exact in an
/// `f64`, the conservative fallback can plan it, and the backend's
/// arithmetic cannot overflow; the reference backend answers 422 above it.
/// Without this bound, a caller sending 1e307 got a 500 from the backend
/// (float overflow), and five such calls opened the breaker for everyone.
pub const MAX_AMOUNT: f64 = fallback_cache::budget::MAX_AMOUNT;

/// A request broke one of the contract's rules; it was not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    field: String,
    rule: String,
}

impl ValidationError {
    pub(crate) fn new(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            rule: rule.into(),
        }
    }

    /// The offending field, with an index for list items (`kol_ids[3]`).
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The rule it broke, e.g. `must be greater than 0`.
    pub fn rule(&self) -> &str {
        &self.rule
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` {}", self.field, self.rule)
    }
}

impl std::error::Error for ValidationError {}

/// The rule checks the models share.
pub(crate) struct Check;

impl Check {
    pub(crate) fn campaign_id(value: &str) -> Result<(), ValidationError> {
        Self::text("campaign_id", value, 1, 64)
    }

    /// Length in characters (Unicode scalar values), as pydantic counts it.
    pub(crate) fn text(
        field: &str,
        value: &str,
        min: usize,
        max: usize,
    ) -> Result<(), ValidationError> {
        let len = value.chars().count();
        if len < min || len > max {
            return Err(ValidationError::new(
                field,
                format!("must be {min} to {max} characters long (got {len})"),
            ));
        }
        Ok(())
    }

    pub(crate) fn items<T>(
        field: &str,
        items: &[T],
        min: usize,
        max: usize,
    ) -> Result<(), ValidationError> {
        if items.len() < min || items.len() > max {
            return Err(ValidationError::new(
                field,
                format!("must hold {min} to {max} items (got {})", items.len()),
            ));
        }
        Ok(())
    }

    pub(crate) fn unique<T: Eq + Hash + fmt::Debug>(
        field: &str,
        items: &[T],
    ) -> Result<(), ValidationError> {
        let mut seen = HashSet::with_capacity(items.len());
        match items.iter().find(|item| !seen.insert(*item)) {
            Some(dup) => Err(ValidationError::new(
                field,
                format!("must not repeat items ({dup:?} repeats)"),
            )),
            None => Ok(()),
        }
    }

    /// A money amount: finite, greater than 0 and at most [`MAX_AMOUNT`].
    /// JSON has no NaN or infinity (serde_json would send `null`), so
    /// non-finite numbers are refused everywhere.
    pub(crate) fn amount(field: &str, value: f64) -> Result<(), ValidationError> {
        if !value.is_finite() || value <= 0.0 {
            return Err(ValidationError::new(
                field,
                format!("must be a finite number greater than 0 (got {value})"),
            ));
        }
        if value > MAX_AMOUNT {
            return Err(ValidationError::new(
                field,
                format!("must be at most {MAX_AMOUNT:e} (got {value:e})"),
            ));
        }
        Ok(())
    }

    /// Only the platforms the contract lists may be asked for.
    pub(crate) fn platforms(field: &str, platforms: &[Platform]) -> Result<(), ValidationError> {
        match platforms.iter().position(|p| !p.is_known()) {
            Some(i) => Err(ValidationError::new(
                format!("{field}[{i}]"),
                format!(
                    "must be one of instagram, tiktok, youtube, twitter (got {:?})",
                    platforms[i].as_str()
                ),
            )),
            None => Ok(()),
        }
    }

    pub(crate) fn unit_interval(field: &str, value: f64) -> Result<(), ValidationError> {
        if !(0.0..=1.0).contains(&value) {
            return Err(ValidationError::new(
                field,
                format!("must be between 0 and 1 (got {value})"),
            ));
        }
        Ok(())
    }

    pub(crate) fn range(
        field: &str,
        value: u32,
        min: u32,
        max: u32,
    ) -> Result<(), ValidationError> {
        if value < min || value > max {
            return Err(ValidationError::new(
                field,
                format!("must be {min} to {max} (got {value})"),
            ));
        }
        Ok(())
    }
}
