//! What an adaptive trip policy adds to a breaker's memory: under 5 KiB
//! (its latency recorder, its learned histogram and numbers). Its own test
//! binary, with this one test, so that `stats_alloc`'s process-wide counts
//! see nothing else (tests/memory.rs holds the default breaker's budget).

use std::alloc::System;
use std::sync::Arc;

use circuit_core::{AdaptivePolicy, CircuitBreaker};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Twenty breakers built and used (100 successes each); net heap bytes.
fn twenty_in_use(adaptive: bool) -> (Vec<Arc<CircuitBreaker>>, i64) {
    let region = Region::new(GLOBAL);
    let breakers: Vec<Arc<CircuitBreaker>> = (0..20)
        .map(|i| {
            let mut b = CircuitBreaker::builder(format!("breaker-{i:05}"));
            if adaptive {
                b = b.trip_policy(AdaptivePolicy::default());
            }
            Arc::new(b.build().unwrap())
        })
        .collect();
    for cb in &breakers {
        for _ in 0..100 {
            cb.try_acquire().unwrap().record_success();
        }
    }
    let change = region.change();
    let net = change.bytes_allocated as i64 - change.bytes_deallocated as i64
        + change.bytes_reallocated as i64;
    (breakers, net)
}

#[test]
fn an_adaptive_breaker_holds_its_baseline_in_under_5_kib_more() {
    drop(twenty_in_use(false));
    let (_plain, plain) = twenty_in_use(false);
    let (_adaptive, adaptive) = twenty_in_use(true);
    let extra = (adaptive - plain) / 20;
    assert!(
        (4_000..=5 * 1024).contains(&extra),
        "{extra} bytes more for an adaptive breaker"
    );
}
