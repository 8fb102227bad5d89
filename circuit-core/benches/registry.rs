//! Registry lookups against the maps users would write, and their parts:
//! `cargo bench -p circuit-core --bench registry`. The side-by-side figures
//! are in `cargo xtask bench`, section 6b; memory per breaker in a full
//! registry in section 9 (`cargo xtask bench --registry`).

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::hint::black_box;
use std::sync::{Arc, RwLock};

use circuit_core::{CircuitBreaker, Registry};

const KEY: &str = "https://host-42.example.com:443";

fn main() {
    divan::main();
}

fn registry() -> Registry<String> {
    let registry = Registry::builder().build().unwrap();
    for i in 0..100 {
        let _ = registry.get(&format!("https://host-{i}.example.com:443"));
    }
    registry
}

#[divan::bench(threads = [1, 2])]
fn registry_get(bencher: divan::Bencher) {
    let registry = registry();
    bencher.bench(|| black_box(&registry).get(black_box(KEY)));
}

#[divan::bench(threads = [1, 2])]
fn rwlock_map_get(bencher: divan::Bencher) {
    let map: HashMap<String, Arc<CircuitBreaker>> = registry().entries().into_iter().collect();
    let map = RwLock::new(map);
    bencher.bench(|| black_box(&map).read().unwrap().get(black_box(KEY)).cloned());
}

#[divan::bench]
fn hash_key(bencher: divan::Bencher) {
    let state = std::collections::hash_map::RandomState::new();
    bencher.bench(|| state.hash_one(black_box(KEY)));
}

#[divan::bench(threads = [1, 2])]
fn registry_with_breaker_try_acquire_owned(bencher: divan::Bencher) {
    let registry = registry();
    bencher.bench(|| {
        black_box(&registry).with_breaker(black_box(KEY), |breaker| {
            breaker
                .try_acquire_owned()
                .map(|permit| permit.record_success())
        })
    });
}

/// Filling an empty registry: each insert copies one shard, so this grows
/// about linearly with the keys (it was quadratic with one map).
#[divan::bench(args = [10_000, 100_000], sample_count = 3, sample_size = 1)]
fn fill(bencher: divan::Bencher, keys: usize) {
    let names: Vec<String> = (0..keys)
        .map(|i| format!("https://host-{i}.example.com:443"))
        .collect();
    bencher
        .with_inputs(|| {
            Registry::<String>::builder()
                .max_breakers(keys)
                .build()
                .unwrap()
        })
        .bench_local_values(|registry| {
            for name in &names {
                black_box(registry.get(name.as_str()));
            }
            registry
        });
}
