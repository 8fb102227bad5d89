//! Quick look at the hot paths: `cargo bench -p circuit-core`.
//! The side-by-side comparison with peer crates is `cargo xtask bench`.

use std::hint::black_box;
use std::time::Duration;

use circuit_core::{CircuitBreaker, Config};

fn main() {
    divan::main();
}

#[divan::bench]
fn closed_success(bencher: divan::Bencher) {
    let cb = CircuitBreaker::builder("bench").build().unwrap();
    bencher.bench(|| black_box(&cb).try_acquire().unwrap().record_success());
}

#[divan::bench]
fn closed_success_latency_handed_in(bencher: divan::Bencher) {
    let cb = CircuitBreaker::builder("bench").build().unwrap();
    bencher.bench(|| {
        let mut permit = black_box(&cb).try_acquire().unwrap();
        permit.set_latency(Duration::from_millis(3));
        permit.record_success();
    });
}

#[divan::bench(threads = [2])]
fn closed_success_contended(bencher: divan::Bencher) {
    let cb = CircuitBreaker::builder("bench").build().unwrap();
    bencher.bench(|| black_box(&cb).try_acquire().unwrap().record_success());
}

#[divan::bench]
fn open_rejection(bencher: divan::Bencher) {
    let cb = CircuitBreaker::builder("bench")
        .config(Config::default())
        .build()
        .unwrap();
    cb.force_open();
    bencher.bench(|| black_box(&cb).try_acquire().is_err());
}

#[divan::bench]
fn metrics_snapshot(bencher: divan::Bencher) {
    let cb = CircuitBreaker::builder("bench").build().unwrap();
    bencher.bench(|| black_box(&cb).metrics());
}

#[divan::bench]
fn system_clock_read() -> std::time::Duration {
    use circuit_core::Clock;
    circuit_core::SystemClock.now()
}

#[divan::bench]
fn std_instant_read() -> std::time::Instant {
    std::time::Instant::now()
}
