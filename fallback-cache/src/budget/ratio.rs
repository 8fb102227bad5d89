//! The share of the budget a conservative plan may allocate.

use std::fmt;

use crate::Error;

const MILLION: u32 = 1_000_000;

/// A ratio in (0, 1], held exactly as parts per million. Default 0.8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ratio {
    ppm: u32,
}

impl Ratio {
    /// The default: 80 %.
    pub const DEFAULT: Self = Self { ppm: 800_000 };
    /// 100 %.
    pub const FULL: Self = Self { ppm: MILLION };

    /// Validates `ratio` and rounds it to the nearest millionth.
    ///
    /// # Errors
    /// [`Error::InvalidRatio`] if `ratio` is NaN, outside (0, 1], or rounds
    /// to zero millionths.
    pub fn new(ratio: f64) -> Result<Self, Error> {
        if !(ratio > 0.0 && ratio <= 1.0) {
            return Err(Error::InvalidRatio { ratio });
        }
        // In (0, 1e6], so the cast is exact after rounding.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let ppm = (ratio * f64::from(MILLION)).round() as u32;
        if ppm == 0 {
            return Err(Error::InvalidRatio { ratio });
        }
        Ok(Self { ppm })
    }

    /// The ratio in millionths.
    pub fn parts_per_million(self) -> u32 {
        self.ppm
    }

    /// The ratio as a float.
    pub fn as_f64(self) -> f64 {
        f64::from(self.ppm) / f64::from(MILLION)
    }

    /// `floor(cents * ratio)`, exactly.
    pub(crate) fn apply(self, cents: u64) -> u64 {
        let scaled = u128::from(cents) * u128::from(self.ppm) / u128::from(MILLION);
        // Never more than `cents`.
        u64::try_from(scaled).unwrap_or(cents)
    }
}

impl Default for Ratio {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_f64())
    }
}
