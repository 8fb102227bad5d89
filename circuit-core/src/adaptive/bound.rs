//! The statistical bound: when is a window's share of bad calls (failures,
//! or slow calls) too far above the learned normal to be chance?
//!
//! A window of `n` calls with `k` bad ones, against a normal rate `p`, is
//! judged by the Chernoff bound on the binomial tail:
//!
//! ```text
//! P(X >= k | n, p) <= exp(-n · KL(k/n ‖ p))      (k/n > p)
//! ```
//!
//! where `KL` is the Kullback–Leibler divergence of two Bernoulli rates.
//! Real traffic is burstier than coin flips (bad calls come in clumps, the
//! rate drifts), so the evidence is divided by the learned dispersion
//! `φ(n) = 1 + (n − 1)·ρ`, the variance inflation of a beta-binomial with
//! intra-window correlation `ρ`. The window *exceeds* the normal when
//!
//! ```text
//! n ≥ 1  and  k/n ≥ floor  and  (k/n ≥ ceiling  or  n·KL(k/n ‖ p) / φ(n) ≥ ln(1/significance))
//! ```
//!
//! Every part of that test, for a fixed `k`, can only turn from true to
//! false as `n` grows (`n·KL(k/n ‖ p)` falls with `n` while `k/n > p`,
//! `φ` grows). So successes, which add to `n` only, can trip the breaker
//! at the first success that brings the window to `min_requests` or never:
//! that is what makes `may_trip_on_success` exact and cheap.

/// Consecutive failures never open the breaker below this run, however
/// clean the backend's normal: two failures in a row are too common a
/// coincidence (a client's bad batch, one restarted pod) to cut a backend
/// off.
pub(crate) const MIN_RUN: u32 = 3;

/// What a window is judged against: the learned normal rate, its
/// dispersion and the rules' limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bound {
    /// The normal rate of bad calls.
    pub(crate) normal: f64,
    /// Intra-window correlation (0: independent calls).
    pub(crate) rho: f64,
    /// `ln(1 / significance)`: the evidence needed.
    pub(crate) evidence: f64,
    /// No rate below this exceeds.
    pub(crate) floor: f64,
    /// Every rate at or above this exceeds.
    pub(crate) ceiling: f64,
}

impl Bound {
    /// Whether `bad` of `calls` exceeds the normal (see the module docs).
    pub(crate) fn exceeds(&self, bad: u64, calls: u64) -> bool {
        if calls == 0 {
            return false;
        }
        let rate = bad as f64 / calls as f64;
        rate >= self.floor && (rate >= self.ceiling || self.weight(rate, calls) >= self.evidence)
    }

    /// The evidence that `rate` over `calls` calls is above normal.
    fn weight(&self, rate: f64, calls: u64) -> f64 {
        if rate <= self.normal {
            return 0.0;
        }
        let n = calls as f64;
        n * kl(rate, self.normal) / self.dispersion(n)
    }

    fn dispersion(&self, n: f64) -> f64 {
        1.0 + (n - 1.0).max(0.0) * self.rho
    }

