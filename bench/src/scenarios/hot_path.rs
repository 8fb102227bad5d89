//! Section 1: successful calls through a closed breaker. Section 5's
//! open-state rows are measured the same way.
//!
//! Every subject is prepared first (batches sized, threads started), then
//! all of them take turns, one repetition each per round.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use crate::alloc::{self, PerUnit};
use crate::subjects::{Id, Role, Subject};
use crate::timing::{self, Contended, Plan, Repeat, Sample, Solo, Team};

/// Calls counted for allocations per call (after calibration warmed up).
pub(crate) const ALLOC_CALLS: u64 = 10_000;

/// One subject calling through a breaker, alone and from two threads.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct CallRow {
    pub(crate) id: Id,
    /// ns per call, one thread.
    pub(crate) one_thread: Sample,
    /// Two threads sharing one breaker.
    pub(crate) two_threads: Contended,
    /// Allocations per call, one thread.
    pub(crate) allocs: PerUnit,
    /// Something a reader must know about this row.
    pub(crate) note: Option<String>,
}

/// What a row expects of the breaker's state during its measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expect {
    Admitted,
    Rejected,
}

/// A row whose breakers are ready and whose repetitions are still to run.
pub(crate) struct Pending {
    id: Id,
    solo: Box<dyn Repeat>,
    team: Result<Team, String>,
    allocs: PerUnit,
    /// After the repetitions: a note if the breakers left the state.
    check: Box<dyn FnMut() -> Option<String>>,
}

/// Sizes the batches of `S::call(…, ok)` on `breaker` (one thread) and on
/// two clones of `shared` (two threads), and counts its allocations.
pub(crate) fn prepare<S: Subject>(
    id: Id,
    plan: &Plan,
    breaker: S::Breaker,
    shared: S::Breaker,
    ok: bool,
    expect: Expect,
) -> Pending {
    let mut alone = breaker.clone();
    let solo = Box::new(Solo::new(plan, move || S::call(&mut alone, ok)));
    let mut counted = breaker.clone();
    let ((), allocs) = alloc::measure(|| {
        for _ in 0..ALLOC_CALLS {
            black_box(S::call(&mut counted, ok));
        }
    });
    let callers = (0..2)
        .map(|_| {
            let mut clone = shared.clone();
            move || S::call(&mut clone, ok)
        })
        .collect();
    let team = Team::start(plan, callers);
    let (mut one, mut two) = (breaker, shared);
    let check = Box::new(move || {
        let admitted = [S::call(&mut one, true), S::call(&mut two, true)];
        match expect {
            Expect::Admitted if admitted.contains(&false) => {
                Some("the breaker did not stay closed".to_owned())
            }
            Expect::Rejected if admitted.contains(&true) => {
                Some("the breaker left the open state".to_owned())
            }
            _ => None,
        }
    });
    Pending {
        id,
        solo,
        team,
        allocs: allocs.per(ALLOC_CALLS),
        check,
    }
}

/// Runs every pending row's repetitions in turns and makes the rows.
pub(crate) fn run_all(reps: usize, mut pending: Vec<Pending>) -> Vec<CallRow> {
    let results = {
        let mut items: Vec<&mut dyn Repeat> = Vec::new();
        for p in &mut pending {
            items.push(p.solo.as_mut());
            if let Ok(team) = &mut p.team {
                items.push(team);
            }
        }
        timing::interleave(reps, &mut items)
    };
    let mut results = results.into_iter();
    pending
        .into_iter()
        .map(|mut p| {
            let mut notes = Vec::new();
            let one_thread = match results.next() {
                Some(Ok(reps)) => Sample::of(reps.iter().map(|r| r.per_call).collect()),
                Some(Err(why)) => {
                    notes.push(format!("1 thread: {why}"));
                    Sample::of(Vec::new())
                }
                None => Sample::of(Vec::new()),
            };
            let two = match &p.team {
                Ok(_) => results.next().unwrap_or_else(|| Err("not run".into())),
                Err(why) => Err(why.clone()),
            };
            let two_threads = two
                .map(|reps| Contended::of(2, &reps))
                .unwrap_or_else(|why| {
                    notes.push(format!("2 threads: {why}"));
                    Contended::of(2, &[])
                });
            if two_threads.disturbed() {
                notes.push(format!(
                    "2 threads: other load preempted a thread in {} of {} rounds; figure includes them",
                    two_threads.rounds - two_threads.quiet_rounds,
                    two_threads.rounds
                ));
            }
            // Stop the workers before judging the state.
            drop(p.team);
            notes.extend((p.check)());
            CallRow {
                id: p.id,
                one_thread,
                two_threads,
                allocs: p.allocs,
                note: (!notes.is_empty()).then(|| notes.join("; ")),
            }
        })
        .collect()
}

/// Successful calls through a closed breaker in the subject's config.
pub(crate) fn prepare_closed<S: Subject>(
    subject: &S,
    plan: &Plan,
) -> Result<Pending, crate::error::Error> {
    Ok(prepare::<S>(
        subject.id(),
        plan,
        subject.closed()?,
        subject.closed()?,
        true,
        Expect::Admitted,
    ))
}

/// The floor: one relaxed `fetch_add` on a counter shared by the threads,
/// the least any breaker that counts calls can do.
pub(crate) fn floor(plan: &Plan) -> Pending {
    let counter = Arc::new(AtomicU64::new(0));
    let tick = move || counter.fetch_add(1, Ordering::Relaxed) != u64::MAX;
    of_call(
        Id::new("floor", "one relaxed atomic increment", Role::Baseline),
        plan,
        tick,
    )
}

/// Any call, alone and from two threads (each with its own clone of
/// `call`, clones sharing whatever `call` shares), with its allocations.
pub(crate) fn of_call<C>(id: Id, plan: &Plan, call: C) -> Pending
where
    C: FnMut() -> bool + Clone + Send + 'static,
{
    let mut counted = call.clone();
    let ((), allocs) = alloc::measure(|| {
        for _ in 0..ALLOC_CALLS {
            black_box(counted());
        }
    });
    Pending {
        id,
        solo: Box::new(Solo::new(plan, call.clone())),
        team: Team::start(plan, vec![call.clone(), call]),
        allocs: allocs.per(ALLOC_CALLS),
        check: Box::new(|| None),
    }
}
