//! Several threads calling one breaker at once.
//!
//! A coordinator (the caller of [`Team::rep`]) runs rounds: every worker
//! makes the same number of calls per round, all starting at once, and a
//! round lasts until the last worker is done. So "ns per call" is the
//! round's wall time over the calls each thread made: it equals the
//! single-thread time for a breaker that scales perfectly and doubles (with
//! two threads) for one that serializes its callers, however unfairly a
//! lock hands out turns.
//!
//! On a shared machine the two threads do not always get two cores: when
//! another process takes one, they take turns on the other and every
//! breaker looks twice as slow (a spinning one far worse). Each worker
//! therefore reports how long it sat runnable on a run queue during the
//! round and how often it was put on a core (Linux schedstat). Waits that
//! average more than [`PREEMPTED`] per scheduling are another process's
//! time slices; a round in which one worker spent more than [`MAX_WAIT`]
//! of it in such waits is left out, as long as [`MIN_QUIET_ROUNDS`] quiet
//! rounds remain. A lock that parks its waiters causes only short waits
//! (a wake-up onto an idle core), so a breaker's own contention is never
//! filtered away. The workers' CPU time over wall time ("cores busy") is
//! reported too.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::cpu::{Queued, queued, thread_cpu};
use super::gate::Gate;
use super::{Plan, Rep, Repeat, Sample, batch, median_sorted, panic_message};

/// Largest share of a round a worker may spend waiting for a core for the
/// round to count as quiet.
pub(crate) const MAX_WAIT: f64 = 0.10;
/// Mean wait per scheduling above which waits are taken for preemption by
/// other load rather than wake-ups (scheduler slices are milliseconds).
pub(crate) const PREEMPTED: Duration = Duration::from_micros(200);
/// Quiet rounds needed to use only those; with fewer, all rounds are used
/// and the row says so.
pub(crate) const MIN_QUIET_ROUNDS: usize = 3;

/// Several threads calling at once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub(crate) struct Contended {
    /// Wall time of a round over the calls each thread made in it, ns.
    pub(crate) per_call: Sample,
    /// Calls completed per second by all threads together, millions.
    pub(crate) mcalls_per_s: f64,
    /// Median of the workers' CPU time over wall time (2.0 = both threads
    /// ran throughout; lower = waiting for a core or sleeping on a lock).
    pub(crate) parallelism: f64,
    /// Rounds in which no worker waited for a core, and rounds run.
    pub(crate) quiet_rounds: usize,
    pub(crate) rounds: usize,
    /// Whether `per_call` is made of quiet rounds only.
    pub(crate) quiet_only: bool,
}

fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    median_sorted(&values)
}

impl Contended {
    /// Keeps the quiet rounds if there are enough of them.
    pub(crate) fn of(threads: usize, reps: &[Rep]) -> Self {
        let quiet: Vec<f64> = reps
            .iter()
            .filter(|r| r.waited.is_some_and(|w| w <= MAX_WAIT))
            .map(|r| r.per_call)
            .collect();
        let quiet_rounds = quiet.len();
        let quiet_only = quiet_rounds >= MIN_QUIET_ROUNDS;
        let used = if quiet_only {
            quiet
        } else {
            reps.iter().map(|r| r.per_call).collect()
        };
        let per_call = Sample::of(used);
        Self {
            per_call,
            mcalls_per_s: threads as f64 / per_call.median * 1e3,
            parallelism: median(reps.iter().filter_map(|r| r.parallelism)),
            quiet_rounds,
            rounds: reps.len(),
            quiet_only,
        }
    }

    /// Whether most rounds had a worker waiting for a core, so that
    /// `per_call` had to include them.
    pub(crate) fn disturbed(&self) -> bool {
        !self.quiet_only && self.rounds > 0
    }
}

/// One worker's batch.
struct Span {
    start: Instant,
    end: Instant,
    cpu: Option<Duration>,
    queued: Option<Queued>,
}

struct Shared {
    gate: Gate,
    calls: AtomicU64,
    stop: AtomicBool,
    spans: Mutex<Vec<Span>>,
    failure: Mutex<Option<String>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn work(shared: &Shared, call: &mut impl FnMut() -> bool) {
    while shared.gate.wait() && !shared.stop.load(Ordering::Acquire) {
        let n = shared.calls.load(Ordering::Acquire);
        let (cpu, before) = (thread_cpu(), queued());
        let start = Instant::now();
        let took = batch(call, n);
        let since = |now: Option<Duration>, then: Option<Duration>| {
            now.zip(then).map(|(n, t)| n.saturating_sub(t))
        };
        lock(&shared.spans).push(Span {
            start,
            end: start + took,
            cpu: since(thread_cpu(), cpu),
            queued: queued().zip(before).map(|(now, then)| now.since(then)),
        });
        if !shared.gate.wait() {
            return;
        }
    }
}

/// Worker threads sharing one breaker, parked between rounds.
pub(crate) struct Team {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
    n: u64,
}

impl Team {
    /// Starts one worker per caller (e.g. clones sharing one breaker) and
    /// sizes the rounds.
    ///
    /// # Errors
    /// If a worker panicked while the rounds were sized.
    pub(crate) fn start<C>(plan: &Plan, callers: Vec<C>) -> Result<Self, String>
    where
        C: FnMut() -> bool + Send + 'static,
    {
        let shared = Arc::new(Shared {
            gate: Gate::new(callers.len() + 1),
            calls: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            spans: Mutex::new(Vec::new()),
            failure: Mutex::new(None),
        });
        let workers = callers
            .into_iter()
            .map(|mut call| {
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || {
                    if let Err(panic) = catch_unwind(AssertUnwindSafe(|| work(&shared, &mut call)))
                    {
                        *lock(&shared.failure) =
                            Some(format!("panicked: {}", panic_message(panic.as_ref())));
                        shared.gate.break_it();
                    }
                })
            })
            .collect();
        let mut team = Self {
            shared,
            workers,
            n: 16,
        };
        loop {
            let wall = team.round()?.wall;
            if wall >= plan.rep_time / 10 || team.n >= plan.max_batch {
                let scale = plan.rep_time.as_secs_f64() / wall.as_secs_f64().max(1e-9);
                team.n = ((team.n as f64 * scale) as u64).clamp(1, plan.max_batch);
                return Ok(team);
            }
            team.n = team.n.saturating_mul(4);
        }
    }

