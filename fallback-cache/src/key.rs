//! Canonical cache keys: requests that mean the same share a key.

use std::borrow::Cow;
use std::cell::Cell;
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

/// A key is found by its text: lookups can use the text of a key built in
/// place ([`KeyBuilder::finish_with`]) without making a `CanonicalKey`.
impl std::borrow::Borrow<str> for CanonicalKey {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for CanonicalKey {
    /// The key whose text is `text`, as [`KeyBuilder`] wrote it.
    fn from(text: &str) -> Self {
        Self(Arc::from(text))
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

    /// Calls `with` on the key's text. The default builds the key;
    /// implement it with [`KeyBuilder::finish_with`] so that looking a
    /// request up (the cache refresh after every live success, a fallback's
    /// lookup) allocates nothing.
    fn with_cache_key(&self, with: &mut dyn FnMut(&str)) {
        with(self.cache_key().as_str());
    }
}

impl<T: CacheKey + ?Sized> CacheKey for &T {
    fn cache_key(&self) -> CanonicalKey {
        (**self).cache_key()
    }

    fn with_cache_key(&self, with: &mut dyn FnMut(&str)) {
        (**self).with_cache_key(with);
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
/// Built for the request path: every field is written straight into one
/// buffer, sets are sorted as ranges of it, and [`finish`](Self::finish)
/// assembles the key at its end. The buffer and the field index are kept
/// per thread and reused by the next builder, so once a thread has built a
/// key, building another costs one allocation (the key itself), and none
/// with [`finish_with`](Self::finish_with), which lends the key's text.
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
#[derive(Clone)]
pub struct KeyBuilder {
    /// UTF-8 throughout (only whole `str`s and ASCII are pushed); bytes so
    /// that `finish` can copy fields within it.
    buf: Vec<u8>,
    /// `buf[..namespace_end]` is the quoted namespace.
    namespace_end: usize,
    /// Each field's `name=value` in `buf`, in the order added; also
    /// scratch space for a set's items while they are sorted.
    spans: Vec<Span>,
}

#[derive(Debug, Clone, Copy)]
struct Span {
    name: &'static str,
    start: usize,
    end: usize,
}

/// Room for a typical request's key (and its assembly) without regrowing.
const INITIAL_BYTES: usize = 512;
const INITIAL_FIELDS: usize = 16;
/// Buffers larger than this (an unusually long key) are not kept.
const MAX_SPARE_BYTES: usize = 64 * 1024;

thread_local! {
    /// The buffers of the last builder finished on this thread.
    static SPARE: Cell<Option<(Vec<u8>, Vec<Span>)>> = const { Cell::new(None) };
}

impl KeyBuilder {
    /// Starts a key; `namespace` keeps different operations apart.
    pub fn new(namespace: impl AsRef<str>) -> Self {
        let namespace = namespace.as_ref();
        let (mut buf, mut spans) = SPARE.take().unwrap_or_else(|| {
            (
                Vec::with_capacity(INITIAL_BYTES),
                Vec::with_capacity(INITIAL_FIELDS),
            )
        });
        buf.clear();
        spans.clear();
        buf.reserve(2 * namespace.len() + 64);
        push_quoted(&mut buf, namespace);
        Self {
            namespace_end: buf.len(),
            buf,
            spans,
        }
    }

    /// Adds a text field. A later field with the same name replaces it.
    #[must_use]
    pub fn text(self, name: &'static str, value: &str) -> Self {
        self.field(name, |b| push_quoted(&mut b.buf, value))
    }

    /// Adds an unsigned integer field.
    #[must_use]
    pub fn uint(self, name: &'static str, value: u64) -> Self {
        self.field(name, |b| push_display(&mut b.buf, value))
    }

    /// Adds a float field (see [`canonical_f64`]).
    #[must_use]
    pub fn float(self, name: &'static str, value: f64) -> Self {
        self.field(name, |b| push_f64(&mut b.buf, value))
    }

    /// Adds an optional integer; `None` is `null`.
    #[must_use]
    pub fn opt_uint(self, name: &'static str, value: Option<u64>) -> Self {
        self.field(name, |b| match value {
            Some(value) => push_display(&mut b.buf, value),
            None => b.buf.extend_from_slice(b"null"),
        })
    }

    /// Adds an optional float; `None` is `null`.
    #[must_use]
    pub fn opt_float(self, name: &'static str, value: Option<f64>) -> Self {
        self.field(name, |b| match value {
            Some(value) => push_f64(&mut b.buf, value),
            None => b.buf.extend_from_slice(b"null"),
        })
    }

    /// Adds a set of text: order and duplicates do not matter.
    #[must_use]
    pub fn set<I>(self, name: &'static str, items: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.field(name, |b| push_set(&mut b.buf, &mut b.spans, items))
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
        self.field(name, |b| match items {
            Some(items) => push_set(&mut b.buf, &mut b.spans, items),
            None => push_set(&mut b.buf, &mut b.spans, default),
        })
    }

    /// Finishes the key.
    pub fn finish(self) -> CanonicalKey {
        self.finish_with(|key| CanonicalKey(Arc::from(key)))
    }

    /// Finishes the key and hands its text to `with`, without making a
    /// [`CanonicalKey`]: for looking a key up
    /// ([`CacheKey::with_cache_key`]).
    ///
    /// ```
    /// use fallback_cache::{CanonicalKey, KeyBuilder};
    ///
    /// let key = || KeyBuilder::new("q").set("tags", ["b", "a"]);
    /// let text = key().finish_with(str::to_owned);
    /// assert_eq!(text, key().finish().as_str());
    /// ```
    pub fn finish_with<R>(self, with: impl FnOnce(&str) -> R) -> R {
        let Self {
            mut buf,
            namespace_end,
            mut spans,
        } = self;
        // Unstable sort allocates nothing; ties keep the order added, so
        // the last of several same-named fields is the one kept.
        spans.sort_unstable_by(|a, b| a.name.cmp(b.name).then(a.start.cmp(&b.start)));
        let key_start = buf.len();
        buf.extend_from_within(..namespace_end);
        buf.push(b'{');
        let mut first = true;
        for (i, span) in spans.iter().enumerate() {
            if spans.get(i + 1).is_some_and(|next| next.name == span.name) {
                continue;
            }
            if !first {
                buf.push(b';');
            }
            first = false;
            buf.extend_from_within(span.start..span.end);
        }
        buf.push(b'}');
        let result = with(&text(&buf[key_start..]));
        if buf.capacity() <= MAX_SPARE_BYTES {
            SPARE.set(Some((buf, spans)));
        }
        result
    }

    fn field(mut self, name: &'static str, write_value: impl FnOnce(&mut Self)) -> Self {
        let start = self.buf.len();
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.push(b'=');
        write_value(&mut self);
        let end = self.buf.len();
        self.spans.push(Span { name, start, end });
        self
    }
}

impl fmt::Debug for KeyBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyBuilder")
            .field("namespace", &text(&self.buf[..self.namespace_end]))
            .field(
                "fields",
                &self.spans.iter().map(|s| s.name).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// A float's canonical text: shortest round-trip exponent form (`1e3`,
/// `2.5e-1`), with `-0` written as `0e0` and every NaN as `NaN`.
pub fn canonical_f64(value: f64) -> String {
    let mut out = Vec::new();
    push_f64(&mut out, value);
    text(&out).into_owned()
}

/// A set's canonical text: items sorted, deduplicated and quoted.
pub fn canonical_set<I>(items: I) -> String
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    let mut out = Vec::new();
    push_set(&mut out, &mut Vec::new(), items);
    text(&out).into_owned()
}

fn push_f64(out: &mut Vec<u8>, value: f64) {
    if value.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if value == 0.0 {
        out.extend_from_slice(b"0e0");
    } else {
        push_display(out, format_args!("{value:e}"));
    }
}

fn push_display(out: &mut Vec<u8>, value: impl fmt::Display) {
    struct Sink<'a>(&'a mut Vec<u8>);
    impl fmt::Write for Sink<'_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            self.0.extend_from_slice(s.as_bytes());
            Ok(())
        }
    }
    // Writing to a Vec cannot fail.
    let _ = write!(Sink(out), "{value}");
}

/// Appends `[` + the items sorted by their text, deduplicated, quoted and
/// comma-separated + `]`. The raw items are first copied to the end of
/// `out` and sorted as ranges of it (in `scratch`, restored afterwards), so
/// no item needs its own allocation.
fn push_set<I>(out: &mut Vec<u8>, scratch: &mut Vec<Span>, items: I)
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    let raw_start = out.len();
    let first = scratch.len();
    for item in items {
        let start = out.len();
        out.extend_from_slice(item.as_ref().as_bytes());
        let end = out.len();
        scratch.push(Span {
            name: "",
            start,
            end,
        });
    }
    // Byte order is `str` order, the order keys have always used.
    scratch[first..].sort_unstable_by(|a, b| out[a.start..a.end].cmp(&out[b.start..b.end]));
    let set_start = out.len();
    out.push(b'[');
    let mut previous: Option<Span> = None;
    for &item in &scratch[first..] {
        if let Some(previous) = previous {
            if out[previous.start..previous.end] == out[item.start..item.end] {
                continue;
            }
            out.push(b',');
        }
        previous = Some(item);
        out.push(b'"');
        let mut from = item.start;
        while let Some(at) = find_escape(&out[from..item.end]) {
            out.extend_from_within(from..from + at);
            out.push(b'\\');
            out.push(out[from + at]);
            from += at + 1;
        }
        out.extend_from_within(from..item.end);
        out.push(b'"');
    }
    out.push(b']');
    scratch.truncate(first);
    out.drain(raw_start..set_start);
}

fn push_quoted(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    let mut rest = text.as_bytes();
    while let Some(at) = find_escape(rest) {
        out.extend_from_slice(&rest[..at]);
        out.push(b'\\');
        out.push(rest[at]);
        rest = &rest[at + 1..];
    }
    out.extend_from_slice(rest);
    out.push(b'"');
}

/// Where the next byte to escape is. Byte-wise is enough: `"` and `\` are
/// ASCII, which never occurs inside a multi-byte UTF-8 sequence.
fn find_escape(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|b| matches!(b, b'"' | b'\\'))
}

/// The builder's bytes as text. They are always UTF-8 (whole `str`s and
/// ASCII, copied only at `str` boundaries), so the lossy branch never
/// runs; it stands in for a panic that could never fire.
fn text(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

#[cfg(test)]
mod tests;
