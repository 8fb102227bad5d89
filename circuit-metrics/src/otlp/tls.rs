//! TLS for an https OTLP endpoint: a feature of this crate
//! (`rustls-aws-lc`, a default one; `rustls-ring`; `native-tls`), because
//! opentelemetry-otlp's reqwest client turns on none, and a program that
//! has only circuit-metrics would otherwise fail every https export.

/// Whether this build gave the exporter's HTTP client TLS.
pub(super) const HTTPS: bool = cfg!(any(
    feature = "rustls-aws-lc",
    feature = "rustls-ring",
    feature = "native-tls"
));

/// Why an exporter built without TLS (`https == false`) cannot reach
/// `endpoint`: refused when built, rather than failing every export.
pub(super) fn unreachable(endpoint: &str, https: bool) -> Option<&'static str> {
    let scheme = endpoint.trim_start().get(..8)?;
    (scheme.eq_ignore_ascii_case("https://") && !https).then_some(
        "an https endpoint needs a TLS feature of circuit-metrics \
         (`rustls-aws-lc`, a default one; `rustls-ring`; `native-tls`)",
    )
}

/// Readies TLS before the exporter builds its HTTP client. With
/// `rustls-ring`, reqwest has no rustls provider of its own: ring becomes
/// the process's default provider, unless one is installed already (the
/// application's choice stands).
pub(super) fn prepare() {
    #[cfg(feature = "rustls-ring")]
    {
        // An error says a provider is installed already: keep it.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

#[cfg(test)]
mod tests {
    use super::unreachable;

    #[test]
    fn only_https_without_tls_is_refused() {
        assert!(unreachable("https://otel.example:4318/v1/metrics", false).is_some());
        assert!(unreachable("HTTPS://otel.example", false).is_some());
        assert_eq!(unreachable("https://otel.example", true), None);
        assert_eq!(unreachable("http://127.0.0.1:4318/v1/metrics", false), None);
        assert_eq!(unreachable("http", false), None);
    }
}