    /// One round of `self.n` calls per worker.
    fn round(&mut self) -> Result<Round, String> {
        let shared = &self.shared;
        shared.calls.store(self.n, Ordering::Release);
        if !(shared.gate.wait() && shared.gate.wait()) {
            return Err(lock(&shared.failure)
                .clone()
                .unwrap_or_else(|| "a worker failed".into()));
        }
        let spans = std::mem::take(&mut *lock(&shared.spans));
        let (Some(first), Some(last)) = (
            spans.iter().map(|s| s.start).min(),
            spans.iter().map(|s| s.end).max(),
        ) else {
            return Err("no worker reported".into());
        };
        let wall = last - first;
        let share = |d: Duration| d.as_secs_f64() / wall.as_secs_f64().max(1e-9);
        let cpu: Option<Duration> = spans.iter().map(|s| s.cpu).sum();
        let preempted = |q: Queued| {
            let per_slice = q
                .waited
                .checked_div(u32::try_from(q.slices).unwrap_or(u32::MAX))
                .unwrap_or(q.waited);
            if per_slice > PREEMPTED {
                q.waited
            } else {
                Duration::ZERO
            }
        };
        let waited: Option<Vec<Duration>> = spans.iter().map(|s| s.queued.map(preempted)).collect();
        Ok(Round {
            wall,
            parallelism: cpu.map(share),
            waited: waited.and_then(|w| w.into_iter().max()).map(share),
        })
    }
}

struct Round {
    wall: Duration,
    parallelism: Option<f64>,
    waited: Option<f64>,
}

impl Repeat for Team {
    fn rep(&mut self) -> Result<Rep, String> {
        let round = self.round()?;
        Ok(Rep {
            per_call: round.wall.as_nanos() as f64 / self.n as f64,
            parallelism: round.parallelism,
            waited: round.waited,
        })
    }
}

impl Drop for Team {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        // Lets parked workers see the stop; returns at once if broken.
        self.shared.gate.wait();
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        Plan {
            reps: 3,
            rep_time: Duration::from_millis(1),
            max_batch: 1_000,
        }
    }

    #[test]
    fn a_panicking_thread_fails_the_measurement_instead_of_hanging() {
        let callers: Vec<Box<dyn FnMut() -> bool + Send>> =
            vec![Box::new(|| true), Box::new(|| panic!("peer bug"))];
        let error = Team::start(&plan(), callers).err().unwrap();
        assert!(error.contains("peer bug"), "{error}");
    }

    #[test]
    fn every_thread_makes_the_same_number_of_calls_per_round() {
        let counts = Arc::new([AtomicU64::new(0), AtomicU64::new(0)]);
        let callers: Vec<_> = (0..2)
            .map(|i| {
                let counts = Arc::clone(&counts);
                move || counts[i].fetch_add(1, Ordering::Relaxed) != u64::MAX
            })
            .collect();
        let mut team = Team::start(&plan(), callers).unwrap();
        let rep = team.rep().unwrap();
        drop(team);
        assert_eq!(
            counts[0].load(Ordering::Relaxed),
            counts[1].load(Ordering::Relaxed)
        );
        assert!(rep.per_call > 0.0);
        assert!(Contended::of(2, &[rep]).mcalls_per_s > 0.0);
    }

    fn rep(per_call: f64, waited: f64) -> Rep {
        Rep {
            per_call,
            parallelism: Some(2.0 - waited),
            waited: Some(waited),
        }
    }

    #[test]
    fn rounds_where_a_thread_waited_for_a_core_are_left_out_when_possible() {
        // Three quiet rounds at ~10 ns, two disturbed ones at 40.
        let reps = [
            rep(10.0, 0.01),
            rep(40.0, 0.5),
            rep(11.0, 0.0),
            rep(40.0, 0.4),
            rep(9.0, 0.05),
        ];
        let c = Contended::of(2, &reps);
        assert_eq!((c.per_call.median, c.quiet_rounds, c.rounds), (10.0, 3, 5));
        assert!(!c.disturbed());
        // Too few quiet rounds: all are used, and it shows.
        let c = Contended::of(2, &reps[..2]);
        assert_eq!((c.per_call.median, c.quiet_rounds), (25.0, 1));
        assert!(c.disturbed());
    }
}
