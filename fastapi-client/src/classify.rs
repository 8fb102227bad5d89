//! What a response or an error means for the breaker.

use std::time::{Duration, SystemTime};

use circuit_core::Outcome;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::ClientError;

/// Whether an error status says the backend is unwell (5xx, 429 Too Many
/// Requests, 408 Request Timeout) or broke the exchange (a redirect,
/// which the client does not follow, or a final 1xx) rather than that the
/// caller asked for something wrong (any other 4xx).
pub(crate) fn status_is_failure(status: u16) -> bool {
    !(400..500).contains(&status) || status == 429 || status == 408
}

/// The breaker outcome of a failed call.
pub(crate) fn outcome_of(error: &ClientError) -> Outcome {
    match error {
        ClientError::Timeout { .. } => Outcome::Timeout,
        e if e.is_backend_failure() => Outcome::Failure,
        _ => Outcome::Ignored,
    }
}

/// The `Retry-After` of a 429 or 503, capped at `cap`: delta-seconds
/// (fractions accepted) or an HTTP date. Other statuses' hints are ignored,
/// as RFC 9110 gives them no meaning for a failed request.
pub(crate) fn retry_after(
    status: StatusCode,
    headers: &HeaderMap,
    cap: Duration,
) -> Option<Duration> {
    if status != StatusCode::TOO_MANY_REQUESTS && status != StatusCode::SERVICE_UNAVAILABLE {
        return None;
    }
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    parse_retry_after(value, SystemTime::now()).map(|d| d.min(cap))
}

fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0)
            .then(|| Duration::try_from_secs_f64(seconds).ok())
            .flatten();
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_trouble_fails_and_caller_mistakes_do_not() {
        for status in [
            500, 502, 503, 504, 429, 408, 301, 302, 303, 307, 308, 100, 199,
        ] {
            assert!(status_is_failure(status), "{status}");
        }
        for status in [400, 401, 403, 404, 409, 422] {
            assert!(!status_is_failure(status), "{status}");
        }
    }

    #[test]
    fn retry_after_takes_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("0.5", now),
            Some(Duration::from_millis(500))
        );
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
        let later = httpdate::fmt_http_date(now + Duration::from_secs(120));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(120))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(120));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
    }

    #[test]
    fn retry_after_only_for_429_and_503_and_capped() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "3600".parse().unwrap());
        let cap = Duration::from_secs(60);
        assert_eq!(
            retry_after(StatusCode::SERVICE_UNAVAILABLE, &headers, cap),
            Some(cap)
        );
        assert_eq!(
            retry_after(StatusCode::TOO_MANY_REQUESTS, &headers, Duration::MAX),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(
            retry_after(StatusCode::INTERNAL_SERVER_ERROR, &headers, cap),
            None
        );
    }
}
