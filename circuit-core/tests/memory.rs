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
    let (cb, built) =
        held_by(|| Arc::new(CircuitBreaker::builder("breaker-00000").build().unwrap()));
    let ((), used) = held_by(|| {
        for _ in 0..100 {
            cb.try_acquire().unwrap().record_success();
        }
        cb.try_acquire().unwrap().record_failure();
    });
    let per_breaker = size_of::<Arc<CircuitBreaker>>() as i64 + built + used;
    assert!(per_breaker <= 512, "{per_breaker} bytes per breaker in use");
    // A custom config is the breaker's own copy.
    let (_custom, own) = held_by(|| {
        Arc::new(
            CircuitBreaker::new(
                "breaker-00001",
                Config {
                    max_failures: 3,
                    ..Config::default()
                },
            )
            .unwrap(),
        )
    });
    assert!(
        own > built,
        "a custom config is not shared: {own} vs {built}"
    );
}

#[test]
fn two_threads_that_collide_get_stripes_of_their_own() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let cb = Arc::new(CircuitBreaker::builder("contended").build().unwrap());
    let ((), grown) = held_by(|| {
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    for _ in 0..200_000 {
                        cb.try_acquire().unwrap().record_success();
                    }
                });
            }
        });
    });
    // Four 64-byte stripes, allocated once: the collision was noticed.
    assert!(
        grown >= 256,
        "no stripes after two busy threads: {grown} bytes"
    );
    assert_eq!(cb.metrics().total_successes, 400_000);
}
