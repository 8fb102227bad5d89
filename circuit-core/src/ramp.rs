//! Gradual recovery: after HALF_OPEN → CLOSED the breaker admits a share of
//! calls that grows linearly from `recovery_ramp_floor` to 1 over
//! `recovery_ramp`.
//!
//! Admission is deterministic (no RNG): each call seen adds the current
//! share to a credit, and a call is admitted when the credit reaches one,
//! so admissions are spread evenly instead of bunched. On top of that, of
//! the first `n` calls seen at most `ceil(share(t) × n)` are admitted.

/// A running ramp; lives under the breaker's lock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Ramp {
    start: u64,
    end: u64,
    floor: f64,
    credit: f64,
    seen: u64,
    admitted: u64,
}

impl Ramp {
    /// A ramp from `now` lasting `length` ns (> 0) from `floor` (in `[0, 1]`).
    pub(crate) fn new(now: u64, length: u64, floor: f64) -> Self {
        Self {
            start: now,
            end: now.saturating_add(length.max(1)),
            floor,
            // The first call is admitted as soon as the share is positive.
            credit: 1.0 - floor,
            seen: 0,
            admitted: 0,
        }
    }

    /// The share of calls admitted at `now`.
    pub(crate) fn share(&self, now: u64) -> f64 {
        if now >= self.end {
            return 1.0;
        }
        let elapsed = now.saturating_sub(self.start) as f64;
        let length = (self.end - self.start) as f64;
        (self.floor + (1.0 - self.floor) * elapsed / length).clamp(0.0, 1.0)
    }

    /// Whether the ramp is over at `now`.
    pub(crate) fn done(&self, now: u64) -> bool {
        now >= self.end
    }

    /// Decides about the next call, seen at `now`.
    pub(crate) fn admit(&mut self, now: u64) -> bool {
        let share = self.share(now);
        self.seen = self.seen.saturating_add(1);
        self.credit += share;
        let bound = (share * self.seen as f64).ceil();
        if self.credit >= 1.0 && (self.admitted + 1) as f64 <= bound {
            self.credit -= 1.0;
            self.admitted += 1;
            true
        } else {
            // Credit beyond one call's worth is not banked: no bursts later.
            self.credit = self.credit.min(1.0);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: u64 = 1_000_000_000;

    #[test]
    fn the_share_grows_linearly_from_the_floor() {
        let ramp = Ramp::new(10 * SEC, 10 * SEC, 0.1);
        assert_eq!(ramp.share(10 * SEC), 0.1);
        assert!((ramp.share(15 * SEC) - 0.55).abs() < 1e-12);
        assert_eq!(ramp.share(20 * SEC), 1.0);
        assert!(ramp.done(20 * SEC) && !ramp.done(20 * SEC - 1));
    }

    #[test]
    fn admissions_never_exceed_the_share_of_calls_seen() {
        for floor in [0.0, 0.1, 0.25, 0.5, 1.0] {
            let mut ramp = Ramp::new(0, 10 * SEC, floor);
            let mut admitted = 0u64;
            for n in 1..=10_000u64 {
                let now = n * SEC / 1000;
                if ramp.admit(now) {
                    admitted += 1;
                }
                let bound = (ramp.share(now) * n as f64).ceil() as u64;
                assert!(
                    admitted <= bound,
                    "floor {floor}: {admitted} > {bound} at {n}"
                );
            }
            // Over the whole ramp about the mean share was admitted, and
            // after it every call is.
            let mean = (1.0 + floor) / 2.0;
            let expected = mean * 10_000.0;
            assert!(
                (admitted as f64 - expected).abs() < 0.02 * 10_000.0,
                "floor {floor}: {admitted}"
            );
            assert!((0..100).all(|i| ramp.admit(10 * SEC + i)));
        }
    }

    #[test]
    fn admissions_are_spread_not_bunched() {
        let mut ramp = Ramp::new(0, 100 * SEC, 0.1);
        // At a 10 % share, never two admissions in a row early on.
        let decisions: Vec<bool> = (0..50).map(|i| ramp.admit(i)).collect();
        assert!(decisions[0]);
        assert!(decisions.windows(2).all(|w| !(w[0] && w[1])));
        assert_eq!(decisions.iter().filter(|d| **d).count(), 5);
    }
}
