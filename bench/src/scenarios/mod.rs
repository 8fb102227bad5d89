//! What is measured: one module per section of the report.

pub(crate) mod adaptive;
pub(crate) mod client;
pub(crate) mod cycles;
pub(crate) mod fallback;
pub(crate) mod hot_path;
pub(crate) mod integrations;
pub(crate) mod memory;
pub(crate) mod open_state;
pub(crate) mod server;
pub(crate) mod share;
pub(crate) mod turns;

use std::panic::{AssertUnwindSafe, catch_unwind};

use serde::Serialize;

use crate::cli::Budget;
use crate::error::Error;
use crate::subjects::{Id, Subject, Visit, visit_all};
use crate::timing::{Plan, panic_message};
use hot_path::Pending;

/// A subject left out of a section, and why.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Skipped {
    pub(crate) id: Id,
    pub(crate) section: &'static str,
    pub(crate) why: String,
}

/// Every breaker section, for every subject.
#[derive(Debug, Default, Serialize)]
pub(crate) struct BreakerResults {
    pub(crate) hot_path: Vec<hot_path::CallRow>,
    pub(crate) open_state: Vec<hot_path::CallRow>,
    pub(crate) cycles: Vec<cycles::CycleRow>,
    pub(crate) memory: Vec<memory::MemoryRow>,
    pub(crate) skipped: Vec<Skipped>,
}

/// Runs `work`; a failure or a panic in a peer becomes a "left out" row
/// instead of ending the run.
fn guarded<T>(
    skipped: &mut Vec<Skipped>,
    id: &Id,
    section: &'static str,
    work: impl FnOnce() -> Result<T, Error>,
) -> Option<T> {
    let why = match catch_unwind(AssertUnwindSafe(work)) {
        Ok(Ok(value)) => return Some(value),
        Ok(Err(error)) => error.to_string(),
        Err(panic) => format!("panicked: {}", panic_message(panic.as_ref())),
    };
    skipped.push(Skipped {
        id: id.clone(),
        section,
        why,
    });
    None
}

/// First pass: cycles and memory run subject by subject; the closed-state
/// rows are prepared, to run later in turns.
struct FirstPass<'a> {
    budget: &'a Budget,
    plan: Plan,
    results: BreakerResults,
    closed: Vec<Pending>,
}

impl Visit for FirstPass<'_> {
    fn visit<S: Subject>(&mut self, subject: &S) {
        let id = subject.id();
        eprintln!("  {}", id.label());
        let (plan, cycles, fleet) = (self.plan, self.budget.leak_cycles, self.budget.fleet);
        let skipped = &mut self.results.skipped;
        self.closed
            .extend(guarded(skipped, &id, "closed state", || {
                hot_path::prepare_closed(subject, &plan)
            }));
        if subject.call_variant_only() {
            return;
        }
        self.results
            .cycles
            .extend(guarded(skipped, &id, "transitions", || {
                cycles::run(subject, &plan, cycles)
            }));
        self.results
            .memory
            .extend(guarded(skipped, &id, "memory", || {
                memory::run(subject, fleet)
            }));
    }
}

/// Second pass: the open-state rows, prepared once the closed-state ones
/// are done so that their threads do not all exist at once.
struct OpenPass<'a> {
    plan: Plan,
    skipped: &'a mut Vec<Skipped>,
    open: Vec<Pending>,
}

impl Visit for OpenPass<'_> {
    fn visit<S: Subject>(&mut self, subject: &S) {
        let plan = self.plan;
        let open = guarded(self.skipped, &subject.id(), "open state", || {
            open_state::prepare_open(subject, &plan)
        });
        self.open.extend(open);
    }
}

/// Runs sections 1, 2, 3 and the breaker half of 5.
pub(crate) fn breakers(budget: &Budget) -> BreakerResults {
    let plan = budget.plan();
    let mut first = FirstPass {
        budget,
        plan,
        results: BreakerResults::default(),
        closed: vec![hot_path::floor(&plan)],
    };
    visit_all(&mut first);
    let mut results = first.results;
    eprintln!("  closed state: {} rounds", budget.reps);
    results.hot_path = hot_path::run_all(budget.reps, first.closed);
    let mut open = OpenPass {
        plan,
        skipped: &mut results.skipped,
        open: Vec::new(),
    };
    visit_all(&mut open);
    let open = open.open;
    eprintln!("  open state: {} rounds", budget.reps);
    results.open_state = hot_path::run_all(budget.reps, open);
    results
}
