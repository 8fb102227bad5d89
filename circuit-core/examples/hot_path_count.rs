//! One million CLOSED admissions and fast successes on a counting clock,
//! for instruction counts under valgrind (the system clock's vDSO does not
//! run there):
//!
//! ```sh
//! cargo build --release -p circuit-core --example hot_path_count
//! valgrind --tool=callgrind target/release/examples/hot_path_count
//! valgrind --tool=callgrind target/release/examples/hot_path_count chain
//! ```
//!
//! With `chain`, the calls go through a [`Chain`] of two such breakers (a
//! host above an endpoint), for the cost the chain adds to its links.
//!
//! Each clock read moves time on by 100 µs (two reads a call: 5 000 calls
//! a second), so the window's 6 s buckets rotate about 33 times.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use circuit_core::{Chain, CircuitBreaker, Clock};

const CALLS: u64 = 1_000_000;

/// A clock that advances 100 µs per read.
#[derive(Debug, Default)]
struct Ticking(AtomicU64);

impl Clock for Ticking {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.0.fetch_add(100_000, Ordering::Relaxed))
    }

    fn wall_now(&self) -> std::time::SystemTime {
        std::time::UNIX_EPOCH
    }
}

fn breaker(name: &str) -> CircuitBreaker {
    CircuitBreaker::builder(name)
        .clock(Ticking::default())
        .build()
        .expect("the default config is valid")
}

fn main() {
    let cb = breaker("hot-path");
    if std::env::args().nth(1).as_deref() == Some("chain") {
        let endpoint = breaker("hot-path /endpoint");
        let chain = Chain::new([&cb, &endpoint]);
        for _ in 0..CALLS {
            chain
                .try_acquire()
                .expect("healthy breakers admit")
                .record_success();
        }
        assert_eq!(endpoint.metrics().total_successes, CALLS);
    } else {
        for _ in 0..CALLS {
            cb.try_acquire()
                .expect("a healthy breaker admits")
                .record_success();
        }
    }
    let m = cb.metrics();
    assert_eq!(m.total_successes, CALLS);
    println!("{} successes, state {}", m.total_successes, m.state);
}
