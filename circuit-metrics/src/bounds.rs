//! Export bucket bounds for latency histograms.

#[cfg(any(feature = "prometheus", feature = "otlp"))]
use std::time::Duration;

#[cfg(any(feature = "prometheus", feature = "otlp"))]
use crate::Error;

/// The default export buckets, in seconds: the OpenTelemetry HTTP latency
/// boundaries with 1 ms, 2.5 ms, 30 s and 60 s added. All have two
/// significant digits, so their counts are exact (see
/// [`HistogramSnapshot::counts_at`](crate::HistogramSnapshot::counts_at)).
pub const DEFAULT_LATENCY_BOUNDS: [f64; 18] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
    30.0, 60.0,
];

/// Checks bucket bounds given in seconds: finite, positive, strictly
/// increasing, at most a year.
///
/// # Errors
/// [`Error::InvalidBounds`] naming the broken rule.
#[cfg(any(feature = "prometheus", feature = "otlp"))]
pub(crate) fn latency_bounds(seconds: &[f64]) -> Result<Vec<Duration>, Error> {
    const YEAR: f64 = 365.0 * 86_400.0;
    if seconds.is_empty() {
        return Err(Error::InvalidBounds {
            reason: "at least one bound is needed",
        });
    }
    let mut out = Vec::with_capacity(seconds.len());
    for &s in seconds {
        if !s.is_finite() || s <= 0.0 || s > YEAR {
            return Err(Error::InvalidBounds {
                reason: "bounds must be finite, positive and at most a year",
            });
        }
        let bound = Duration::from_secs_f64(s);
        if out.last().is_some_and(|last| *last >= bound) {
            return Err(Error::InvalidBounds {
                reason: "bounds must be strictly increasing",
            });
        }
        out.push(bound);
    }
    Ok(out)
}

#[cfg(all(test, any(feature = "prometheus", feature = "otlp")))]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_validated() {
        assert_eq!(latency_bounds(&DEFAULT_LATENCY_BOUNDS).unwrap().len(), 18);
        for bad in [
            &[][..],
            &[0.0],
            &[-1.0],
            &[f64::NAN],
            &[f64::INFINITY],
            &[0.1, 0.1],
            &[0.2, 0.1],
            &[1e12],
        ] {
            assert!(
                matches!(latency_bounds(bad), Err(Error::InvalidBounds { .. })),
                "{bad:?}"
            );
        }
    }
}
