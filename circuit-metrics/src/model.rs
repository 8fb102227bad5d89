//! What a collection produces: samples of described metrics.
//!
//! Sources describe each metric once, with a `static` [`Descriptor`], and
//! report values as [`Sample`]s. Exporters turn descriptors into the names
//! their target expects (see [`crate::names`]), so a source never spells a
//! Prometheus or StatsD name itself.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use crate::histogram::HistogramSnapshot;

/// How a metric's values behave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A monotonic total since the source started (exported as a
    /// cumulative sum; StatsD gets the difference since the last export).
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// A latency distribution.
    Histogram,
}

/// The unit of a metric's values, which sets its OpenTelemetry unit and its
/// Prometheus name suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    /// A count of discrete things, named by the annotation (`"call"` gives
    /// the OpenTelemetry unit `{call}`). No Prometheus suffix.
    Count(&'static str),
    /// Seconds (`s`; Prometheus `_seconds`).
    Seconds,
    /// A ratio from 0 to 1 (`1`; Prometheus `_ratio`).
    Ratio,
    /// A 0/1 flag, such as "the breaker is in this state" (`1`; no
    /// Prometheus suffix).
    Flag,
    /// A Unix timestamp in seconds (`s`; Prometheus `_timestamp_seconds`).
    UnixSeconds,
}

impl Unit {
    /// The OpenTelemetry (UCUM) unit string.
    pub fn otel(self) -> Cow<'static, str> {
        match self {
            Self::Count(what) => Cow::Owned(format!("{{{what}}}")),
            Self::Seconds | Self::UnixSeconds => Cow::Borrowed("s"),
            Self::Ratio | Self::Flag => Cow::Borrowed("1"),
        }
    }

    /// The suffix Prometheus conventions put on the name, if any.
    pub const fn prometheus_suffix(self) -> Option<&'static str> {
        match self {
            Self::Count(_) | Self::Flag => None,
            Self::Seconds => Some("seconds"),
            Self::Ratio => Some("ratio"),
            Self::UnixSeconds => Some("timestamp_seconds"),
        }
    }
}

/// A metric's static description.
///
/// `name` is lowercase, dot-separated, in OpenTelemetry style
/// (`circuit_breaker.call.duration`); [`crate::names`] derives the other
/// targets' names from it. [`Descriptor::new`] checks the name and the
/// attribute keys, at compile time when used in a `static`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Descriptor {
    /// OpenTelemetry-style name.
    pub name: &'static str,
    /// Counter, gauge or histogram.
    pub kind: Kind,
    /// Unit of the values.
    pub unit: Unit,
    /// One sentence for `# HELP` and OpenTelemetry descriptions.
    pub help: &'static str,
    /// The attribute keys every sample carries, in order.
    pub attributes: &'static [&'static str],
}

impl Descriptor {
    /// Describes a metric.
    ///
    /// # Panics
    /// If `name` is not lowercase ASCII letters, digits, `_` and `.` (not
    /// starting or ending with `.`, no `..`), or an attribute key is not
    /// lowercase letters, digits and `_`. In a `static` this is a compile
    /// error, so a bad name never reaches an exporter.
    pub const fn new(
        name: &'static str,
        kind: Kind,
        unit: Unit,
        help: &'static str,
        attributes: &'static [&'static str],
    ) -> Self {
        assert!(
            valid_name(name.as_bytes(), true),
            "metric names are lowercase [a-z0-9_.]"
        );
        let mut i = 0;
        while i < attributes.len() {
            assert!(
                valid_name(attributes[i].as_bytes(), false),
                "attribute keys are lowercase [a-z0-9_]"
            );
            i += 1;
        }
        Self {
            name,
            kind,
            unit,
            help,
            attributes,
        }
    }
}

const fn valid_name(bytes: &[u8], dots: bool) -> bool {
    if bytes.is_empty() || !bytes[0].is_ascii_lowercase() {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let ok = b.is_ascii_lowercase()
            || b.is_ascii_digit()
            || b == b'_'
            || (dots && b == b'.' && i + 1 < bytes.len() && bytes[i + 1] != b'.');
        if !ok {
            return false;
        }
        i += 1;
    }
    true
}

/// One attribute (label) value.
pub type AttributeValue = Cow<'static, str>;

/// A value at collection time.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A monotonic total.
    Counter(u64),
    /// A current value.
    Gauge(f64),
    /// A latency distribution since the source started.
    Histogram(Arc<HistogramSnapshot>),
}

/// One series' value: a descriptor, attribute values in the descriptor's
/// key order, labels a source adds beyond the descriptor's, and the value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// What it is.
    pub descriptor: &'static Descriptor,
    /// Values for `descriptor.attributes`, same order and length.
    pub attributes: Vec<AttributeValue>,
    /// Labels after the descriptor's, added by the source that reported
    /// the sample: the `key` of a registry's breaker
    /// ([`RegistrySource`](crate::RegistrySource)). Keys are lowercase
    /// `[a-z0-9_]` and differ from the descriptor's.
    pub extra: Vec<(&'static str, AttributeValue)>,
    /// The value.
    pub value: Value,
}

