//! Status → outcome: which answers say the server is unwell.

use std::sync::Arc;
use std::time::Duration;

use circuit_core::Outcome;
use http::{HeaderMap, Response, StatusCode};

use super::retry_after::{DEFAULT_RETRY_AFTER_CAP, retry_after};
use super::{Classify, Verdict};

/// The default outcome of a status, as [`HttpClassifier::new`] has it:
///
/// | status | outcome | why |
/// |---|---|---|
/// | 1xx, 2xx | [`Success`](Outcome::Success) | the server answered ([`HttpClassifier::informational`] changes 1xx) |
/// | 3xx | [`Failure`](Outcome::Failure) | an API that redirects is usually misrouted (a moved host, a login or maintenance page); [`HttpClassifier::redirects`] changes it |
/// | 408, 429 | [`Failure`](Outcome::Failure) | the server timed out or is shedding load |
/// | other 4xx | [`Ignored`](Outcome::Ignored) | the caller's mistake says nothing of the server's health |
/// | 5xx | [`Failure`](Outcome::Failure) | the server is unwell |
/// | 600–999 | [`Failure`](Outcome::Failure) | not HTTP as RFC 9110 knows it |
///
/// A client that follows redirects itself (reqwest does by default) only
/// shows the final answer, so 3xx reaches the classifier only when a
/// redirect was not followed; `304 Not Modified` is a 3xx too, and a
/// client that sends conditional requests should make it a success.
pub const fn default_outcome(status: StatusCode) -> Outcome {
    match status.as_u16() {
        100..=299 => Outcome::Success,
        408 | 429 => Outcome::Failure,
        400..=499 => Outcome::Ignored,
        _ => Outcome::Failure,
    }
}

/// Classifies HTTP answers: a status table ([`default_outcome`] unless
/// told otherwise per status) and the `Retry-After` hint of 429 and 503
/// answers, capped.
///
/// ```
/// use circuit_core::Outcome;
/// use circuit_http::HttpClassifier;
/// use http::StatusCode;
///
/// let classifier = HttpClassifier::new()
///     .redirects(Outcome::Success)
///     .status(StatusCode::NOT_FOUND, Outcome::Failure);
/// assert_eq!(classifier.outcome(StatusCode::SERVICE_UNAVAILABLE), Outcome::Failure);
/// assert_eq!(classifier.outcome(StatusCode::NOT_FOUND), Outcome::Failure);
/// assert_eq!(classifier.outcome(StatusCode::CONFLICT), Outcome::Ignored);
/// assert_eq!(classifier.outcome(StatusCode::FOUND), Outcome::Success);
/// ```
///
/// As a [`Classify`] of `Result<http::Response<B>, E>`, an `Err` (no
/// answer: connection refused, reset, a timeout layer's error) is a
/// [`Failure`](Outcome::Failure). Cloning is cheap (one reference count,
/// none with the default table), so a layer can clone it per request.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpClassifier {
    informational: Outcome,
    redirects: Outcome,
    /// Per-status outcomes, sorted by status.
    overrides: Option<Arc<[(u16, Outcome)]>>,
    retry_after_cap: Duration,
}

impl Default for HttpClassifier {
    fn default() -> Self {
        Self::new()
    }
}

impl HttpClassifier {
    /// The table of [`default_outcome`], `Retry-After` capped at
    /// [`DEFAULT_RETRY_AFTER_CAP`].
    pub const fn new() -> Self {
        Self {
            informational: Outcome::Success,
            redirects: Outcome::Failure,
            overrides: None,
            retry_after_cap: DEFAULT_RETRY_AFTER_CAP,
        }
    }

    /// The outcome of every 1xx status without a per-status outcome
    /// (default [`Success`](Outcome::Success)). Most clients never show a
    /// 1xx as the final answer; one that does (a `101 Switching Protocols`
    /// the client did not ask for) broke the exchange, and a client that
    /// wants it counted against the server says
    /// `.informational(Outcome::Failure)`, as fastapi-client does.
    #[must_use]
    pub const fn informational(mut self, outcome: Outcome) -> Self {
        self.informational = outcome;
        self
    }

    /// The outcome of every 3xx status without a per-status outcome.
    #[must_use]
    pub const fn redirects(mut self, outcome: Outcome) -> Self {
        self.redirects = outcome;
        self
    }

    /// The outcome of one status; it wins over the class rules. Setting a
    /// status again replaces its outcome.
    #[must_use]
    pub fn status(mut self, status: StatusCode, outcome: Outcome) -> Self {
        let code = status.as_u16();
        let mut table: Vec<(u16, Outcome)> = self.overrides.as_deref().unwrap_or(&[]).to_vec();
        match table.binary_search_by_key(&code, |(c, _)| *c) {
            Ok(i) => table[i].1 = outcome,
            Err(i) => table.insert(i, (code, outcome)),
        }
        self.overrides = Some(table.into());
        self
    }

    /// The longest `Retry-After` taken from an answer (default
    /// [`DEFAULT_RETRY_AFTER_CAP`]).
    #[must_use]
    pub fn retry_after_cap(mut self, cap: Duration) -> Self {
        self.retry_after_cap = cap;
        self
    }

