//! The demo's only source of randomness: SplitMix64 over the `--seed`.
//!
//! A few lines of arithmetic instead of a crate keep every draw stable
//! across dependency upgrades, which is what "deterministic for a seed"
//! needs: the dataset, the campaigns, the planners' choices and the
//! injected faults all come from here.

/// A small, fast, seedable generator (SplitMix64).
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    state: u64,
}

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

impl Rng {
    /// A generator for `seed`, kept apart from other uses of the same seed
    /// by `stream` (e.g. one stream per planner).
    pub(crate) fn new(seed: u64, stream: u64) -> Self {
        Self {
            state: mix(seed ^ mix(stream.wrapping_add(GOLDEN_GAMMA))),
        }
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        mix(self.state)
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        unit_of(self.next_u64())
    }

    /// Uniform in `[low, high)`.
    pub(crate) fn range(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }

    /// Uniform index below `len` (0 when `len` is 0).
    pub(crate) fn index(&mut self, len: usize) -> usize {
        // Truncation is the point: a unit draw scaled to an index.
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let i = (self.unit() * len as f64) as usize;
        i.min(len.saturating_sub(1))
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One item of a non-empty slice.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }
}

/// A stateless draw in `[0, 1)` for `(seed, a, b)`: the same inputs give the
/// same number whatever order requests arrive in.
pub(crate) fn hash_unit(seed: u64, a: u64, b: u64) -> f64 {
    unit_of(mix(seed ^ mix(a ^ mix(b.wrapping_add(GOLDEN_GAMMA)))))
}

/// The SplitMix64 finaliser.
const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The top 53 bits as a double in `[0, 1)`.
#[allow(clippy::cast_precision_loss)]
fn unit_of(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_and_stream_give_the_same_sequence() {
        let mut a = Rng::new(42, 1);
        let mut b = Rng::new(42, 1);
        let mut c = Rng::new(42, 2);
        let first: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        let second: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        let other: Vec<u64> = (0..8).map(|_| c.next_u64()).collect();
        assert_eq!(first, second);
        assert_ne!(first, other);
    }

    #[test]
    fn draws_stay_in_range() {
        let mut rng = Rng::new(7, 0);
        for _ in 0..10_000 {
            let u = rng.unit();
            assert!((0.0..1.0).contains(&u));
            assert!(rng.index(3) < 3);
            let r = rng.range(2.0, 5.0);
            assert!((2.0..5.0).contains(&r));
        }
        assert_eq!(rng.index(0), 0);
    }

    #[test]
    fn hash_unit_depends_on_every_input() {
        let base = hash_unit(1, 2, 3);
        assert_eq!(base, hash_unit(1, 2, 3));
        assert_ne!(base, hash_unit(9, 2, 3));
        assert_ne!(base, hash_unit(1, 9, 3));
        assert_ne!(base, hash_unit(1, 2, 9));
    }
}
