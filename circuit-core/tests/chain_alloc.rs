//! A chain of up to four links acquires and records without allocating.
//! `stats_alloc` counts every allocation of this test binary, which holds
//! this one test only.

use std::alloc::System;

use circuit_core::{Chain, CircuitBreaker, Outcome};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn allocations_in(f: impl FnOnce()) -> usize {
    let region = Region::new(GLOBAL);
    f();
    region.change().allocations
}

#[test]
fn chains_of_up_to_four_links_do_not_allocate() {
    let breakers: Vec<CircuitBreaker> = (0..5)
        .map(|i| {
            CircuitBreaker::builder(format!("link-{i}"))
                .build()
                .unwrap()
        })
        .collect();
    let four = Chain::new(breakers.iter().take(4));
    let five = Chain::new(breakers.iter());
    // Warm up: the first calls may size thread-local state.
    four.try_acquire().unwrap().record_success();
    five.try_acquire().unwrap().record_success();
    let counted = allocations_in(|| {
        for _ in 0..100 {
            four.try_acquire().unwrap().record_success();
            four.try_acquire()
                .unwrap()
                .record_each([Outcome::Success, Outcome::Ignored]);
            drop(four.try_acquire().unwrap());
        }
    });
    assert_eq!(counted, 0, "a 4-link chain allocated");
    // The counter does see allocations: a fifth link spills to the heap.
    let counted = allocations_in(|| five.try_acquire().unwrap().record_success());
    assert!(counted > 0, "the counting allocator saw nothing");
}
