//! Checking the configuration: the base URL, endpoints, the bearer header.

use reqwest::Url;
use reqwest::header::HeaderValue;

use crate::operation::Operation;
use crate::{ApiKey, ClientConfig, ClientError};

/// The base URL, with a trailing slash so that endpoints join under its
/// path (`http://gw/kol` + `health` = `http://gw/kol/health`).
pub(crate) fn parse_base(raw: &str) -> Result<Url, ClientError> {
    let invalid = |reason: &str| ClientError::InvalidUrl {
        url: redact(raw),
        reason: reason.to_owned(),
    };
    let mut url = Url::parse(raw.trim()).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("a host is required"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("a query or fragment has no meaning in a base URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("credentials belong in `api_key`, not in the URL"));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// `raw` with whatever may be a secret replaced by `<redacted>`: the
/// user-info before an `@` in the authority, the query and the fragment.
/// Works on text, so that a URL too broken to parse is redacted too.
pub(crate) fn redact(raw: &str) -> String {
    const HIDDEN: &str = "<redacted>";
    let (before_query, query) = match raw.find(['?', '#']) {
        Some(at) => (&raw[..at], Some(&raw[at..at + 1])),
        None => (raw, None),
    };
    // After `//` (even with the `:` of the scheme missing), else from the
    // start: a URL too broken to parse may still carry credentials.
    let authority_start = before_query.find("//").map_or(0, |i| i + 2);
    let authority_end = before_query[authority_start..]
        .find('/')
        .map_or(before_query.len(), |i| authority_start + i);
    let mut out = String::with_capacity(raw.len().min(256));
    match before_query[authority_start..authority_end].rfind('@') {
        Some(at) => {
            out.push_str(&before_query[..authority_start]);
            out.push_str(HIDDEN);
            out.push_str(&before_query[authority_start + at..]);
        }
        None => out.push_str(before_query),
    }
    if let Some(separator) = query {
        out.push_str(separator);
        out.push_str(HIDDEN);
    }
    out
}

pub(crate) fn endpoint(base: &Url, operation: Operation) -> Url {
    // A relative path always joins onto an http(s) base with a host.
    base.join(operation.path()).unwrap_or_else(|_| base.clone())
}

pub(crate) fn check_config(config: &ClientConfig) -> Result<(), ClientError> {
    if config.request_timeout.is_zero() {
        return Err(ClientError::InvalidConfig {
            field: "request_timeout",
            reason: "must be longer than zero".into(),
        });
    }
    if config.max_response_bytes == 0 {
        return Err(ClientError::InvalidConfig {
            field: "max_response_bytes",
            reason: "must be at least 1".into(),
        });
    }
    if config.breaker_name.is_empty() {
        return Err(ClientError::InvalidConfig {
            field: "breaker_name",
            reason: "must not be empty".into(),
        });
    }
    if config.health_check_interval.is_some_and(|i| i.is_zero()) {
        return Err(ClientError::InvalidConfig {
            field: "health_check_interval",
            reason: "must be longer than zero (or None for no polling)".into(),
        });
    }
    if config.health_check_timeout.is_zero() {
        return Err(ClientError::InvalidConfig {
            field: "health_check_timeout",
            reason: "must be longer than zero".into(),
        });
    }
    Ok(())
}

/// `Bearer <key>`, marked sensitive so the HTTP stack never logs it.
pub(crate) fn bearer(key: &ApiKey) -> Result<HeaderValue, ClientError> {
    let mut value = HeaderValue::try_from(format!("Bearer {}", key.expose())).map_err(|_| {
        ClientError::InvalidConfig {
            field: "api_key",
            reason: "holds characters not allowed in an HTTP header".into(),
        }
    })?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_join_under_the_base_path() {
        let base = parse_base("http://127.0.0.1:8000").unwrap();
        assert_eq!(
            endpoint(&base, Operation::HealthCheck).as_str(),
            "http://127.0.0.1:8000/health"
        );
        let base = parse_base("https://gateway.example/kol").unwrap();
        assert_eq!(
            endpoint(&base, Operation::MatchKols).as_str(),
            "https://gateway.example/kol/api/v1/kols/match"
        );
        let base = parse_base("https://gateway.example/kol/").unwrap();
        assert_eq!(
            endpoint(&base, Operation::OptimizeBudget).as_str(),
            "https://gateway.example/kol/api/v1/budget/optimize"
        );
    }

    #[test]
    fn unusable_urls_are_refused() {
        for bad in [
            "",
            "localhost:8000",
            "ftp://host",
            "http://",
            "http://host?x=1",
            "http://u:p@host",
            "not a url",
        ] {
            assert!(
                matches!(parse_base(bad), Err(ClientError::InvalidUrl { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn secrets_in_a_refused_url_never_reach_the_error() {
        for (bad, secret) in [
            ("http://admin:hunter2@host:8000/kol", "hunter2"),
            ("http://token-abc123@host", "token-abc123"),
            ("http://host/kol?api_key=sk-live-9", "sk-live-9"),
            ("http://host#access_token=tok-7", "tok-7"),
            ("https://u:p4ss@host/x?key=k3y", "p4ss"),
            ("http//user:s3cret@host?x=1", "s3cret"),
        ] {
            let err = parse_base(bad).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains(secret), "{bad} leaks: {shown}");
            assert!(shown.contains("<redacted>"), "{shown}");
        }
        assert_eq!(
            redact("http://u:p@host:8000/kol?x=1"),
            "http://<redacted>@host:8000/kol?<redacted>"
        );
        assert_eq!(redact("http://host:8000/kol"), "http://host:8000/kol");
        let config = crate::ClientConfig::new("http://u:pw-secret@host?k=v");
        assert!(!format!("{config:?}").contains("pw-secret"));
    }

    #[test]
    fn bearer_is_sensitive_and_checked() {
        let value = bearer(&ApiKey::new("abc")).unwrap();
        assert!(value.is_sensitive());
        assert_eq!(value.to_str().unwrap(), "Bearer abc");
        let err = bearer(&ApiKey::new("bad\nkey")).unwrap_err();
        assert!(!err.to_string().contains("bad\nkey"));
    }
}
