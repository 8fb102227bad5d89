//! Time, as the breaker sees it: only through the [`Clock`] trait.

use std::fmt;
use std::time::{Duration, SystemTime};

#[cfg(any(test, feature = "test-util"))]
use std::sync::Arc;
#[cfg(any(test, feature = "test-util"))]
use std::sync::atomic::{AtomicU64, Ordering};

/// A monotonic clock.
///
/// The breaker reads time only through this trait, so tests can drive it
/// with a manual clock and never sleep.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Monotonic time since an arbitrary origin fixed for the clock's life.
    fn now(&self) -> Duration;

    /// Wall-clock time, used only to stamp transitions for humans
    /// ([`Metrics::last_state_change`](crate::Metrics::last_state_change)).
    fn wall_now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// The default clock: the operating system's monotonic clock.
///
/// On Linux it reads `CLOCK_MONOTONIC_COARSE` (a few milliseconds of
/// resolution, about a third of the cost of `Instant::now()`): bucket
/// rotation and slow-call detection at second-scale thresholds do not need
/// more. Elsewhere it uses [`std::time::Instant`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl SystemClock {
    #[inline]
    pub(crate) fn now_nanos() -> u64 {
        imp::now_nanos()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(Self::now_nanos())
    }
}

#[cfg(target_os = "linux")]
mod imp {
    use rustix::time::{ClockId, clock_gettime};

    #[inline]
    pub(super) fn now_nanos() -> u64 {
        let ts = clock_gettime(ClockId::MonotonicCoarse);
        // Monotonic seconds are non-negative and far below u64::MAX / 1e9.
        (ts.tv_sec as u64)
            .wrapping_mul(1_000_000_000)
            .wrapping_add(ts.tv_nsec as u64)
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use std::sync::OnceLock;
    use std::time::Instant;

    static ORIGIN: OnceLock<Instant> = OnceLock::new();

    #[inline]
    pub(super) fn now_nanos() -> u64 {
        let origin = *ORIGIN.get_or_init(Instant::now);
        u64::try_from(origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

/// A clock that moves only when told to; clones share one time.
///
/// Its wall clock is the wall time at creation plus the manual time, so
/// stamps stay readable.
///
/// ```
/// use circuit_core::{Clock, ManualClock};
/// use std::time::Duration;
///
/// let clock = ManualClock::new();
/// let shared = clock.clone();
/// clock.advance(Duration::from_secs(2));
/// assert_eq!(shared.now(), Duration::from_secs(2));
/// ```
#[cfg(any(test, feature = "test-util"))]
#[derive(Debug, Clone)]
pub struct ManualClock {
    nanos: Arc<AtomicU64>,
    wall_origin: SystemTime,
}

#[cfg(any(test, feature = "test-util"))]
impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(any(test, feature = "test-util"))]
impl ManualClock {
    /// A clock at time zero.
    pub fn new() -> Self {
        Self {
            nanos: Arc::new(AtomicU64::new(0)),
            wall_origin: SystemTime::now(),
        }
    }

    /// Moves time forward by `by` (saturating at `u64::MAX` nanoseconds).
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        let _ = self
            .nanos
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                Some(n.saturating_add(by))
            });
    }

    /// Sets the time, which must not go backwards.
    ///
    /// # Panics
    /// If `to` is earlier than the current time: a monotonic clock never
    /// goes back, and a test that tries has a bug.
    pub fn set(&self, to: Duration) {
        let to = u64::try_from(to.as_nanos()).unwrap_or(u64::MAX);
        let previous = self.nanos.fetch_max(to, Ordering::SeqCst);
        assert!(previous <= to, "ManualClock::set would move time backwards");
    }
}

#[cfg(any(test, feature = "test-util"))]
impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::SeqCst))
    }

    fn wall_now(&self) -> SystemTime {
        self.wall_origin + self.now()
    }
}

/// The breaker's clock: the system clock without a virtual call, or any
/// user clock.
#[derive(Debug, Clone)]
pub(crate) enum BreakerClock {
    System,
    Custom(std::sync::Arc<dyn Clock>),
}

impl BreakerClock {
    #[inline]
    pub(crate) fn now_nanos(&self) -> u64 {
        match self {
            Self::System => SystemClock::now_nanos(),
            Self::Custom(clock) => duration_to_nanos(clock.now()),
        }
    }

    pub(crate) fn wall_now(&self) -> SystemTime {
        match self {
            Self::System => SystemTime::now(),
            Self::Custom(clock) => clock.wall_now(),
        }
    }
}

/// Saturating conversion; durations past 584 years are not meaningful here.
#[inline]
pub(crate) fn duration_to_nanos(d: Duration) -> u64 {
    // Plain 64-bit arithmetic: this runs on the hot path of handed-in
    // latencies, where `as_nanos` would widen to 128 bits.
    d.as_secs()
        .saturating_mul(1_000_000_000)
        .saturating_add(u64::from(d.subsec_nanos()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_clock_is_monotonic() {
        let a = SystemClock.now();
        let b = SystemClock.now();
        assert!(b >= a);
    }

    #[test]
    fn manual_clock_clones_share_time() {
        let clock = ManualClock::new();
        let other = clock.clone();
        other.advance(Duration::from_millis(1500));
        assert_eq!(clock.now(), Duration::from_millis(1500));
        clock.set(Duration::from_secs(3));
        assert_eq!(other.now(), Duration::from_secs(3));
        assert_eq!(clock.wall_now(), clock.wall_origin + Duration::from_secs(3));
    }
}
