//! Canonical cache keys: requests that mean the same share a key.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A request's canonical identity, as built by [`KeyBuilder`].
///
/// Cheap to clone. Two requests get equal keys exactly when every field the
/// builder was given has the same canonical value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CanonicalKey(Arc<str>);

impl CanonicalKey {
    /// The key's text, e.g. `match-kols{budget=1e3;categories=["a","b"]}`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CanonicalKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Requests that can be cached implement this, usually with a
/// [`KeyBuilder`].
pub trait CacheKey {
    /// The canonical key: equal for requests that mean the same.
    fn cache_key(&self) -> CanonicalKey;
}

impl<T: CacheKey + ?Sized> CacheKey for &T {
    fn cache_key(&self) -> CanonicalKey {
        (**self).cache_key()
    }
}

/// Builds a [`CanonicalKey`] field by field.
///
/// Canonical means: fields are ordered by name whatever order they are
/// added in; sets are sorted and deduplicated; an omitted optional set is
/// spelled out as its default; floats are written in shortest round-trip
/// form with `-0` as `0` and every NaN alike; text is quoted and escaped so
/// no value can imitate a separator. Text is compared exactly (case and
/// whitespace matter): fold it before adding if the backend does.
///
/// ```
/// use fallback_cache::KeyBuilder;
///
/// let a = KeyBuilder::new("match-kols")
///     .set("categories", ["tech", "beauty", "tech"])
///     .set_or("platforms", None::<Vec<&str>>, ["instagram", "tiktok"])
///     .float("budget", 1000.0)
///     .finish();
/// let b = KeyBuilder::new("match-kols")
///     .float("budget", 1_000.0)
///     .set_or("platforms", Some(["tiktok", "instagram"]), ["instagram", "tiktok"])
///     .set("categories", ["beauty", "tech"])
///     .finish();
/// assert_eq!(a, b);
/// ```
#[derive(Debug, Clone)]
pub struct KeyBuilder {
    namespace: String,
    fields: BTreeMap<&'static str, String>,
}

impl KeyBuilder {
    /// Starts a key; `namespace` keeps different operations apart.
    pub fn new(namespace: impl Into<String>) -> Self {
        Self {
            namespace: namespace.into(),
            fields: BTreeMap::new(),
        }
    }

    /// Adds a text field. A later field with the same name replaces it.
    #[must_use]
    pub fn text(self, name: &'static str, value: &str) -> Self {
        let mut out = String::with_capacity(value.len() + 2);
        push_quoted(&mut out, value);
        self.field(name, out)
    }

    /// Adds an unsigned integer field.
    #[must_use]
    pub fn uint(self, name: &'static str, value: u64) -> Self {
        self.field(name, value.to_string())
    }

    /// Adds a float field (see [`canonical_f64`]).
    #[must_use]
    pub fn float(self, name: &'static str, value: f64) -> Self {
        self.field(name, canonical_f64(value))
    }

    /// Adds an optional integer; `None` is `null`.
    #[must_use]
    pub fn opt_uint(self, name: &'static str, value: Option<u64>) -> Self {
        self.field(
            name,
            value.map_or_else(|| "null".to_owned(), |v| v.to_string()),
        )
    }

    /// Adds an optional float; `None` is `null`.
    #[must_use]
    pub fn opt_float(self, name: &'static str, value: Option<f64>) -> Self {
        self.field(name, value.map_or_else(|| "null".to_owned(), canonical_f64))
    }

    /// Adds a set of text: order and duplicates do not matter.
    #[must_use]
    pub fn set<I>(self, name: &'static str, items: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.field(name, canonical_set(items))
    }

    /// Adds an optional set that defaults to `default` when omitted, so
    /// omitting it and spelling the default out give the same key.
    #[must_use]
    pub fn set_or<I, D>(self, name: &'static str, items: Option<I>, default: D) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
        D: IntoIterator,
        D::Item: AsRef<str>,
    {
        let value = match items {
            Some(items) => canonical_set(items),
            None => canonical_set(default),
        };
        self.field(name, value)
    }

    /// Finishes the key.
    pub fn finish(self) -> CanonicalKey {
        let mut out = String::new();
        push_quoted(&mut out, &self.namespace);
        out.push('{');
        for (i, (name, value)) in self.fields.iter().enumerate() {
            if i > 0 {
                out.push(';');
            }
            let _ = write!(out, "{name}={value}");
        }
        out.push('}');
        CanonicalKey(out.into())
    }

    fn field(mut self, name: &'static str, value: String) -> Self {
        self.fields.insert(name, value);
        self
    }
}

/// A float's canonical text: shortest round-trip exponent form (`1e3`,
/// `2.5e-1`), with `-0` written as `0e0` and every NaN as `NaN`.
pub fn canonical_f64(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value == 0.0 {
        "0e0".to_owned()
    } else {
        format!("{value:e}")
    }
}

/// A set's canonical text: items sorted, deduplicated and quoted.
pub fn canonical_set<I>(items: I) -> String
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    let mut items: Vec<I::Item> = items.into_iter().collect();
    items.sort_by(|a, b| a.as_ref().cmp(b.as_ref()));
    items.dedup_by(|a, b| a.as_ref() == b.as_ref());
    let mut out = String::from("[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_quoted(&mut out, item.as_ref());
    }
    out.push(']');
    out
}

fn push_quoted(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

#[cfg(test)]
mod tests;
