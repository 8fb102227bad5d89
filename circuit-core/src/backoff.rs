//! How much longer each consecutive trip keeps the breaker open.

use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use rand_core::RngCore;

/// The extra open time for the `trip`-th consecutive trip (1 = the first trip
/// since the breaker was last CLOSED).
///
/// The breaker stays open for `recovery_timeout + backoff(trip)`.
pub trait Backoff: Send + Sync + fmt::Debug {
    /// Extra open time for the given consecutive trip (`trip >= 1`).
    fn backoff(&self, trip: u32) -> Duration;
}

/// The default: `0` for the first trip, then `base * 2^(trip - 2)` capped at
/// `max`: with 1 s and 30 s, open periods of 30, 31, 32, 34, 38, 46, 60, 60 s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExponentialBackoff {
    /// Backoff of the second consecutive trip.
    pub base: Duration,
    /// The cap.
    pub max: Duration,
}

impl Backoff for ExponentialBackoff {
    fn backoff(&self, trip: u32) -> Duration {
        if trip <= 1 {
            return Duration::ZERO;
        }
        let doublings = trip - 2;
        // 2^31 seconds overflow nothing but exceed any sane cap; stop early.
        if doublings >= 32 {
            return self.max;
        }
        self.base
            .checked_mul(1u32 << doublings)
            .map_or(self.max, |b| b.min(self.max))
    }
}

/// The same backoff every time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConstantBackoff(pub Duration);

impl Backoff for ConstantBackoff {
    fn backoff(&self, trip: u32) -> Duration {
        if trip <= 1 { Duration::ZERO } else { self.0 }
    }
}

/// Spreads another backoff by a random factor in `[1 - ratio, 1 + ratio]` so
/// that many clients do not probe a recovering backend in lockstep.
///
/// The random numbers come from the RNG you hand in, so a seeded RNG gives a
/// repeatable sequence in tests.
pub struct Jittered<B, R> {
    inner: B,
    ratio: f64,
    rng: Mutex<R>,
}

impl<B: fmt::Debug, R> fmt::Debug for Jittered<B, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jittered")
            .field("inner", &self.inner)
            .field("ratio", &self.ratio)
            .finish_non_exhaustive()
    }
}

impl<B: Backoff, R: RngCore + Send> Jittered<B, R> {
    /// Jitter `inner` by up to `ratio` (clamped to `[0, 1]`; NaN means none).
    pub fn new(inner: B, ratio: f64, rng: R) -> Self {
        let ratio = if ratio.is_nan() {
            0.0
        } else {
            ratio.clamp(0.0, 1.0)
        };
        Self {
            inner,
            ratio,
            rng: Mutex::new(rng),
        }
    }
}

impl<B: Backoff, R: RngCore + Send> Backoff for Jittered<B, R> {
    fn backoff(&self, trip: u32) -> Duration {
        let base = self.inner.backoff(trip);
        if base.is_zero() || self.ratio == 0.0 {
            return base;
        }
        let draw = self
            .rng
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .next_u64();
        // 53 random bits give a uniform value in [0, 1).
        let unit = (draw >> 11) as f64 / (1u64 << 53) as f64;
        let factor = 1.0 - self.ratio + 2.0 * self.ratio * unit;
        // `mul_f64` panics on overflow; a custom inner backoff may be huge.
        Duration::try_from_secs_f64(base.as_secs_f64() * factor).unwrap_or(Duration::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_sequence_matches_the_spec() {
        let b = ExponentialBackoff {
            base: Duration::from_secs(1),
            max: Duration::from_secs(30),
        };
        let secs: Vec<u64> = (1..=9).map(|k| b.backoff(k).as_secs()).collect();
        assert_eq!(secs, [0, 1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(b.backoff(u32::MAX), Duration::from_secs(30));
        let huge = ExponentialBackoff {
            base: Duration::from_secs(u64::MAX / 4),
            max: Duration::MAX,
        };
        assert_eq!(huge.backoff(10), Duration::MAX);
    }

    struct Counter(u64);
    impl RngCore for Counter {
        fn next_u32(&mut self) -> u32 {
            self.next_u64() as u32
        }
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            self.0
        }
        fn fill_bytes(&mut self, dst: &mut [u8]) {
            for b in dst {
                *b = self.next_u64() as u8;
            }
        }
    }

    #[test]
    fn jitter_is_bounded_and_repeatable() {
        let make = || Jittered::new(ConstantBackoff(Duration::from_secs(10)), 0.2, Counter(7));
        let (a, b) = (make(), make());
        for k in 2..50 {
            let (x, y) = (a.backoff(k), b.backoff(k));
            assert_eq!(x, y);
            assert!(
                x >= Duration::from_secs(8) && x <= Duration::from_secs(12),
                "{x:?}"
            );
        }
        assert_eq!(a.backoff(1), Duration::ZERO);
        let huge = Jittered::new(ConstantBackoff(Duration::MAX), 1.0, Counter(u64::MAX / 2));
        assert!(huge.backoff(2) >= Duration::from_secs(1));
    }
}
