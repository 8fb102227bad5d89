//! Many threads hammering one breaker across transitions: totals add up
//! and a half-open epoch never has more than `max_requests` probes out.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::*;

#[derive(Debug, Default)]
struct Tally {
    successes: AtomicU64,
    failures: AtomicU64,
    cancelled: AtomicU64,
    rejected: AtomicU64,
}

#[test]
fn totals_add_up_and_probes_stay_bounded() {
    const THREADS: usize = 4;
    const CALLS: usize = 20_000;
    let clock = ManualClock::new();
    let config = Config {
        max_failures: 3,
        max_requests: 2,
        min_requests: 5,
        recovery_timeout: Duration::from_millis(3),
        base_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(4),
        half_open_probe_timeout: Duration::from_secs(3600),
        ..Config::default()
    };
    let cb = CircuitBreaker::builder("stress")
        .config(config)
        .clock(clock.clone())
        .build()
        .unwrap();
    let tally = Tally::default();
    // Outstanding probes by epoch, registered after admission and removed
    // before recording, so it never holds more than the breaker does.
    let outstanding: Mutex<HashMap<u64, u32>> = Mutex::new(HashMap::new());
    let worst = AtomicU64::new(0);

    std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let (cb, clock, tally, outstanding, worst) =
                    (&cb, &clock, &tally, &outstanding, &worst);
                s.spawn(move || {
                    for i in 0..CALLS {
                        // Every thread moves the shared time on, so open
                        // periods pass however fast rejections are.
                        clock.advance(Duration::from_micros(20));
                        let Ok(permit) = cb.try_acquire() else {
                            tally.rejected.fetch_add(1, Ordering::Relaxed);
                            continue;
                        };
                        let epoch = permit.ticket.epoch;
                        if permit.is_probe() {
                            let mut map = outstanding.lock().unwrap();
                            let n = map.entry(epoch).or_default();
                            *n += 1;
                            let current = cb.load().epoch();
                            let live = map.get(&current).copied().unwrap_or(0);
                            worst.fetch_max(u64::from(live), Ordering::Relaxed);
                        }
                        if permit.is_probe() {
                            // Hold the probe a moment so probes overlap.
                            std::thread::yield_now();
                            *outstanding.lock().unwrap().get_mut(&epoch).unwrap() -= 1;
                        }
                        // Outage phases (a third of the time, offset per thread)
                        // drive the breaker through its transitions.
                        let outage = ((i + t * 50) / 200) % 3 == 0;
                        match (outage, i % 10) {
                            (_, 9) => {
                                drop(permit);
                                tally.cancelled.fetch_add(1, Ordering::Relaxed);
                            }
                            (true, _) | (false, 8) => {
                                permit.record_failure();
                                tally.failures.fetch_add(1, Ordering::Relaxed);
                            }
                            _ => {
                                permit.record_success();
                                tally.successes.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
    });

    let m = cb.metrics();
    let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
    assert_eq!(m.total_successes, load(&tally.successes));
    assert_eq!(m.total_failures, load(&tally.failures));
    assert_eq!(m.total_cancelled, load(&tally.cancelled));
    assert_eq!(m.total_rejected, load(&tally.rejected));
    assert_eq!(
        m.total_requests + m.total_rejected,
        (THREADS * CALLS) as u64
    );
    assert!(
        m.circuit_open_count > 0 && m.recovery_attempts > 0,
        "the run should cross transitions: {m:?}"
    );
    assert!(
        worst.load(Ordering::Relaxed) <= 2,
        "more than max_requests probes out in one epoch"
    );
}

#[test]
fn the_breaker_is_send_and_sync_and_shares_through_arc() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<CircuitBreaker>();
    assert_send_sync::<Permit<'static>>();
    let cb = Arc::new(CircuitBreaker::builder("arc").build().unwrap());
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let cb = Arc::clone(&cb);
            std::thread::spawn(move || {
                for _ in 0..1000 {
                    cb.try_acquire().unwrap().record_success();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(cb.metrics().total_successes, 4000);
}

#[test]
fn a_breaker_stays_small() {
    // Constant size: stripes, the window ring and the cold state. The
    // number is documented in docs/circuit-core.md; keep them in step.
    let size = std::mem::size_of::<CircuitBreaker>();
    println!("size_of::<CircuitBreaker>() = {size}");
    assert!(size <= 1280, "CircuitBreaker grew to {size} bytes");
}
