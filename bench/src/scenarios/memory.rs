//! Section 3: bytes per breaker, alone and in a fleet.

use std::hint::black_box;

use serde::Serialize;

use crate::alloc;
use crate::error::Error;
use crate::subjects::{Id, Subject};

/// Successful calls made before "after use" is measured: lazily allocated
/// state (histograms, queues) shows up by then.
const CALLS_BEFORE_IN_USE: u32 = 100;

#[derive(Debug, Clone, Serialize)]
pub(crate) struct MemoryRow {
    pub(crate) id: Id,
    /// `size_of` the handle an application keeps.
    pub(crate) handle_bytes: usize,
    /// Heap held right after construction.
    pub(crate) heap_at_construction: i64,
    /// Heap held after 100 successful calls.
    pub(crate) heap_in_use: i64,
    /// Breakers in the fleet.
    pub(crate) fleet: usize,
    /// Handles plus heap of the whole fleet, freshly built.
    pub(crate) fleet_bytes: i64,
}

impl MemoryRow {
    /// Bytes per breaker in use: handle plus heap after some calls.
    pub(crate) fn per_breaker(&self) -> i64 {
        self.handle_bytes as i64 + self.heap_in_use
    }
}

pub(crate) fn run<S: Subject>(subject: &S, fleet: usize) -> Result<MemoryRow, Error> {
    let (one, built) = alloc::measure(|| subject.named("breaker-00000"));
    let mut one = one?;
    let ((), used) = alloc::measure(|| {
        for _ in 0..CALLS_BEFORE_IN_USE {
            black_box(S::call(&mut one, true));
        }
    });
    let names: Vec<String> = (0..fleet).map(|i| format!("breaker-{i:05}")).collect();
    let mut breakers = Vec::with_capacity(fleet);
    let (built_all, all) = alloc::measure(|| {
        names.iter().try_for_each(|name| {
            breakers.push(subject.named(name)?);
            Ok::<(), Error>(())
        })
    });
    built_all?;
    let handle_bytes = size_of::<S::Breaker>();
    // The names belong to the caller; a library that copies one pays for
    // its copy in the heap figures.
    Ok(MemoryRow {
        id: subject.id(),
        handle_bytes,
        heap_at_construction: built.net_bytes,
        heap_in_use: built.net_bytes + used.net_bytes,
        fleet,
        fleet_bytes: all.net_bytes + (handle_bytes * fleet) as i64,
    })
}
