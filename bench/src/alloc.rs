//! Counting every allocation of the process.
//!
//! `stats_alloc` wraps the system allocator, so this crate needs no unsafe
//! code of its own. The count is process-wide: measurements run one at a
//! time, and a measurement that spans threads (the HTTP client and its
//! loopback server) is compared only with another that spans the same
//! threads.
//!
//! The wrapper does four sequentially consistent atomic increments per
//! allocation and free; a subject that allocates on its hot path pays them
//! in its timings too. The report gives their cost (`alloc_tax_ns`).

use std::alloc::System;

use serde::Serialize;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Allocations over some stretch of work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Allocs {
    /// Allocations and reallocations.
    pub(crate) count: u64,
    /// Bytes requested (growth only, for reallocations).
    pub(crate) bytes: u64,
    /// Bytes still held at the end: allocated minus freed.
    pub(crate) net_bytes: i64,
}

impl Allocs {
    /// Per unit of work, e.g. per call.
    pub(crate) fn per(self, units: u64) -> PerUnit {
        let units = units.max(1) as f64;
        PerUnit {
            count: self.count as f64 / units,
            bytes: self.bytes as f64 / units,
            net_bytes: self.net_bytes as f64 / units,
        }
    }

    pub(crate) fn plus(self, other: Self) -> Self {
        Self {
            count: self.count + other.count,
            bytes: self.bytes + other.bytes,
            net_bytes: self.net_bytes + other.net_bytes,
        }
    }
}

/// [`Allocs`] divided by a number of calls or requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub(crate) struct PerUnit {
    pub(crate) count: f64,
    pub(crate) bytes: f64,
    pub(crate) net_bytes: f64,
}

/// Counts what the whole process allocates from `start` to `stop`, for
/// work that cannot be wrapped in a closure (an `.await`).
#[derive(Debug)]
pub(crate) struct Span(Region<'static, System>);

impl Span {
    pub(crate) fn start() -> Self {
        Self(Region::new(GLOBAL))
    }

    pub(crate) fn stop(self) -> Allocs {
        let stats = self.0.change();
        Allocs {
            count: (stats.allocations + stats.reallocations) as u64,
            bytes: stats.bytes_allocated as u64,
            net_bytes: stats.bytes_allocated as i64 - stats.bytes_deallocated as i64,
        }
    }
}

/// Runs `work` and counts what the whole process allocated meanwhile.
pub(crate) fn measure<T>(work: impl FnOnce() -> T) -> (T, Allocs) {
    let span = Span::start();
    let value = work();
    (value, span.stop())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_allocation_is_counted() {
        // Other tests run at the same time and the count is process-wide:
        // only what they cannot take away (counts, bytes) is checked.
        let (kept, allocs) = measure(|| std::hint::black_box(Box::new([0u8; 64])));
        assert!(allocs.count >= 1);
        assert!(allocs.bytes >= 64);
        drop(kept);
    }

    #[test]
    fn per_unit_divides_and_never_divides_by_zero() {
        let allocs = Allocs {
            count: 10,
            bytes: 640,
            net_bytes: -64,
        };
        assert_eq!(
            allocs.per(10),
            PerUnit {
                count: 1.0,
                bytes: 64.0,
                net_bytes: -6.4
            }
        );
        assert_eq!(allocs.per(0).count, 10.0);
    }
}
