//! The closed-state hot path of circuit-core with and without the latency
//! listener: `cargo bench -p circuit-metrics --bench latency_listener`.
//!
//! divan's allocation profiler counts allocations per iteration; with the
//! recorder attached (and its histogram warmed by one call) the path must
//! show none.
//!
//! Measured on the project VM (2 vCPU, shared), median per call; the
//! allocation profiler reported no allocation in any row but the control
//! (`control_allocating_snapshot`: 1 allocation per iteration):
//!
//! | bench                                          | 1 thread | 2 threads |
//! |------------------------------------------------|----------|-----------|
//! | closed_success_plain                           | 17.5 ns  | 20.9 ns   |
//! | closed_success_with_latency_recorder           | 25.4 ns  | 29.6 ns   |
//! | closed_success_plain_handed_in (1.234 ms)      | 23.9 ns  | 24.7 ns   |
//! | closed_success_with_latency_recorder_handed_in | 41.0 ns  | 42.1 ns   |
//! | histogram_record_only                          | 7.6 ns   |           |
//!
//! With the breaker's coarse clock a benchmark call lasts ~0 ns and lands
//! in the first bucket; the handed-in rows (1.234 ms) show the cost for a
//! real latency, which needs the decade and mantissa computed.

use std::hint::black_box;
use std::time::Duration;

use circuit_core::CircuitBreaker;
use circuit_metrics::LatencyRecorder;

#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

fn with_recorder(recorder: LatencyRecorder) -> CircuitBreaker {
    let cb = CircuitBreaker::builder("bench")
        .listener(recorder)
        .build()
        .unwrap();
    // The first call of an outcome allocates its histogram; later ones never do.
    cb.try_acquire().unwrap().record_success();
    cb
}

#[divan::bench(threads = [1, 2])]
fn closed_success_plain(bencher: divan::Bencher) {
    let cb = CircuitBreaker::builder("bench").build().unwrap();
    bencher.bench(|| black_box(&cb).try_acquire().unwrap().record_success());
}

#[divan::bench(threads = [1, 2])]
fn closed_success_with_latency_recorder(bencher: divan::Bencher) {
    let cb = with_recorder(LatencyRecorder::new());
    bencher.bench(|| black_box(&cb).try_acquire().unwrap().record_success());
}

#[divan::bench(threads = [1, 2])]
fn closed_success_plain_handed_in(bencher: divan::Bencher) {
    let cb = CircuitBreaker::builder("bench").build().unwrap();
    bencher.bench(|| {
        let mut permit = black_box(&cb).try_acquire().unwrap();
        permit.set_latency(Duration::from_micros(1_234));
        permit.record_success();
    });
}

#[divan::bench(threads = [1, 2])]
fn closed_success_with_latency_recorder_handed_in(bencher: divan::Bencher) {
    handed_in(bencher, LatencyRecorder::new());
}

#[divan::bench(threads = [1, 2])]
fn closed_success_with_compact_recorder_handed_in(bencher: divan::Bencher) {
    handed_in(bencher, LatencyRecorder::compact());
}

fn handed_in(bencher: divan::Bencher, recorder: LatencyRecorder) {
    let cb = with_recorder(recorder);
    bencher.bench(|| {
        let mut permit = black_box(&cb).try_acquire().unwrap();
        permit.set_latency(Duration::from_micros(1_234));
        permit.record_success();
    });
}

/// A control that allocates, to show the profiler's columns.
#[divan::bench]
fn control_allocating_snapshot(bencher: divan::Bencher) {
    let cb = with_recorder(LatencyRecorder::new());
    bencher.bench(|| black_box(&cb).metrics());
}

#[divan::bench]
fn histogram_record_only(bencher: divan::Bencher) {
    record_only(bencher, LatencyRecorder::new());
}

#[divan::bench]
fn compact_histogram_record_only(bencher: divan::Bencher) {
    record_only(bencher, LatencyRecorder::compact());
}

fn record_only(bencher: divan::Bencher, recorder: LatencyRecorder) {
    recorder.record(circuit_core::Outcome::Success, Duration::from_millis(1));
    bencher.bench(|| {
        recorder.record(
            circuit_core::Outcome::Success,
            black_box(Duration::from_micros(1_234)),
        )
    });
}
