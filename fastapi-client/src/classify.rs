//! What a response or an error means for the breaker: circuit-http's
//! [`HttpClassifier`], set for a client that follows no redirect.

use circuit_core::Outcome;
use circuit_http::HttpClassifier;
use reqwest::StatusCode;

use crate::ClientError;

/// The `Retry-After` of a 429 or 503, capped: circuit-http's, delta-seconds
/// (fractions accepted) or an HTTP date. Other statuses' hints are ignored,
/// as RFC 9110 gives them no meaning for a failed request.
pub(crate) use circuit_http::retry_after;

/// circuit-http's default table (5xx, 408 and 429 fail, other 4xx are
/// ignored, 3xx fails: this client follows no redirect), except that a
/// final 1xx fails too: the exchange broke (circuit-http's default counts a
/// 1xx as an answer).
static CLASSIFIER: HttpClassifier = HttpClassifier::new().informational(Outcome::Failure);

/// Whether an error status says the backend is unwell (5xx, 429 Too Many
/// Requests, 408 Request Timeout) or broke the exchange (a redirect,
/// which the client does not follow, or a final 1xx) rather than that the
/// caller asked for something wrong (any other 4xx). A number that is no
/// HTTP status at all fails too.
pub(crate) fn status_is_failure(status: u16) -> bool {
    StatusCode::from_u16(status).map_or(true, |status| {
        CLASSIFIER.outcome(status) == Outcome::Failure
    })
}

/// The breaker outcome of a failed call.
pub(crate) fn outcome_of(error: &ClientError) -> Outcome {
    match error {
        ClientError::Timeout { .. } => Outcome::Timeout,
        e if e.is_backend_failure() => Outcome::Failure,
        _ => Outcome::Ignored,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use reqwest::header::{HeaderMap, RETRY_AFTER};

    use super::*;

    #[test]
    fn server_trouble_fails_and_caller_mistakes_do_not() {
        for status in [
            500, 502, 503, 504, 429, 408, 301, 302, 303, 304, 307, 308, 100, 101, 199, 600, 999,
        ] {
            assert!(status_is_failure(status), "{status}");
        }
        for status in [400, 401, 403, 404, 409, 422, 499] {
            assert!(!status_is_failure(status), "{status}");
        }
        // Not a status: a failure, never a panic.
        assert!(status_is_failure(0) && status_is_failure(1000));
    }

    #[test]
    fn a_final_1xx_fails_here_unlike_circuit_http_s_default() {
        let informational = StatusCode::SWITCHING_PROTOCOLS;
        assert_eq!(
            HttpClassifier::new().outcome(informational),
            Outcome::Success
        );
        assert!(status_is_failure(informational.as_u16()));
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

    /// The one change from the client's former private parser: a number
    /// of seconds too large for a `Duration` was no hint at all; it is now
    /// the cap, as the server plainly asked for a long wait.
    #[test]
    fn a_huge_retry_after_is_the_cap() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "1e300".parse().unwrap());
        let cap = Duration::from_secs(300);
        assert_eq!(
            retry_after(StatusCode::SERVICE_UNAVAILABLE, &headers, cap),
            Some(cap)
        );
        headers.insert(RETRY_AFTER, "inf".parse().unwrap());
        assert_eq!(
            retry_after(StatusCode::SERVICE_UNAVAILABLE, &headers, cap),
            None
        );
    }
}
