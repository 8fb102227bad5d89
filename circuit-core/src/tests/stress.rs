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
    // Constant size: the window ring, the cold state, one counter stripe.
    // tests/memory.rs checks the heap a breaker holds in use (<= 512 B).
    let size = std::mem::size_of::<CircuitBreaker>();
    assert!(size <= 480, "CircuitBreaker grew to {size} bytes");
}

/// Records every state change with its epoch.
#[derive(Debug, Default)]
struct Changes(Mutex<Vec<StateChange>>);

impl EventListener for Changes {
    fn on_state_change(&self, _: &str, change: &StateChange) {
        self.0.lock().unwrap().push(change.clone());
    }
}

/// `reconfigure` races acquire, record and transitions on four threads:
/// no reader sees a torn config, and ordered by epoch the transitions form
/// one unbroken chain, none lost and none doubled.
#[test]
fn reconfigure_races_calls_and_transitions() {
    const THREADS: usize = 3;
    const CALLS: usize = 20_000;
    let clock = ManualClock::new();
    let changes = Arc::new(Changes::default());
    // Every config this test swaps in has max_failures == min_requests, so
    // a torn read would show as a mismatch.
    let config = |n: u32, window_ms: u64| Config {
        max_failures: n,
        min_requests: n,
        max_requests: 2,
        recovery_timeout: Duration::from_millis(3),
        base_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(4),
        monitor_window: Duration::from_millis(window_ms),
        recovery_ramp: Duration::from_millis(u64::from(n)),
        ..Config::default()
    };
    let cb = CircuitBreaker::builder("reconfigured")
        .config(config(3, 1000))
        .clock(clock.clone())
        .listener(Arc::clone(&changes))
        .build()
        .unwrap();
    let done = std::sync::atomic::AtomicBool::new(false);
    let reconfigurations = AtomicU64::new(0);
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let (cb, clock, reconfigurations) = (&cb, &clock, &reconfigurations);
                s.spawn(move || {
                    // At least CALLS calls, and on until the reconfiguring
                    // thread, however the scheduler treats it, got going.
                    for i in 0.. {
                        if i >= CALLS && reconfigurations.load(Ordering::Relaxed) >= 50 {
                            break;
                        }
                        clock.advance(Duration::from_micros(20));
                        let config = cb.config();
                        assert_eq!(config.max_failures, config.min_requests, "torn config");
                        let Ok(permit) = cb.try_acquire() else {
                            continue;
                        };
                        if ((i + t * 70) / 300) % 3 == 0 {
                            permit.record_failure();
                        } else {
                            permit.record_success();
                        }
                    }
                })
            })
            .collect();
        s.spawn(|| {
            let mut n = 0u32;
            while !done.load(Ordering::Relaxed) {
                n = n % 5 + 1;
                let window = if n % 2 == 0 { 1000 } else { 500 };
                cb.reconfigure(config(n, window)).unwrap();
                reconfigurations.fetch_add(1, Ordering::Relaxed);
                std::thread::yield_now();
            }
        });
        for worker in workers {
            worker.join().unwrap();
        }
        done.store(true, Ordering::Relaxed);
    });
    let mut seen = changes.0.lock().unwrap().clone();
    assert!(seen.len() > 10, "the run should cross transitions");
    seen.sort_by_key(|c| c.epoch);
    for pair in seen.windows(2) {
        assert_eq!(pair[0].epoch + 1, pair[1].epoch, "a transition was lost");
        assert_eq!(pair[0].to, pair[1].from, "{:?} then {:?}", pair[0], pair[1]);
    }
    let m = cb.metrics();
    let opened = seen.iter().filter(|c| c.to == State::Open).count() as u64;
    assert_eq!(opened, m.circuit_open_count, "each trip reported once");
    assert_eq!(
        cb.transitions().last().map(|t| (t.from, t.to)),
        seen.last().map(|c| (c.from, c.to))
    );
}
