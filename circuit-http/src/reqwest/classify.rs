//! The HTTP classifier over reqwest's results.

use circuit_core::Outcome;

use super::rejection;
use crate::{Classify, HttpClassifier, Verdict};

/// As for any HTTP answer: the status table and `Retry-After`. Errors:
/// a timeout is a [`Timeout`](Outcome::Timeout); a rejection by another
/// breaker further in is [`Ignored`](Outcome::Ignored) (the host was not
/// asked); a request that could not be built is
/// [`Ignored`](Outcome::Ignored) (it was never sent); anything else
/// (connection refused or reset, a body cut short, retries given up) is a
/// [`Failure`](Outcome::Failure).
impl Classify<reqwest::Response, reqwest_middleware::Error> for HttpClassifier {
    fn classify(&self, result: &Result<reqwest::Response, reqwest_middleware::Error>) -> Verdict {
        let outcome = match result {
            Ok(response) => return self.verdict(response.status(), response.headers()),
            Err(reqwest_middleware::Error::Reqwest(e)) if e.is_timeout() => Outcome::Timeout,
            Err(reqwest_middleware::Error::Reqwest(e)) if e.is_builder() => Outcome::Ignored,
            Err(e) if rejection(e).is_some() => Outcome::Ignored,
            Err(_) => Outcome::Failure,
        };
        outcome.into()
    }
}
