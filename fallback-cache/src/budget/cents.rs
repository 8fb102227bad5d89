//! Money between `f64` and integer cents.

use crate::Error;

/// The largest budget or cap accepted: 10 trillion. Up to here every cent
/// amount is exact in an `f64` (cents stay below 2^53) and distinct cent
/// amounts are distinct `f64`s.
pub const MAX_AMOUNT: f64 = 1e13;

/// `value` in whole cents: exact for decimal cent amounts, floored for
/// anything finer.
pub(crate) fn to_cents(value: f64, field: &'static str) -> Result<u64, Error> {
    if !value.is_finite() || value <= 0.0 {
        return Err(Error::InvalidAmount { field, value });
    }
    if value > MAX_AMOUNT {
        return Err(Error::AmountTooLarge {
            field,
            value,
            max: MAX_AMOUNT,
        });
    }
    // In range, `value * 100` is below 2^53, so the cast is exact.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let nearest = (value * 100.0).round() as u64;
    if from_cents(nearest) == value {
        return Ok(nearest);
    }
    Ok(floor_times_100(value))
}

/// `cents / 100`, correctly rounded.
pub(crate) fn from_cents(cents: u64) -> f64 {
    // Cents never exceed 2^53 here, so the conversion is exact.
    #[allow(clippy::cast_precision_loss)]
    let c = cents as f64;
    c / 100.0
}

/// `floor(100 * value)` computed exactly from the bits, for a positive
/// finite `value` at most [`MAX_AMOUNT`].
fn floor_times_100(value: f64) -> u64 {
    let bits = value.to_bits();
    let exp_bits = (bits >> 52) & 0x7ff;
    let frac = bits & ((1 << 52) - 1);
    let (mantissa, exp) = if exp_bits == 0 {
        (frac, -1074_i64)
    } else {
        (
            frac | (1 << 52),
            i64::try_from(exp_bits).unwrap_or(0) - 1075,
        )
    };
    let scaled = u128::from(mantissa) * 100;
    let floored = if exp >= 0 {
        scaled << exp.min(60)
    } else if -exp >= 128 {
        0
    } else {
        scaled >> (-exp)
    };
    u64::try_from(floored).unwrap_or(u64::MAX)
}

/// The `remaining` that makes `allocated + remaining == total` exactly in
/// `f64`, nudging `allocated` by one ulp if no remainder can. Returns the
/// (possibly nudged) allocated amount and the remainder.
pub(crate) fn complement(total: f64, allocated: f64) -> (f64, f64) {
    let nudged = [allocated, next_up(allocated), next_down(allocated)];
    for a in nudged.into_iter().filter(|a| (0.0..=total).contains(a)) {
        let mut r = (total - a).max(0.0);
        for _ in 0..4 {
            let sum = a + r;
            if sum == total {
                return (a, r);
            }
            r = if sum > total {
                next_down(r)
            } else {
                next_up(r)
            };
        }
    }
    (allocated, (total - allocated).max(0.0))
}

fn next_up(x: f64) -> f64 {
    if x.is_nan() || x == f64::INFINITY {
        return x;
    }
    if x == 0.0 {
        return f64::from_bits(1);
    }
    let bits = x.to_bits();
    f64::from_bits(if x > 0.0 { bits + 1 } else { bits - 1 })
}

fn next_down(x: f64) -> f64 {
    -next_up(-x)
}
