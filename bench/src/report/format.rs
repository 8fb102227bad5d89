//! Numbers as the tables print them.

/// Three significant digits, no exponent: `3.21`, `45.6`, `789`, `12345`.
pub(crate) fn num(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "n/a".into()
        } else {
            "∞".into()
        };
    }
    if x == 0.0 {
        return "0".into();
    }
    // Decimals for three significant digits, judged after rounding so that
    // 9.999 prints as 10.0, not 10.00.
    let decimals = |a: f64| match a {
        a if a < 1.0 => 3,
        a if a < 10.0 => 2,
        a if a < 100.0 => 1,
        _ => 0,
    };
    let first = decimals(x.abs());
    let rounded = format!("{x:.first$}").parse::<f64>().unwrap_or(x);
    let digits = decimals(rounded.abs()).min(first);
    format!("{x:.digits$}")
}

/// A ratio: `1.00×`, `12.3×`, `0.45×`.
pub(crate) fn ratio(r: f64) -> String {
    if r.is_finite() && r >= 0.0 {
        let digits = if r >= 100.0 {
            0
        } else if r >= 10.0 {
            1
        } else {
            2
        };
        format!("{r:.digits$}×")
    } else if r.is_nan() {
        "n/a".into()
    } else {
        "∞".into()
    }
}

/// Bytes, in B below 10 KiB and KiB or MiB above.
pub(crate) fn bytes(b: f64) -> String {
    let a = b.abs();
    if a < 10.0 * 1024.0 {
        format!("{} B", num(b))
    } else if a < 10.0 * 1024.0 * 1024.0 {
        format!("{} KiB", num(b / 1024.0))
    } else {
        format!("{} MiB", num(b / 1024.0 / 1024.0))
    }
}

/// A signed number: `+2.10`, `-2.00`, `0`.
pub(crate) fn signed(x: f64) -> String {
    format!("{}{}", if x > 0.0 { "+" } else { "" }, num(x))
}

/// Signed bytes: `+906 B`, `-12.0 B`.
pub(crate) fn signed_bytes(b: f64) -> String {
    format!("{}{}", if b > 0.0 { "+" } else { "" }, bytes(b))
}

/// A signed percentage change from a ratio: 1.04 → `+4.0 %`.
pub(crate) fn percent_change(r: f64) -> String {
    let p = (r - 1.0) * 100.0;
    format!("{}{} %", if p >= 0.0 { "+" } else { "" }, num(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_three_significant_digits() {
        assert_eq!(num(3.2149), "3.21");
        assert_eq!(num(45.66), "45.7");
        assert_eq!(num(789.4), "789");
        assert_eq!(num(12345.0), "12345");
        assert_eq!(num(0.1234), "0.123");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(-2.5), "-2.50");
        assert_eq!(num(f64::NAN), "n/a");
        assert_eq!(num(9.999), "10.0");
        assert_eq!(num(-9.999_999), "-10.0");
    }

    #[test]
    fn ratios_bytes_and_percentages() {
        assert_eq!(ratio(1.0), "1.00×");
        assert_eq!(ratio(12.34), "12.3×");
        assert_eq!(ratio(250.0), "250×");
        assert_eq!(ratio(f64::INFINITY), "∞");
        assert_eq!(bytes(32.0), "32.0 B");
        assert_eq!(bytes(20.0 * 1024.0), "20.0 KiB");
        assert_eq!(bytes(30.0 * 1024.0 * 1024.0), "30.0 MiB");
        assert_eq!(percent_change(1.04), "+4.00 %");
        assert_eq!(percent_change(0.9), "-10.0 %");
        assert_eq!(
            (signed(2.1), signed(-2.0), signed(0.0)),
            ("+2.10".into(), "-2.00".into(), "0".into())
        );
        assert_eq!(signed_bytes(906.0), "+906 B");
    }
}
