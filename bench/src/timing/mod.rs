//! The timing loop: big batches between two `Instant` reads, repeated,
//! medians reported.
//!
//! One repetition runs a batch sized so that it lasts about the budget's
//! `rep_time`; the clock is read twice per batch, never per call. Where
//! several libraries are compared, their repetitions take turns
//! ([`interleave`]), so that a burst of load from elsewhere on a shared
//! machine lands on all of them rather than on one.

mod contended;
mod cpu;
mod gate;

use std::hint::black_box;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use serde::Serialize;

/// How many repetitions, how long each, and at most how many calls each.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    pub(crate) reps: usize,
    pub(crate) rep_time: Duration,
    /// Caps a batch (for work that allocates per call, e.g. a leaking peer).
    pub(crate) max_batch: u64,
}

/// Nanoseconds per call over the repetitions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub(crate) struct Sample {
    pub(crate) median: f64,
    pub(crate) min: f64,
    pub(crate) max: f64,
}

impl Sample {
    pub(crate) fn of(mut values: Vec<f64>) -> Self {
        values.sort_by(f64::total_cmp);
        Self {
            median: median_sorted(&values),
            min: values.first().copied().unwrap_or(f64::NAN),
            max: values.last().copied().unwrap_or(f64::NAN),
        }
    }
}

pub(crate) use contended::{Contended, MAX_WAIT, MIN_QUIET_ROUNDS, Team};

/// The median of sorted values (mean of the middle two for an even count).
pub(crate) fn median_sorted(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// The `q`-quantile (0..=1) of sorted values, nearest rank.
pub(crate) fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub(super) fn batch(call: &mut impl FnMut() -> bool, n: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        black_box(call());
    }
    start.elapsed()
}

/// Calls per batch so that a batch lasts about `plan.rep_time`.
fn calibrate(plan: &Plan, call: &mut impl FnMut() -> bool) -> u64 {
    let mut n = 16u64;
    loop {
        let took = batch(call, n);
        if took >= plan.rep_time / 10 || n >= plan.max_batch {
            let scale = plan.rep_time.as_secs_f64() / took.as_secs_f64().max(1e-9);
            return ((n as f64 * scale) as u64).clamp(1, plan.max_batch);
        }
        n = n.saturating_mul(4);
    }
}

/// What one repetition measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rep {
    /// ns per call (per thread, for several threads).
    pub(crate) per_call: f64,
    /// For several threads: their CPU time over the wall time, i.e. how
    /// many of them actually ran at once (`None` if unknown).
    pub(crate) parallelism: Option<f64>,
    /// For several threads: the largest share of the wall time that one
    /// of them spent preempted by other load (`None` if unknown).
    pub(crate) waited: Option<f64>,
}

/// A measurement that runs one repetition at a time, so that several can
/// take turns.
pub(crate) trait Repeat {
    /// Runs one timed repetition.
    ///
    /// # Errors
    /// If the measured code failed (e.g. a thread of it panicked).
    fn rep(&mut self) -> Result<Rep, String>;
}

/// `call` on the current thread, batch size fixed at creation.
pub(crate) struct Solo<C> {
    call: C,
    n: u64,
}

impl<C: FnMut() -> bool> Solo<C> {
    /// Calibrates the batch. `call` returns whether the breaker admitted
    /// the call, which is only fed to `black_box`.
    pub(crate) fn new(plan: &Plan, mut call: C) -> Self {
        let n = calibrate(plan, &mut call);
        Self { call, n }
    }
}

impl<C: FnMut() -> bool> Repeat for Solo<C> {
    fn rep(&mut self) -> Result<Rep, String> {
        let per_call = batch(&mut self.call, self.n).as_nanos() as f64 / self.n as f64;
        Ok(Rep {
            per_call,
            parallelism: None,
            waited: None,
        })
    }
}

/// Runs `reps` rounds in which every measurement runs one repetition, in
/// order; returns each one's values. A measurement that fails or panics
/// is dropped from later rounds.
pub(crate) fn interleave(
    reps: usize,
    items: &mut [&mut dyn Repeat],
) -> Vec<Result<Vec<Rep>, String>> {
    let mut out: Vec<Result<Vec<Rep>, String>> =
        items.iter().map(|_| Ok(Vec::with_capacity(reps))).collect();
    for _ in 0..reps {
        for (item, values) in items.iter_mut().zip(out.iter_mut()) {
            let Ok(list) = values else { continue };
            match catch_unwind(AssertUnwindSafe(|| item.rep())) {
                Ok(Ok(value)) => list.push(value),
                Ok(Err(why)) => *values = Err(why),
                Err(panic) => *values = Err(format!("panicked: {}", panic_message(panic.as_ref()))),
            }
        }
    }
    out
}

/// Times `call` alone on this thread.
pub(crate) fn single(plan: &Plan, call: impl FnMut() -> bool) -> Sample {
    let mut solo = Solo::new(plan, call);
    let per_call = (0..plan.reps)
        .filter_map(|_| solo.rep().ok())
        .map(|r| r.per_call)
        .collect();
    Sample::of(per_call)
}

/// The text of a panic payload.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_quantiles_of_small_sets() {
        assert_eq!(median_sorted(&[1.0, 2.0, 10.0]), 2.0);
        assert_eq!(median_sorted(&[1.0, 2.0, 4.0, 10.0]), 3.0);
        assert!(median_sorted(&[]).is_nan());
        let hundred: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile_sorted(&hundred, 0.5), 50.0);
        assert_eq!(quantile_sorted(&hundred, 0.99), 99.0);
        assert_eq!(quantile_sorted(&hundred, 1.0), 100.0);
        assert_eq!(quantile_sorted(&[7.0], 0.0), 7.0);
    }

    struct Failing(u32);

    impl Repeat for Failing {
        fn rep(&mut self) -> Result<Rep, String> {
            self.0 += 1;
            if self.0 == 2 {
                Err("broke".into())
            } else {
                Ok(Rep {
                    per_call: 1.0,
                    parallelism: None,
                    waited: None,
                })
            }
        }
    }

    #[test]
    fn interleaved_measurements_take_turns_and_failures_stop_alone() {
        let plan = Plan {
            reps: 3,
            rep_time: Duration::from_micros(200),
            max_batch: 1_000,
        };
        let mut solo = Solo::new(&plan, || true);
        let mut failing = Failing(0);
        let out = interleave(3, &mut [&mut solo, &mut failing]);
        assert_eq!(out[0].as_ref().map(Vec::len), Ok(3));
        assert_eq!(out[1], Err("broke".to_owned()));
        assert_eq!(failing.0, 2, "a failed measurement is not run again");
    }

    #[test]
    fn sample_keeps_the_extremes() {
        let s = Sample::of(vec![3.0, 1.0, 2.0]);
        assert_eq!((s.min, s.median, s.max), (1.0, 2.0, 3.0));
    }
}
