//! Each target's name for a [`Descriptor`], derived by one rule per target
//! so that the tables in `docs/metrics.md` hold for every source.

use crate::model::{Descriptor, Kind};

/// The Prometheus metric name without the `_total` that counters get on
/// exposition: dots become `_`, and the unit suffix (`_seconds`, `_ratio`,
/// `_timestamp_seconds`) is added unless the name already ends with it.
pub fn prometheus_base(d: &Descriptor) -> String {
    let mut name = d.name.replace('.', "_");
    if let Some(suffix) = d.unit.prometheus_suffix() {
        if !name.ends_with(suffix) {
            name.push('_');
            name.push_str(suffix);
        }
    }
    name
}

/// The Prometheus series name as scraped: [`prometheus_base`] plus
/// `_total` for counters (histograms also expose `_bucket`, `_sum` and
/// `_count` series under this name).
pub fn prometheus_name(d: &Descriptor) -> String {
    let mut name = prometheus_base(d);
    if d.kind == Kind::Counter {
        name.push_str("_total");
    }
    name
}

/// The OpenTelemetry instrument name: the descriptor's own.
pub fn otel_name(d: &Descriptor) -> &'static str {
    d.name
}

/// The StatsD bucket for a sample.
///
/// With `tags_in_name` (the plain StatsD/Graphite style) the attribute
/// values follow the name as path segments:
/// `circuit_breaker.calls.kol-matcher.success`. Without (DogStatsD tags)
/// the name is the descriptor's alone. Values are sanitized by
/// [`statsd_segment`].
pub fn statsd_name<'a>(
    d: &Descriptor,
    values: impl IntoIterator<Item = &'a str>,
    tags_in_name: bool,
) -> String {
    let mut name = d.name.to_owned();
    if tags_in_name {
        for value in values {
            name.push('.');
            name.push_str(&statsd_segment(value));
        }
    }
    name
}

/// A StatsD-safe path segment or tag value: ASCII letters, digits, `-`
/// and `_` are kept, anything else (dots, which would add a path level;
/// `:`, `|`, `@`, `#` and `,`, which are protocol syntax; spaces) becomes
/// `_`. An empty value becomes `_`.
pub fn statsd_segment(value: &str) -> String {
    if value.is_empty() {
        return "_".to_owned();
    }
    value
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Unit;

    static CALLS: Descriptor = Descriptor::new(
        "circuit_breaker.calls",
        Kind::Counter,
        Unit::Count("call"),
        "x",
        &[],
    );
    static RATIO: Descriptor = Descriptor::new(
        "circuit_breaker.window.failure_ratio",
        Kind::Gauge,
        Unit::Ratio,
        "x",
        &[],
    );
    static DURATION: Descriptor = Descriptor::new(
        "circuit_breaker.call.duration",
        Kind::Histogram,
        Unit::Seconds,
        "x",
        &["outcome"],
    );

    #[test]
    fn prometheus_names_follow_conventions() {
        assert_eq!(prometheus_name(&CALLS), "circuit_breaker_calls_total");
        assert_eq!(prometheus_base(&CALLS), "circuit_breaker_calls");
        assert_eq!(
            prometheus_name(&RATIO),
            "circuit_breaker_window_failure_ratio"
        );
        assert_eq!(
            prometheus_name(&DURATION),
            "circuit_breaker_call_duration_seconds"
        );
    }

    #[test]
    fn statsd_names_are_sanitized_paths() {
        assert_eq!(
            statsd_name(&DURATION, ["kol.matcher", "success"], true),
            "circuit_breaker.call.duration.kol_matcher.success"
        );
        assert_eq!(
            statsd_name(&DURATION, ["x"], false),
            "circuit_breaker.call.duration"
        );
        assert_eq!(statsd_segment("a:b|c@d#e,f g"), "a_b_c_d_e_f_g");
        assert_eq!(statsd_segment(""), "_");
        assert_eq!(statsd_segment("half-open"), "half-open");
    }
}
