//! One learned rate (failures among calls, or slow calls among calls):
//! faded counts, their dispersion, and the value the policy judges by,
//! which rises at a bounded pace.

/// A rate learned from steady buckets of the window.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct LearnedRate {
    /// Faded calls and bad calls.
    calls: f64,
    bad: f64,
    /// Faded sums for the dispersion between buckets: `Σ (k − n·p)² − n·p·(1 − p)`
    /// and `Σ n²`, so that `excess / squares` estimates the variance of a
    /// bucket's rate beyond the binomial's.
    excess: f64,
    squares: f64,
    /// What the policy judges by: the rate and its spread (standard
    /// deviation between windows beyond chance), rising at a bounded pace.
    paced: Option<Paced>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Paced {
    rate: f64,
    spread: f64,
}

/// How fast a learned rate may rise: by a factor per hour, plus this many
/// (half a percentage point) per hour, so that a rate learned at zero can
/// rise at all.
const ABSOLUTE_RISE_PER_HOUR: f64 = 0.005;

impl LearnedRate {
    /// Fades what was learned by `factor` (in `[0, 1]`).
    pub(crate) fn fade(&mut self, factor: f64) {
        self.calls *= factor;
        self.bad *= factor;
        self.excess *= factor;
        self.squares *= factor;
    }

    /// Adds a steady bucket of `calls` calls, `bad` of them bad. Its
    /// distance from the rate learned so far counts towards the dispersion
    /// once the rate rests on `settled` calls or more (before that, the
    /// learned rate is too rough to measure distances from).
    pub(crate) fn add(&mut self, calls: u64, bad: u64, settled: f64) {
        if calls == 0 {
            return;
        }
        let (n, k) = (calls as f64, bad as f64);
        if self.calls >= settled {
            let p = self.estimate();
            self.excess += (k - n * p).powi(2) - n * p * (1.0 - p);
            self.squares += n * n;
        }
        self.calls += n;
        self.bad += k;
    }

    /// The faded number of calls learned.
    pub(crate) fn calls(&self) -> f64 {
        self.calls
    }

    /// The rate the faded counts give (half a bad call in one call as a
    /// prior, which keeps it off exactly 0 and 1).
    pub(crate) fn estimate(&self) -> f64 {
        (self.bad + 0.5) / (self.calls + 1.0)
    }

    /// The spread the faded counts give.
    fn spread_estimate(&self) -> f64 {
        if self.squares <= 0.0 {
            0.0
        } else {
            (self.excess / self.squares).max(0.0).sqrt()
        }
    }

    /// Moves the judged values to the estimates: downwards at once,
    /// upwards by at most `rise^hours` (plus [`ABSOLUTE_RISE_PER_HOUR`]),
    /// or freely with `None` (while warming up).
    pub(crate) fn publish(&mut self, pace: Option<(f64, f64)>) {
        let (rate, spread) = (self.estimate(), self.spread_estimate());
        self.paced = Some(match (self.paced, pace) {
            (Some(old), Some((rise, hours))) => Paced {
                rate: rate.min(capped(old.rate, rise, hours)),
                spread: spread.min(capped(old.spread, rise, hours)),
            },
            _ => Paced { rate, spread },
        });
    }

    /// The rate judged by.
    pub(crate) fn rate(&self) -> f64 {
        self.paced.map_or_else(|| self.estimate(), |p| p.rate)
    }

    /// The spread judged by.
    pub(crate) fn spread(&self) -> f64 {
        self.paced
            .map_or_else(|| self.spread_estimate(), |p| p.spread)
    }

    /// The intra-window correlation the spread amounts to, for the
    /// bound's dispersion `1 + (n − 1)·ρ`.
    pub(crate) fn rho(&self) -> f64 {
        let p = self.rate().clamp(1e-6, 1.0 - 1e-6);
        (self.spread().powi(2) / (p * (1.0 - p))).min(1.0)
    }
}

/// The most a rate may reach from `old` after `hours` at `rise` per hour.
fn capped(old: f64, rise: f64, hours: f64) -> f64 {
    old * rise.powf(hours) + ABSOLUTE_RISE_PER_HOUR * hours
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_follows_the_counts_and_fades() {
        let mut r = LearnedRate::default();
        for _ in 0..100 {
            r.add(100, 1, 1000.0);
        }
        assert!((r.estimate() - 0.01).abs() < 1e-4);
        r.fade(0.5);
        assert_eq!(r.calls(), 5000.0);
        assert!((r.estimate() - 0.01).abs() < 1e-4);
    }

    #[test]
    fn clumped_failures_show_as_spread_and_chance_does_not() {
        // Every bucket exactly at the rate: less spread than chance, so none.
        let mut even = LearnedRate::default();
        // Buckets alternating 0 % and 20 %: a spread of about 10 %.
        let mut clumped = LearnedRate::default();
        for i in 0..200 {
            even.add(100, 10, 100.0);
            clumped.add(100, if i % 2 == 0 { 0 } else { 20 }, 100.0);
        }
        even.publish(None);
        clumped.publish(None);
        assert_eq!(even.spread(), 0.0);
        assert!(
            (clumped.spread() - 0.1).abs() < 0.01,
            "{}",
            clumped.spread()
        );
        assert!(clumped.rho() > 0.05);
    }

    #[test]
    fn the_judged_rate_rises_at_a_bounded_pace_and_falls_at_once() {
        let mut r = LearnedRate::default();
        r.add(10_000, 100, 1e9);
        r.publish(None);
        assert!((r.rate() - 0.01).abs() < 1e-4);
        // The counts say 50 % now; an hour later the judged rate has at most
        // doubled (plus half a point).
        r.fade(0.0);
        r.add(10_000, 5_000, 1e9);
        r.publish(Some((2.0, 1.0)));
        assert!(r.rate() <= 0.01 * 2.0 + 0.005 + 1e-4, "{}", r.rate());
        assert!(r.estimate() > 0.49);
        // Falling: at once.
        r.fade(0.0);
        r.add(10_000, 0, 1e9);
        r.publish(Some((2.0, 0.01)));
        assert!(r.rate() < 1e-3);
    }
}