impl Sample {
    /// A sample; `attributes` pairs with `descriptor.attributes`.
    pub fn new(
        descriptor: &'static Descriptor,
        attributes: Vec<AttributeValue>,
        value: Value,
    ) -> Self {
        debug_assert_eq!(
            attributes.len(),
            descriptor.attributes.len(),
            "{}",
            descriptor.name
        );
        Self {
            descriptor,
            attributes,
            extra: Vec::new(),
            value,
        }
    }

    /// Adds a label after the descriptor's (see [`extra`](Self::extra)).
    ///
    /// # Panics
    /// In debug builds, if `key` is not lowercase `[a-z0-9_]` or is one of
    /// the descriptor's own keys: a source bug, not outside input.
    #[must_use]
    pub fn with_label(mut self, key: &'static str, value: impl Into<AttributeValue>) -> Self {
        debug_assert!(valid_name(key.as_bytes(), false), "label key {key:?}");
        debug_assert!(
            self.labels().all(|(k, _)| k != key),
            "{} already has {key}",
            self.descriptor.name
        );
        self.extra.push((key, value.into()));
        self
    }

    /// `(key, value)` pairs: the descriptor's attributes, then the
    /// [`extra`](Self::extra) labels.
    pub fn labels(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        self.descriptor
            .attributes
            .iter()
            .copied()
            .zip(self.attributes.iter().map(|v| v.as_ref()))
            .chain(self.extra.iter().map(|(k, v)| (*k, v.as_ref())))
    }

    /// The value of attribute `key`, if the descriptor has it.
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.labels().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

/// What one source reported.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceSnapshot {
    /// The source's name for logs, e.g. `circuit_breaker/kol-matcher`.
    pub source: String,
    /// Its samples.
    pub samples: Vec<Sample>,
}

/// One collection from every registered source.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Wall-clock time of the collection.
    pub collected_at: SystemTime,
    /// One entry per source, in registration order.
    pub sources: Vec<SourceSnapshot>,
}

impl Snapshot {
    /// Every sample, source after source.
    pub fn samples(&self) -> impl Iterator<Item = &Sample> {
        self.sources.iter().flat_map(|s| s.samples.iter())
    }

    /// Samples grouped by metric (descriptor name), in order of first
    /// appearance: what exposition formats that want one block per metric
    /// need.
    pub fn families(&self) -> Vec<Family<'_>> {
        let mut families: Vec<Family<'_>> = Vec::new();
        for sample in self.samples() {
            match families
                .iter_mut()
                .find(|f| f.descriptor.name == sample.descriptor.name)
            {
                Some(family) => family.samples.push(sample),
                None => families.push(Family {
                    descriptor: sample.descriptor,
                    samples: vec![sample],
                }),
            }
        }
        families
    }

    /// The first sample of metric `name` whose attributes include every
    /// `(key, value)` of `matching`.
    pub fn find(&self, name: &str, matching: &[(&str, &str)]) -> Option<&Sample> {
        self.samples().find(|s| {
            s.descriptor.name == name && matching.iter().all(|(k, v)| s.attribute(k) == Some(*v))
        })
    }
}

/// All samples of one metric.
#[derive(Debug, Clone)]
pub struct Family<'a> {
    /// The metric.
    pub descriptor: &'static Descriptor,
    /// Its samples.
    pub samples: Vec<&'a Sample>,
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Counter(v) => write!(f, "{v}"),
            Self::Gauge(v) => write!(f, "{v}"),
            Self::Histogram(h) => write!(f, "{h}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(valid_name(b"circuit_breaker.call.duration", true));
        assert!(!valid_name(b"circuit_breaker..calls", true));
        assert!(!valid_name(b"circuit_breaker.", true));
        assert!(!valid_name(b"Circuit", true));
        assert!(!valid_name(b"a.b", false));
        assert!(!valid_name(b"", true));
        assert!(!valid_name(b"1abc", true));
    }

    #[test]
    #[should_panic(expected = "metric names")]
    fn bad_descriptor_panics() {
        let _ = Descriptor::new("bad name", Kind::Gauge, Unit::Flag, "x", &[]);
    }

    #[test]
    fn units_map_to_targets() {
        assert_eq!(Unit::Count("call").otel(), "{call}");
        assert_eq!(Unit::Seconds.otel(), "s");
        assert_eq!(Unit::Ratio.otel(), "1");
        assert_eq!(
            Unit::UnixSeconds.prometheus_suffix(),
            Some("timestamp_seconds")
        );
        assert_eq!(Unit::Flag.prometheus_suffix(), None);
    }
}
