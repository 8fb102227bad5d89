//! `Retry-After` (RFC 9110 §10.2.3): how long a server asks to be left
//! alone, as delta-seconds or an HTTP date.

use std::time::{Duration, SystemTime};

use http::header::RETRY_AFTER;
use http::{HeaderMap, StatusCode};

/// The cap [`HttpClassifier`](super::HttpClassifier) puts on a
/// `Retry-After` unless told otherwise: 5 minutes. A server that asks for
/// hours is more likely misconfigured than right, and a breaker held open
/// that long would hide its recovery.
pub const DEFAULT_RETRY_AFTER_CAP: Duration = Duration::from_secs(5 * 60);

/// The `Retry-After` of a 429 Too Many Requests or 503 Service Unavailable
/// response, capped at `cap`, read against the system clock.
///
/// Other statuses' hints are ignored: RFC 9110 gives `Retry-After` a
/// meaning for a failed request only on 503 (and RFC 6585 on 429). A
/// missing or unreadable header is `None`.
///
/// ```
/// use circuit_http::retry_after;
/// use http::{HeaderMap, HeaderValue, StatusCode, header::RETRY_AFTER};
/// use std::time::Duration;
///
/// let mut headers = HeaderMap::new();
/// headers.insert(RETRY_AFTER, HeaderValue::from_static("120"));
/// let cap = Duration::from_secs(60);
/// assert_eq!(retry_after(StatusCode::SERVICE_UNAVAILABLE, &headers, cap), Some(cap));
/// assert_eq!(retry_after(StatusCode::INTERNAL_SERVER_ERROR, &headers, cap), None);
/// ```
pub fn retry_after(status: StatusCode, headers: &HeaderMap, cap: Duration) -> Option<Duration> {
    retry_after_at(status, headers, cap, SystemTime::now())
}

/// [`retry_after`] against a given wall-clock time (for HTTP dates).
pub fn retry_after_at(
    status: StatusCode,
    headers: &HeaderMap,
    cap: Duration,
    now: SystemTime,
) -> Option<Duration> {
    if status != StatusCode::TOO_MANY_REQUESTS && status != StatusCode::SERVICE_UNAVAILABLE {
        return None;
    }
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, now).map(|wait| wait.min(cap))
}

/// Parses a `Retry-After` value, uncapped: delta-seconds (a decimal
/// fraction is accepted, as some servers send one; a number too large for
/// a `Duration` reads as `Duration::MAX`) or an HTTP date in any of the
/// three formats RFC 9110 asks recipients to accept (a date in the past is
/// zero). Surrounding whitespace is ignored; anything else, negative
/// numbers included, is `None`.
///
/// ```
/// use circuit_http::parse_retry_after;
/// use std::time::{Duration, SystemTime};
///
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
/// assert_eq!(parse_retry_after("90", now), Some(Duration::from_secs(90)));
/// assert_eq!(
///     parse_retry_after("Wed, 21 Oct 2015 07:30:00 GMT", now),
///     Some(Duration::from_secs(120)),
/// );
/// assert_eq!(parse_retry_after("soon", now), None);
/// ```
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if value.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == '-' || c == '+') {
        let seconds = value.parse::<f64>().ok()?;
        if !(seconds.is_finite() && seconds >= 0.0) {
            return None;
        }
        return Some(Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn at(unix: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(unix)
    }

    #[test]
    fn delta_seconds_whole_fractional_huge_and_wrong() {
        let now = at(1_000_000_000);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("0.5", now),
            Some(Duration::from_millis(500))
        );
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::MAX)
        );
        for wrong in ["-1", "soon", "", "NaN", "inf", "3 seconds", "1e400x"] {
            assert_eq!(parse_retry_after(wrong, now), None, "{wrong:?}");
        }
    }

    #[test]
    fn http_dates_in_all_three_formats_and_in_the_past() {
        let now = at(784_111_777 - 120); // 2 minutes before Sun, 06 Nov 1994 08:49:37 GMT
        for date in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(
                parse_retry_after(date, now),
                Some(Duration::from_secs(120)),
                "{date}"
            );
        }
        let later = at(784_111_777 + 5);
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", later),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("Sun, 32 Nov 1994 08:49:37 GMT", now),
            None
        );
    }

    #[test]
    fn only_429_and_503_carry_a_hint_and_it_is_capped() {
        let now = at(1_000_000_000);
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("3600"));
        let cap = Duration::from_secs(60);
        let hint = |status| retry_after_at(status, &headers, cap, now);
        assert_eq!(hint(StatusCode::SERVICE_UNAVAILABLE), Some(cap));
        assert_eq!(hint(StatusCode::TOO_MANY_REQUESTS), Some(cap));
        assert_eq!(hint(StatusCode::INTERNAL_SERVER_ERROR), None);
        assert_eq!(hint(StatusCode::MOVED_PERMANENTLY), None);
        assert_eq!(
            retry_after_at(StatusCode::SERVICE_UNAVAILABLE, &HeaderMap::new(), cap, now),
            None
        );
        let mut unreadable = HeaderMap::new();
        unreadable.insert(RETRY_AFTER, HeaderValue::from_bytes(b"\xff").unwrap());
        assert_eq!(
            retry_after_at(StatusCode::SERVICE_UNAVAILABLE, &unreadable, cap, now),
            None
        );
    }
}
