//! What each path answers.

use std::net::{IpAddr, SocketAddr};

use hyper::body::Incoming;
use hyper::header::{HOST, HeaderMap};
use hyper::{Request, Response, StatusCode};

use super::{Body, text};

/// The endpoints one server answers.
pub(super) struct Routes {
    /// Bound to a loopback address: only loopback `Host`s are served.
    pub(super) loopback: bool,
    #[cfg(feature = "prometheus")]
    pub(super) prometheus: Option<crate::PrometheusExporter>,
    #[cfg(feature = "dashboard")]
    pub(super) dashboard: Option<crate::dashboard::Serving>,
}

impl Routes {
    /// Starts what runs beside the connections (the dashboard's watcher)
    /// on the current runtime.
    pub(super) fn start_background(&self) {
        #[cfg(feature = "dashboard")]
        if let Some(dashboard) = &self.dashboard {
            dashboard.start_watching();
        }
    }

    pub(super) async fn handle(
        &self,
        request: Request<Incoming>,
        peer: SocketAddr,
    ) -> Response<Body> {
        if self.loopback && !loopback_host(request.headers()) {
            return text(
                StatusCode::MISDIRECTED_REQUEST,
                "this server answers only to a loopback Host (127.0.0.1, [::1] or localhost)",
            );
        }
        #[cfg(feature = "prometheus")]
        if let Some(exporter) = &self.prometheus {
            if request.uri().path() == "/metrics" {
                return metrics(exporter, &request);
            }
        }
        #[cfg(feature = "dashboard")]
        if let Some(dashboard) = &self.dashboard {
            if let Some(response) = dashboard.handle(request, peer).await {
                return response;
            }
            return text(StatusCode::NOT_FOUND, "not found; the dashboard is at /");
        }
        let _ = peer;
        text(StatusCode::NOT_FOUND, "not found; metrics are at /metrics")
    }
}

/// `405` naming the methods a path takes.
#[cfg(any(feature = "prometheus", feature = "dashboard"))]
pub(crate) fn method_not_allowed(allow: &'static str) -> Response<Body> {
    let mut response = text(StatusCode::METHOD_NOT_ALLOWED, format!("use {allow}"));
    response.headers_mut().insert(
        hyper::header::ALLOW,
        hyper::header::HeaderValue::from_static(allow),
    );
    response
}

/// Whether a request is a `GET` or a `HEAD`.
#[cfg(any(feature = "prometheus", feature = "dashboard"))]
pub(crate) fn is_read(method: &hyper::Method) -> bool {
    method == hyper::Method::GET || method == hyper::Method::HEAD
}

#[cfg(feature = "prometheus")]
fn metrics(exporter: &crate::PrometheusExporter, request: &Request<Incoming>) -> Response<Body> {
    use crate::prometheus::{OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE};

    if !is_read(request.method()) {
        return method_not_allowed("GET, HEAD");
    }
    let openmetrics = request
        .headers()
        .get_all(hyper::header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("application/openmetrics-text"));
    let encoded = if openmetrics {
        exporter.encode_openmetrics()
    } else {
        exporter.encode_text()
    };
    match encoded {
        Ok(body) if openmetrics => super::full(StatusCode::OK, OPENMETRICS_CONTENT_TYPE, body),
        Ok(body) => super::full(StatusCode::OK, TEXT_CONTENT_TYPE, body),
        Err(e) => text(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// Whether `Host` is absent (HTTP/1.0) or names a loopback address.
fn loopback_host(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(HOST) else {
        return true;
    };
    let Ok(host) = host.to_str() else {
        return false;
    };
    let name = match host.strip_prefix('[') {
        // `[::1]:9464`
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use hyper::header::HeaderValue;

    use super::*;

    #[test]
    fn only_loopback_hosts_pass() {
        let check = |host: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(HOST, HeaderValue::from_str(host).unwrap());
            loopback_host(&headers)
        };
        for ok in [
            "127.0.0.1:9464",
            "127.0.0.1",
            "localhost:80",
            "LOCALHOST",
            "[::1]:9464",
            "[::1]",
            "127.1.2.3:1",
        ] {
            assert!(check(ok), "{ok}");
        }
        for bad in [
            "evil.example:9464",
            "10.0.0.1:9464",
            "[::2]:1",
            "localhost.evil.example",
            "",
        ] {
            assert!(!check(bad), "{bad}");
        }
        assert!(loopback_host(&HeaderMap::new()));
    }
}
