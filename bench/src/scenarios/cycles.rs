//! Section 2: closed → open → half-open → closed, and what a breaker keeps
//! after many such cycles.
//!
//! Every subject is set up to trip on consecutive failures (5 where the
//! library allows), open for zero time and close after its fewest probes,
//! with its production clock. A cycle is: the failures that trip it, then
//! successful calls until the probes that close it were admitted.

use serde::Serialize;

use crate::alloc::{self, PerUnit};
use crate::error::Error;
use crate::subjects::{Cycling, Id, Subject};
use crate::timing::{self, Plan, Sample};

/// Rejected calls tolerated in one cycle before giving up (a zero open
/// period can still reject a call made within the same clock tick).
const MAX_REJECTIONS: u32 = 1_000;
/// Cycles per timed batch: a leaking subject must not eat the machine.
const MAX_BATCH: u64 = 20_000;

/// Transitions of one subject.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct CycleRow {
    pub(crate) id: Id,
    /// Calls in one cycle (failures, then successes).
    pub(crate) failures: u32,
    pub(crate) successes: u32,
    /// ns per full cycle.
    pub(crate) per_cycle: Sample,
    /// Allocations per cycle over the long run.
    pub(crate) allocs: PerUnit,
    /// Cycles of the long run.
    pub(crate) cycles: u64,
    /// Bytes allocated and not freed over the long run.
    pub(crate) retained_bytes: i64,
    /// Of those, bytes per cycle kept after the first tenth of the run:
    /// zero for a breaker whose memory is bounded.
    pub(crate) growth_per_cycle: f64,
    pub(crate) note: Option<String>,
}

/// One full cycle; false if the breaker would not close again.
pub(crate) fn cycle<S: Subject>(c: &mut Cycling<S::Breaker>) -> bool {
    for _ in 0..c.failures {
        S::call(&mut c.breaker, false);
    }
    let mut admitted = 0;
    let mut rejected = 0;
    while admitted < c.successes {
        if S::call(&mut c.breaker, true) {
            admitted += 1;
        } else {
            rejected += 1;
            if rejected > MAX_REJECTIONS {
                return false;
            }
        }
    }
    true
}

pub(crate) fn run<S: Subject>(subject: &S, plan: &Plan, cycles: u64) -> Result<CycleRow, Error> {
    let id = subject.id();
    let Some(mut timed) = subject.cycling()? else {
        return Err(Error::setup(id.label(), "no configuration for full cycles"));
    };
    let plan = Plan {
        max_batch: MAX_BATCH,
        ..*plan
    };
    let per_cycle = timing::single(&plan, || cycle::<S>(&mut timed));
    let Some(mut long) = subject.cycling()? else {
        return Err(Error::setup(id.label(), "no configuration for full cycles"));
    };
    // Bounded state (a history ring, a lazily grown queue) fills during the
    // first tenth; what still grows after it grows forever.
    let warmup = cycles / 10;
    let (warmed, first) = alloc::measure(|| (0..warmup).all(|_| cycle::<S>(&mut long)));
    let (completed, rest) = alloc::measure(|| (warmup..cycles).all(|_| cycle::<S>(&mut long)));
    let note =
        (!(warmed && completed)).then(|| "a cycle did not close the breaker again".to_owned());
    let allocs = first.plus(rest);
    Ok(CycleRow {
        id,
        failures: long.failures,
        successes: long.successes,
        per_cycle,
        allocs: allocs.per(cycles),
        cycles,
        retained_bytes: allocs.net_bytes,
        growth_per_cycle: rest.net_bytes as f64 / (cycles - warmup).max(1) as f64,
        note,
    })
}
