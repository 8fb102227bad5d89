//! Request IDs: `<operation>-<unix-nanos>`, unique within the process.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The last nanosecond stamp handed out, shared by every client in the
/// process so that two clients never mint the same ID either.
static LAST_STAMP: AtomicU64 = AtomicU64::new(0);

/// A fresh ID for `operation`. The stamp is the wall clock in nanoseconds,
/// or one past the previous stamp when the clock has not moved on (two
/// calls in the same nanosecond, a coarse clock, or a clock stepped back),
/// so IDs stay unique and increasing under any concurrency.
pub(crate) fn next_request_id(operation: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    let stamp = bump(&LAST_STAMP, now);
    format!("{operation}-{stamp}")
}

fn bump(last: &AtomicU64, now: u64) -> u64 {
    let mut current = last.load(Ordering::Relaxed);
    loop {
        let next = now.max(current.saturating_add(1));
        match last.compare_exchange_weak(current, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(actual) => current = actual,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Arc;

    use super::*;

    #[test]
    fn a_stalled_or_stepped_back_clock_still_gives_new_stamps() {
        let last = AtomicU64::new(0);
        assert_eq!(bump(&last, 100), 100);
        assert_eq!(bump(&last, 100), 101);
        assert_eq!(bump(&last, 50), 102);
        assert_eq!(bump(&last, 500), 500);
    }

    #[test]
    fn ids_are_unique_across_threads() {
        let seen = Arc::new(std::sync::Mutex::new(HashSet::new()));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let seen = Arc::clone(&seen);
                std::thread::spawn(move || {
                    let ids: Vec<String> =
                        (0..2_000).map(|_| next_request_id("match-kols")).collect();
                    seen.lock().unwrap().extend(ids);
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 16_000);
        assert!(seen.iter().all(|id| {
            id.strip_prefix("match-kols-")
                .is_some_and(|n| n.parse::<u64>().is_ok())
        }));
    }
}
