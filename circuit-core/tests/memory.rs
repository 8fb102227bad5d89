//! Memory per breaker, now that users hold thousands: at most 512 bytes in
//! use for a breaker one thread uses, and per-thread counter stripes only
//! once two threads collide. `stats_alloc` counts every allocation of this
//! test binary, which holds these tests only and runs them one at a time.

use std::alloc::System;
use std::sync::{Arc, Mutex};

use circuit_core::{CircuitBreaker, Config};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// The tests share the global counters: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// Net heap bytes held after `f`.
fn held_by<T>(f: impl FnOnce() -> T) -> (T, i64) {
    let region = Region::new(GLOBAL);
    let value = f();
    let change = region.change();
    let net = change.bytes_allocated as i64 - change.bytes_deallocated as i64
        + change.bytes_reallocated as i64;
    (value, net)
}

#[test]
fn a_breaker_in_use_holds_at_most_512_bytes() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // Warm up thread-locals and the shared default config.
    drop(CircuitBreaker::builder("warm-up").build().unwrap());
    // The counters are global: the test harness's own threads may allocate
    // while we measure. Measure a few breakers and keep the smallest figure;
    // a breaker that really holds more than 512 bytes fails every round.
    let per_breaker = (0..5)
        .map(|i| {
            let (cb, built) = held_by(|| {
                Arc::new(
                    CircuitBreaker::builder(format!("breaker-{i:05}"))
                        .build()
                        .unwrap(),
                )
            });
            let ((), used) = held_by(|| {
                for _ in 0..100 {
                    cb.try_acquire().unwrap().record_success();
                }
                cb.try_acquire().unwrap().record_failure();
            });
            size_of::<Arc<CircuitBreaker>>() as i64 + built + used
        })
        .min()
        .unwrap();
    assert!(per_breaker <= 512, "{per_breaker} bytes per breaker in use");
    // A custom config is the breaker's own copy (smallest of a few again).
    let smallest = |custom: bool| {
        (0..5)
            .map(|_| {
                held_by(|| {
                    let config = Config {
                        max_failures: if custom { 3 } else { 5 },
                        ..Config::default()
                    };
                    if custom {
                        Arc::new(CircuitBreaker::new("breaker-custom", config).unwrap())
                    } else {
                        Arc::new(CircuitBreaker::builder("breaker-shared").build().unwrap())
                    }
                })
                .1
            })
            .min()
            .unwrap()
    };
    let (shared, own) = (smallest(false), smallest(true));
    assert!(
        own > shared,
        "a custom config is not shared: {own} vs {shared}"
    );
}

#[test]
fn two_threads_that_collide_get_stripes_of_their_own() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let cb = Arc::new(CircuitBreaker::builder("contended").build().unwrap());
    // On a loaded machine two threads may take turns instead of colliding:
    // start them together, and try again (a bounded number of rounds) until
    // one collision has been seen.
    let mut grown = 0;
    let mut rounds = 0;
    while grown < 256 && rounds < 50 {
        rounds += 1;
        let start = std::sync::Barrier::new(2);
        let ((), held) = held_by(|| {
            std::thread::scope(|s| {
                for _ in 0..2 {
                    s.spawn(|| {
                        start.wait();
                        for _ in 0..200_000 {
                            cb.try_acquire().unwrap().record_success();
                        }
                    });
                }
            });
        });
        grown += held;
    }
    // Four 64-byte stripes, allocated once: the collision was noticed.
    assert!(
        grown >= 256,
        "no stripes after {rounds} rounds of two busy threads: {grown} bytes"
    );
    assert_eq!(cb.metrics().total_successes, rounds * 400_000);
}
