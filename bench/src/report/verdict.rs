//! Ours against the best peer, in one line.
//!
//! Every measure here is "lower is better" (time, bytes, allocations). The
//! ratio is always the peer's value over ours: above 1 we are ahead.

use serde::Serialize;

use super::format;

/// Ratios within this band of 1 are called a tie: single runs on a shared
/// machine move by that much.
pub(crate) const TIE_BAND: f64 = 0.10;

/// What a measure counts, for wording and formatting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Unit {
    Nanos,
    Bytes,
    Allocations,
}

impl Unit {
    fn better(self) -> &'static str {
        match self {
            Self::Nanos => "faster",
            Self::Bytes => "smaller",
            Self::Allocations => "fewer allocations",
        }
    }

    pub(crate) fn show(self, value: f64) -> String {
        match self {
            Self::Nanos => format!("{} ns", format::num(value)),
            Self::Bytes => format::bytes(value),
            Self::Allocations => format::num(value),
        }
    }
}

/// One summary line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Verdict {
    pub(crate) measure: String,
    pub(crate) ours: String,
    pub(crate) reference: String,
    pub(crate) reference_value: String,
    /// Reference over ours (lower-is-better measures); `None` without one.
    pub(crate) ratio: Option<f64>,
    pub(crate) text: String,
}

/// Compares `ours` with the lowest of `peers` (name, value).
pub(crate) fn against_peers(
    measure: &str,
    unit: Unit,
    ours: f64,
    peers: &[(String, f64)],
) -> Verdict {
    let best = peers
        .iter()
        .filter(|(_, v)| v.is_finite())
        .min_by(|a, b| a.1.total_cmp(&b.1));
    let Some((peer, value)) = best else {
        return Verdict {
            measure: measure.to_owned(),
            ours: unit.show(ours),
            reference: "no peer measured".into(),
            reference_value: String::new(),
            ratio: None,
            text: "no peer to compare with".into(),
        };
    };
    let ratio = ratio_of(*value, ours);
    Verdict {
        measure: measure.to_owned(),
        ours: unit.show(ours),
        reference: peer.clone(),
        reference_value: unit.show(*value),
        ratio: Some(ratio),
        text: wording(unit, ratio, peer),
    }
}

/// `reference / ours`, with 0 / 0 a tie and x / 0 infinite.
pub(crate) fn ratio_of(reference: f64, ours: f64) -> f64 {
    if ours == 0.0 {
        if reference == 0.0 { 1.0 } else { f64::INFINITY }
    } else {
        reference / ours
    }
}

fn wording(unit: Unit, ratio: f64, peer: &str) -> String {
    if (ratio - 1.0).abs() <= TIE_BAND {
        format!("on par with {peer} (within {:.0} %)", TIE_BAND * 100.0)
    } else if ratio > 1.0 {
        if ratio.is_infinite() {
            format!("ours: none; {peer} has some")
        } else {
            format!(
                "ours {} {} than {peer}",
                format::ratio(ratio),
                unit.better()
            )
        }
    } else if ratio == 0.0 {
        format!("{peer} has none; ours has some")
    } else {
        format!(
            "{peer} {} {} than ours",
            format::ratio(1.0 / ratio),
            unit.better()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peers(list: &[(&str, f64)]) -> Vec<(String, f64)> {
        list.iter().map(|(n, v)| ((*n).to_owned(), *v)).collect()
    }

    #[test]
    fn the_best_peer_is_the_lowest_and_the_ratio_is_peer_over_ours() {
        let v = against_peers(
            "hot path",
            Unit::Nanos,
            10.0,
            &peers(&[("a", 80.0), ("b", 25.0), ("c", f64::NAN)]),
        );
        assert_eq!(v.reference, "b");
        assert_eq!(v.ratio, Some(2.5));
        assert_eq!(v.text, "ours 2.50× faster than b");
        assert_eq!(v.ours, "10.0 ns");
    }

    #[test]
    fn a_faster_peer_is_named_first() {
        let v = against_peers("memory", Unit::Bytes, 400.0, &peers(&[("small", 100.0)]));
        assert_eq!(v.text, "small 4.00× smaller than ours");
    }

    #[test]
    fn close_results_are_a_tie_and_zeroes_are_handled() {
        let v = against_peers("x", Unit::Nanos, 100.0, &peers(&[("p", 105.0)]));
        assert!(v.text.starts_with("on par with p"));
        let v = against_peers("allocs", Unit::Allocations, 0.0, &peers(&[("p", 0.0)]));
        assert_eq!(v.ratio, Some(1.0));
        let v = against_peers("allocs", Unit::Allocations, 0.0, &peers(&[("p", 2.0)]));
        assert_eq!(v.text, "ours: none; p has some");
        let v = against_peers("allocs", Unit::Allocations, 3.0, &peers(&[("p", 0.0)]));
        assert_eq!(v.text, "p has none; ours has some");
        let v = against_peers("x", Unit::Nanos, 1.0, &[]);
        assert_eq!(v.ratio, None);
    }
}
