//! Memory of a compact latency recorder: at most 2 KiB per breaker in use,
//! whatever outcomes its breaker saw, against about 13 KB per outcome for
//! the default recorder. `stats_alloc` counts every allocation of this
//! test binary, which holds these tests only and runs them one at a time.

use std::alloc::System;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use circuit_core::{CircuitBreaker, Config};
use circuit_metrics::LatencyRecorder;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// The tests share the global counters: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// Bytes the compact mode may hold per breaker.
const COMPACT_LIMIT: i64 = 2048;

/// Net heap bytes held after `f`.
fn held_by<T>(f: impl FnOnce() -> T) -> (T, i64) {
    let region = Region::new(GLOBAL);
    let value = f();
    let change = region.change();
    let net = change.bytes_allocated as i64 - change.bytes_deallocated as i64
        + change.bytes_reallocated as i64;
    (value, net)
}

/// How a breaker's recorder is made, if it has one.
type Recorder = Option<fn() -> LatencyRecorder>;

/// A breaker that saw every outcome (one each, with latencies spread over
/// the buckets), with a recorder attached if `recorder` says so: the bytes
/// it holds, handle and recorder included. The breaker stays CLOSED (one
/// failure and one timeout are below the config's five).
fn breaker_in_use(recorder: Recorder, i: usize) -> i64 {
    let (cb, built) = held_by(|| {
        let mut builder = CircuitBreaker::builder(format!("breaker-{i:05}")).config(Config {
            max_failures: 5,
            ..Config::default()
        });
        if let Some(make) = recorder {
            builder = builder.listener(make());
        }
        Arc::new(builder.build().unwrap())
    });
    let ((), used) = held_by(|| {
        for ms in [1, 20, 300, 4_000] {
            let mut permit = cb.try_acquire().unwrap();
            permit.set_latency(Duration::from_millis(ms));
            permit.record_success();
        }
        cb.try_acquire().unwrap().record_failure();
        cb.try_acquire().unwrap().record_timeout();
        cb.try_acquire().unwrap().record_ignored();
        drop(cb.try_acquire().unwrap());
    });
    size_of::<Arc<CircuitBreaker>>() as i64 + built + used
}

/// The smallest of a few measurements: the counters are global, and the
/// test harness's own threads may allocate while one runs; a breaker that
/// really holds more fails every round.
fn smallest(recorder: Recorder) -> i64 {
    (0..5).map(|i| breaker_in_use(recorder, i)).min().unwrap()
}

#[test]
fn a_compact_recorder_holds_at_most_2_kib_per_breaker() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // Warm up thread-locals and the shared default config.
    breaker_in_use(Some(LatencyRecorder::compact), 0);
    let bare = smallest(None);
    let compact = smallest(Some(LatencyRecorder::compact));
    let recorder = compact - bare;
    assert!(
        recorder <= COMPACT_LIMIT,
        "a compact recorder that saw all five outcomes holds {recorder} bytes"
    );
    // Five histograms of 47 counters were counted, so the figure above is
    // the recorder's and the test can fail.
    assert!(
        recorder >= 5 * 47 * 8,
        "{recorder} bytes: histograms missing"
    );
    assert!(compact <= 512 + COMPACT_LIMIT, "{compact} bytes in all");
}

#[test]
fn the_default_recorder_is_the_large_one() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    breaker_in_use(Some(LatencyRecorder::new), 0);
    let bare = smallest(None);
    let fine = smallest(Some(LatencyRecorder::new)) - bare;
    // Five histograms of two stripes of 812 counters.
    assert!(fine >= 5 * 812 * 2 * 8, "{fine} bytes");
}