    /// The lowest rate that exceeds the normal in a window of `calls`
    /// calls (continuous: a count `k` exceeds when `k / calls` reaches it,
    /// up to rounding).
    pub(crate) fn threshold(&self, calls: u64) -> f64 {
        let calls = calls.max(1);
        let low = self.floor.max(self.normal);
        if self.weight(low, calls) >= self.evidence {
            return self.floor.min(self.ceiling);
        }
        if self.weight(self.ceiling, calls) < self.evidence {
            return self.ceiling;
        }
        // The weight grows with the rate above normal: bisect.
        let (mut lo, mut hi) = (low, self.ceiling);
        for _ in 0..60 {
            let mid = 0.5 * (lo + hi);
            if self.weight(mid, calls) >= self.evidence {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi
    }

    /// The shortest run of consecutive failures that is as unlikely as the
    /// evidence demands for calls failing independently at `rate`:
    /// `rate^run <= significance`, at least [`MIN_RUN`], at most the run
    /// the ceiling rate would give.
    pub(crate) fn run(&self, rate: f64) -> u32 {
        let needed = |rate: f64| {
            let rate = rate.clamp(1e-12, 1.0 - 1e-12);
            (self.evidence / -rate.ln()).ceil()
        };
        let most = needed(self.ceiling).max(f64::from(MIN_RUN));
        let run = needed(rate.min(self.ceiling)).clamp(f64::from(MIN_RUN), most);
        // At most a few hundred: exact in u32.
        run as u32
    }
}

/// Kullback–Leibler divergence of Bernoulli(`r`) from Bernoulli(`p`).
pub(crate) fn kl(r: f64, p: f64) -> f64 {
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    let term = |x: f64, y: f64| if x <= 0.0 { 0.0 } else { x * (x / y).ln() };
    term(r, p) + term(1.0 - r, 1.0 - p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bound(normal: f64, rho: f64) -> Bound {
        Bound {
            normal,
            rho,
            evidence: (1e6f64).ln(),
            floor: 0.05,
            ceiling: 0.8,
        }
    }

    /// P(X >= k) for X ~ Binomial(n, p), summed exactly in log space.
    fn binomial_tail(k: u64, n: u64, p: f64) -> f64 {
        let mut ln_choose: f64 = (1..=k).map(|i| ((n - k + i) as f64 / i as f64).ln()).sum();
        let mut tail = 0.0;
        for i in k..=n {
            tail += (ln_choose + i as f64 * p.ln() + (n - i) as f64 * (1.0 - p).ln()).exp();
            ln_choose += ((n - i) as f64 / (i + 1) as f64).ln();
        }
        tail
    }

    #[test]
    fn the_bound_holds_against_the_exact_binomial_tail() {
        // The fewest failures the test calls convincing, on evidence
        // alone, are less likely than the significance at the normal rate
        // (more failures are less likely still).
        for normal in [0.01, 0.02, 0.3] {
            let b = Bound {
                floor: 0.0,
                // Out of reach: evidence alone decides.
                ceiling: 2.0,
                ..bound(normal, 0.0)
            };
            for n in [10u64, 50, 200, 1000] {
                if let Some(k) = (0..=n).find(|k| b.exceeds(*k, n)) {
                    let tail = binomial_tail(k, n, normal);
                    assert!(tail <= 1e-6, "{k} of {n} at {normal}: {tail}");
                    // And the bound is not wildly loose: one failure fewer
                    // would be far likelier.
                    assert!(binomial_tail(k - 1, n, normal) > 1e-9, "{k} of {n}");
                }
            }
        }
    }

    #[test]
    fn thresholds_shrink_with_more_calls_and_respect_floor_and_ceiling() {
        let b = bound(0.01, 0.0);
        // Ten calls at a 1 % normal: only a rate near one in two is
        // convincing; 1200 calls: the floor.
        let few = b.threshold(10);
        assert!(few > 0.4 && few < 0.6, "{few}");
        assert_eq!(b.threshold(1200), 0.05);
        // A noisy normal of 50 %: well above it, and dispersion adds more.
        let noisy = bound(0.5, 0.0).threshold(1200);
        assert!(noisy > 0.55 && noisy < 0.6, "{noisy}");
        assert!(bound(0.5, 0.004).threshold(1200) > noisy + 0.05);
        // Nothing is convincing at a 79 % normal but the ceiling.
        assert_eq!(bound(0.79, 0.0).threshold(100), 0.8);
    }

    #[test]
    fn exceeding_agrees_with_the_threshold() {
        for normal in [0.001, 0.01, 0.2, 0.5] {
            let b = bound(normal, 0.001);
            for n in [10u64, 60, 600, 3000] {
                let t = b.threshold(n);
                for k in 0..=n {
                    let rate = k as f64 / n as f64;
                    if (rate - t).abs() > 1e-9 {
                        assert_eq!(
                            b.exceeds(k, n),
                            rate > t,
                            "normal {normal}, {k} of {n}, t {t}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn more_calls_with_the_same_failures_never_start_exceeding() {
        // What makes `may_trip_on_success` exact.
        for normal in [0.001, 0.01, 0.1, 0.5] {
            for rho in [0.0, 0.002] {
                let b = bound(normal, rho);
                for k in 0..60u64 {
                    let mut was = true;
                    for n in k.max(1)..2000 {
                        let now = b.exceeds(k, n);
                        assert!(was || !now, "normal {normal}, rho {rho}: {k} of {n}");
                        was = now;
                    }
                }
            }
        }
    }

    #[test]
    fn runs_follow_the_normal_rate() {
        let b = bound(0.01, 0.0);
        assert_eq!(b.run(0.01), 3);
        assert_eq!(b.run(0.0), MIN_RUN);
        assert_eq!(b.run(0.1), 6);
        assert_eq!(b.run(0.5), 20);
        // Capped by the ceiling's run.
        assert_eq!(b.run(0.99), b.run(0.8));
        assert_eq!(b.run(0.8), 62);
    }

    #[test]
    fn divergence_is_zero_only_at_the_normal() {
        assert_eq!(kl(0.3, 0.3), 0.0);
        assert!(kl(0.31, 0.3) > 0.0 && kl(0.29, 0.3) > 0.0);
        assert!((kl(1.0, 0.5) - 2f64.ln()).abs() < 1e-12);
        assert!(kl(0.0, 0.0).is_finite() && kl(1.0, 1.0).is_finite());
    }
}
