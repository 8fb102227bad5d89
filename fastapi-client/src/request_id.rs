//! Request IDs: `<operation>-<unix-nanos>`, unique within the process.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderValue;

use crate::operation::Operation;

/// The last nanosecond stamp handed out, shared by every client in the
/// process so that two clients never mint the same ID either.
static LAST_STAMP: AtomicU64 = AtomicU64::new(0);

/// A request's ID, `<operation>-<unix-nanos>`, kept as its two parts so
/// that minting one allocates nothing; it becomes text only for the
/// header (a stack buffer) and for errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RequestId {
    operation: Operation,
    stamp: u64,
}

/// The longest ID: `optimize-budget-` and 20 digits.
const MAX_LEN: usize = 36;

impl RequestId {
    /// A fresh ID for `operation`. The stamp is the wall clock in
    /// nanoseconds, or one past the previous stamp when the clock has not
    /// moved on (two calls in the same nanosecond, a coarse clock, or a
    /// clock stepped back), so IDs stay unique and increasing under any
    /// concurrency.
    pub(crate) fn next(operation: Operation) -> Self {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        Self {
            operation,
            stamp: bump(&LAST_STAMP, now),
        }
    }

    /// The `X-Request-ID` header value (one allocation: a header value
    /// owns its bytes), put together in a stack buffer without the
    /// formatting machinery (`itoa` for the digits), which cost more than
    /// the rest of the header work.
    pub(crate) fn header_value(self) -> HeaderValue {
        let mut buf = [0u8; MAX_LEN];
        let name = self.operation.name().as_bytes();
        buf[..name.len()].copy_from_slice(name);
        buf[name.len()] = b'-';
        let mut digits = itoa::Buffer::new();
        let digits = digits.format(self.stamp).as_bytes();
        let len = name.len() + 1 + digits.len();
        buf[name.len() + 1..len].copy_from_slice(digits);
        HeaderValue::from_bytes(&buf[..len]).unwrap_or_else(|_| HeaderValue::from_static(""))
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.operation.name(), self.stamp)
    }
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
                    let ids: Vec<String> = (0..2_000)
                        .map(|_| RequestId::next(Operation::MatchKols).to_string())
                        .collect();
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

    #[test]
    fn the_header_carries_the_whole_id_even_at_its_longest() {
        let longest = RequestId {
            operation: Operation::OptimizeBudget,
            stamp: u64::MAX,
        };
        assert_eq!(longest.to_string().len(), MAX_LEN);
        assert_eq!(
            longest.header_value().to_str().unwrap(),
            "optimize-budget-18446744073709551615"
        );
        for stamp in [0, 7, 10, 99, 1_764_820_000_123_456_789] {
            let id = RequestId {
                operation: Operation::MatchKols,
                stamp,
            };
            assert_eq!(id.header_value().to_str().unwrap(), id.to_string());
        }
        let id = RequestId::next(Operation::HealthCheck);
        assert_eq!(id.header_value().to_str().unwrap(), id.to_string());
    }
}
