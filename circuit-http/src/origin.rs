//! Origin keys: one breaker per `scheme://host:port`.

#[cfg(any(feature = "tower", feature = "reqwest"))]
use std::{cell::RefCell, sync::Arc};

#[cfg(any(feature = "tower", feature = "reqwest"))]
use circuit_core::{CircuitBreaker, Registry};
use http::Uri;

/// The key of the breaker for requests whose URL has no scheme, host or
/// known port (a server-side, path-only URI), when breakers are picked per
/// origin.
pub const NO_ORIGIN: &str = "(no origin)";

/// `scheme://host:port` of an absolute URI, the host in lower case and the
/// port spelled out (80 for `http`, 443 for `https`), so that every way of
/// writing one origin gives one key. `None` without a scheme or host, or
/// without a port for a scheme other than `http` and `https`.
///
/// ```
/// use circuit_http::origin;
/// use http::Uri;
///
/// let uri: Uri = "https://API.example.com/v1/kols?page=2".parse().unwrap();
/// assert_eq!(origin(&uri).as_deref(), Some("https://api.example.com:443"));
/// let uri: Uri = "/v1/kols".parse().unwrap();
/// assert_eq!(origin(&uri), None);
/// ```
pub fn origin(uri: &Uri) -> Option<String> {
    let (scheme, host, port) = parts(uri)?;
    let mut out = String::with_capacity(scheme.len() + host.len() + 9);
    key(&mut out, scheme, host, port);
    Some(out)
}

#[cfg(any(feature = "tower", feature = "reqwest"))]
thread_local! {
    /// An origin key is written here and looked up as a `&str`, so that
    /// looking up a breaker allocates nothing.
    static KEY: RefCell<String> = const { RefCell::new(String::new()) };
}

#[cfg(any(feature = "tower", feature = "reqwest"))]
/// Runs `f` on the breaker of an origin (`None`: a URI without one, see
/// [`NO_ORIGIN`]), without allocating a key or cloning the breaker's `Arc`.
pub(crate) fn with_origin_breaker<R>(
    registry: &Registry<String>,
    origin: Option<(&str, &str, u16)>,
    f: impl FnOnce(&Arc<CircuitBreaker>) -> R,
) -> R {
    let Some((scheme, host, port)) = origin else {
        return registry.with_breaker(NO_ORIGIN, f);
    };
    KEY.with(|buffer| match buffer.try_borrow_mut() {
        Ok(mut buffer) => {
            buffer.clear();
            key(&mut buffer, scheme, host, port);
            registry.with_breaker(buffer.as_str(), f)
        }
        // Only if creating a breaker ran user code that came back here.
        Err(_) => {
            let mut owned = String::new();
            key(&mut owned, scheme, host, port);
            registry.with_breaker(&owned, f)
        }
    })
}

/// Scheme, host and port (spelled out for `http` and `https`) of an
/// absolute URI.
pub(crate) fn parts(uri: &Uri) -> Option<(&str, &str, u16)> {
    let scheme = uri.scheme_str()?;
    let port = uri.port_u16().or(match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    })?;
    Some((scheme, uri.host()?, port))
}

/// Appends `scheme://host:port` to `out`, scheme and host in lower case.
/// On the request path: no formatting machinery, no allocation once `out`
/// has grown to a key's length.
pub(crate) fn key(out: &mut String, scheme: &str, host: &str, port: u16) {
    push_lowercase(out, scheme);
    out.push_str("://");
    push_lowercase(out, host);
    out.push(':');
    let mut digits = [0u8; 5];
    let mut start = digits.len();
    let mut rest = port;
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.extend(digits[start..].iter().map(|&d| char::from(d)));
}

fn push_lowercase(out: &mut String, part: &str) {
    if part.bytes().any(|b| b.is_ascii_uppercase()) {
        out.extend(part.chars().map(|c| c.to_ascii_lowercase()));
    } else {
        out.push_str(part);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(uri: &str) -> Option<String> {
        origin(&uri.parse().unwrap())
    }

    #[test]
    fn every_spelling_of_an_origin_gives_one_key() {
        for uri in [
            "http://kol.example:80/a",
            "http://KOL.example/b?c=d",
            "HTTP://kol.example",
        ] {
            assert_eq!(of(uri).as_deref(), Some("http://kol.example:80"), "{uri}");
        }
        assert_eq!(
            of("https://[::1]:8443/x").as_deref(),
            Some("https://[::1]:8443")
        );
        assert_eq!(
            of("grpc://10.0.0.1:50051").as_deref(),
            Some("grpc://10.0.0.1:50051")
        );
    }

    #[test]
    fn no_origin_without_scheme_host_or_known_port() {
        assert_eq!(of("/only/a/path"), None);
        assert_eq!(of("grpc://10.0.0.1/x"), None);
    }

    #[test]
    fn ports_are_written_in_full() {
        for port in [0u16, 7, 80, 443, 8080, 65535] {
            let mut out = String::new();
            key(&mut out, "http", "h", port);
            assert_eq!(out, format!("http://h:{port}"));
        }
    }
}