    /// The outcome of an answer with this status.
    pub fn outcome(&self, status: StatusCode) -> Outcome {
        let code = status.as_u16();
        if let Some(table) = &self.overrides {
            if let Ok(i) = table.binary_search_by_key(&code, |(c, _)| *c) {
                return table[i].1;
            }
        }
        if status.is_informational() {
            self.informational
        } else if status.is_redirection() {
            self.redirects
        } else {
            default_outcome(status)
        }
    }

    /// The outcome of an answer and its `Retry-After` hint.
    pub fn verdict(&self, status: StatusCode, headers: &HeaderMap) -> Verdict {
        let outcome = self.outcome(status);
        let retry_after = match outcome {
            Outcome::Failure | Outcome::Timeout => {
                retry_after(status, headers, self.retry_after_cap)
            }
            _ => None,
        };
        Verdict {
            outcome,
            retry_after,
        }
    }
}

impl<B, E> Classify<Response<B>, E> for HttpClassifier {
    fn classify(&self, result: &Result<Response<B>, E>) -> Verdict {
        match result {
            Ok(response) => self.verdict(response.status(), response.headers()),
            Err(_) => Outcome::Failure.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;
    use http::header::RETRY_AFTER;

    use super::*;

    fn code(n: u16) -> StatusCode {
        StatusCode::from_u16(n).unwrap()
    }

    #[test]
    fn the_default_table() {
        let c = HttpClassifier::new();
        for n in [100, 200, 201, 204, 299] {
            assert_eq!(c.outcome(code(n)), Outcome::Success, "{n}");
        }
        for n in [
            300, 301, 302, 304, 307, 308, 408, 429, 500, 502, 503, 504, 599, 600, 999,
        ] {
            assert_eq!(c.outcome(code(n)), Outcome::Failure, "{n}");
        }
        for n in [400, 401, 403, 404, 409, 410, 422, 499] {
            assert_eq!(c.outcome(code(n)), Outcome::Ignored, "{n}");
        }
    }

    #[test]
    fn per_status_outcomes_win_and_replace_each_other() {
        let c = HttpClassifier::new()
            .redirects(Outcome::Ignored)
            .status(StatusCode::NOT_MODIFIED, Outcome::Success)
            .status(StatusCode::GATEWAY_TIMEOUT, Outcome::Timeout)
            .status(StatusCode::NOT_FOUND, Outcome::Failure)
            .status(StatusCode::NOT_FOUND, Outcome::Ignored)
            .status(StatusCode::SERVICE_UNAVAILABLE, Outcome::Ignored);
        assert_eq!(c.outcome(StatusCode::NOT_MODIFIED), Outcome::Success);
        assert_eq!(c.outcome(StatusCode::FOUND), Outcome::Ignored);
        assert_eq!(c.outcome(StatusCode::GATEWAY_TIMEOUT), Outcome::Timeout);
        assert_eq!(c.outcome(StatusCode::NOT_FOUND), Outcome::Ignored);
        assert_eq!(c.outcome(StatusCode::SERVICE_UNAVAILABLE), Outcome::Ignored);
        assert_eq!(c.outcome(StatusCode::BAD_GATEWAY), Outcome::Failure);
    }

    #[test]
    fn informational_answers_follow_their_own_rule() {
        let c = HttpClassifier::new().informational(Outcome::Failure);
        for n in [100, 101, 103, 199] {
            assert_eq!(c.outcome(code(n)), Outcome::Failure, "{n}");
            assert_eq!(
                HttpClassifier::new().outcome(code(n)),
                Outcome::Success,
                "{n}"
            );
        }
        assert_eq!(c.outcome(StatusCode::OK), Outcome::Success);
        let c = c.status(StatusCode::SWITCHING_PROTOCOLS, Outcome::Ignored);
        assert_eq!(c.outcome(StatusCode::SWITCHING_PROTOCOLS), Outcome::Ignored);
        assert_eq!(c.outcome(StatusCode::CONTINUE), Outcome::Failure);
    }

    #[test]
    fn a_failed_answer_carries_its_capped_retry_after() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("30"));
        let c = HttpClassifier::new().retry_after_cap(Duration::from_secs(10));
        let v = c.verdict(StatusCode::TOO_MANY_REQUESTS, &headers);
        assert_eq!(v.outcome, Outcome::Failure);
        assert_eq!(v.retry_after, Some(Duration::from_secs(10)));
        // A 503 the user chose to ignore opens nothing, so it needs no hint.
        let ignoring = c.status(StatusCode::SERVICE_UNAVAILABLE, Outcome::Ignored);
        assert_eq!(
            ignoring.verdict(StatusCode::SERVICE_UNAVAILABLE, &headers),
            Verdict::from(Outcome::Ignored)
        );
    }

    #[test]
    fn classifies_responses_and_errors() {
        let c = HttpClassifier::new();
        let ok: Result<Response<()>, &str> = Ok(Response::new(()));
        assert_eq!(c.classify(&ok).outcome, Outcome::Success);
        let mut unavailable = Response::new(());
        *unavailable.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        unavailable
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from_static("2"));
        let verdict = c.classify(&Ok::<_, &str>(unavailable));
        assert_eq!(verdict.retry_after, Some(Duration::from_secs(2)));
        let refused: Result<Response<()>, &str> = Err("connection refused");
        assert_eq!(c.classify(&refused), Verdict::from(Outcome::Failure));
    }
}
