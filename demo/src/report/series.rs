//! The run cut into time buckets: what the chart draws.

use circuit_core::State;
use serde::{Deserialize, Serialize};

use super::stats::{percentile, sorted_ms};
use crate::record::{BREAKERS, Call, Log, Transition};

/// About this many buckets per run, whatever its length.
const BUCKETS: f64 = 120.0;
/// Latency and fallback share are taken over this many buckets (the
/// current one and those before it), so that a bucket with three calls
/// does not make the p99 line jump.
const SMOOTHING: usize = 4;

/// Per-breaker series over fixed buckets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Bucket length in seconds.
    pub bucket_s: f64,
    /// Start of each bucket, seconds since the start of the run.
    pub t_s: Vec<f64>,
    /// One entry per breaker.
    pub breakers: Vec<BreakerSeries>,
}

/// One breaker's series; `None` where a bucket had nothing to measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreakerSeries {
    /// The breaker.
    pub name: String,
    /// Its states over time.
    pub bands: Vec<Band>,
    /// The breaker's sliding-window failure rate (0..1), last sample of each bucket.
    pub failure_rate: Vec<Option<f64>>,
    /// Median latency of the calls started in each bucket and the three
    /// before it, milliseconds.
    pub latency_p50_ms: Vec<Option<f64>>,
    /// 99th percentile latency, same calls, milliseconds.
    pub latency_p99_ms: Vec<Option<f64>>,
    /// Share of the same calls answered by a fallback (0..1).
    pub fallback_share: Vec<Option<f64>>,
    /// Calls started in each bucket.
    pub calls: Vec<u64>,
}

/// A stretch of time a breaker spent in one state.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Band {
    /// Start, seconds since the start of the run.
    pub from_s: f64,
    /// End.
    pub to_s: f64,
    /// The state.
    pub state: State,
}

impl Series {
    /// Buckets `log` over `[0, end_s)`.
    pub(crate) fn of(log: &Log, end_s: f64) -> Self {
        let bucket_s = (end_s / BUCKETS).max(0.25);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let n = (end_s / bucket_s).ceil().max(1.0) as usize;
        #[allow(clippy::cast_precision_loss)]
        let t_s = (0..n).map(|i| i as f64 * bucket_s).collect();
        let breakers = BREAKERS
            .iter()
            .enumerate()
            .map(|(index, name)| breaker_series(log, index, name, bucket_s, n, end_s))
            .collect();
        Self {
            bucket_s,
            t_s,
            breakers,
        }
    }
}

#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]
fn breaker_series(
    log: &Log,
    index: usize,
    name: &str,
    bucket_s: f64,
    n: usize,
    end_s: f64,
) -> BreakerSeries {
    let bucket_of = |t: f64| ((t / bucket_s).floor().max(0.0) as usize).min(n - 1);
    let mut calls_in = vec![Vec::new(); n];
    for call in log.calls.iter().filter(|c| c.breaker == index) {
        calls_in[bucket_of(call.started_s)].push(call);
    }
    let mut failure_rate = vec![None; n];
    for sample in log.samples.iter().filter(|s| s.breaker == index) {
        failure_rate[bucket_of(sample.at_s)] = Some(sample.window_failure_rate);
    }
    let mut latency_p50_ms = Vec::with_capacity(n);
    let mut latency_p99_ms = Vec::with_capacity(n);
    let mut fallback_share = Vec::with_capacity(n);
    let mut calls = Vec::with_capacity(n);
    for (i, bucket) in calls_in.iter().enumerate() {
        let recent: Vec<&Call> = calls_in[i.saturating_sub(SMOOTHING - 1)..=i]
            .iter()
            .flatten()
            .copied()
            .collect();
        let ms = sorted_ms(recent.iter().copied());
        let some = !ms.is_empty();
        latency_p50_ms.push(some.then(|| percentile(&ms, 0.5)));
        latency_p99_ms.push(some.then(|| percentile(&ms, 0.99)));
        let fallbacks = recent.iter().filter(|c| c.answer.is_fallback()).count();
        fallback_share.push(some.then(|| fallbacks as f64 / recent.len() as f64));
        calls.push(bucket.len() as u64);
    }
    let transitions: Vec<&Transition> = log
        .transitions
        .iter()
        .filter(|t| t.breaker == name)
        .collect();
    BreakerSeries {
        name: name.to_owned(),
        bands: bands(&transitions, end_s),
        failure_rate,
        latency_p50_ms,
        latency_p99_ms,
        fallback_share,
        calls,
    }
}

/// Turns a breaker's transitions into back-to-back bands from 0 to `end_s`.
pub(crate) fn bands(transitions: &[&Transition], end_s: f64) -> Vec<Band> {
    let mut bands = Vec::with_capacity(transitions.len() + 1);
    let mut from_s = 0.0;
    let mut state = transitions.first().map_or(State::Closed, |t| t.from);
    for t in transitions {
        if t.at_s > from_s {
            bands.push(Band {
                from_s,
                to_s: t.at_s,
                state,
            });
        }
        from_s = t.at_s;
        state = t.to;
    }
    if end_s > from_s {
        bands.push(Band {
            from_s,
            to_s: end_s,
            state,
        });
    }
    bands
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transition(at_s: f64, from: State, to: State) -> Transition {
        Transition {
            at_s,
            breaker: "b".into(),
            from,
            to,
            reason: String::new(),
            open_for_ms: None,
        }
    }

    #[test]
    fn bands_cover_the_run_back_to_back() {
        let ts = [
            transition(2.0, State::Closed, State::Open),
            transition(3.0, State::Open, State::HalfOpen),
            transition(3.5, State::HalfOpen, State::Closed),
        ];
        let refs: Vec<&Transition> = ts.iter().collect();
        let bands = bands(&refs, 10.0);
        let states: Vec<State> = bands.iter().map(|b| b.state).collect();
        assert_eq!(
            states,
            [State::Closed, State::Open, State::HalfOpen, State::Closed]
        );
        assert_eq!((bands[0].from_s, bands[3].to_s), (0.0, 10.0));
        assert!(bands.windows(2).all(|w| w[0].to_s == w[1].from_s));
    }

    #[test]
    fn no_transition_is_one_closed_band() {
        assert_eq!(
            bands(&[], 5.0),
            [Band {
                from_s: 0.0,
                to_s: 5.0,
                state: State::Closed
            }]
        );
    }
}
