//! Which TLS the client's own reqwest client speaks: a feature of this
//! crate (`rustls-aws-lc`, the default; `rustls-ring`; `native-tls`).

/// Whether this build can reach an https backend with its own client.
pub(crate) const HTTPS: bool = cfg!(any(
    feature = "rustls-aws-lc",
    feature = "rustls-ring",
    feature = "native-tls"
));

/// Why the client's own reqwest client cannot reach a base URL with this
/// `scheme`, in a build that has TLS (`https`) or not: without it an https
/// backend would fail every call, and the breaker would count a build
/// choice as the backend's failure.
pub(crate) fn unreachable(scheme: &str, https: bool) -> Option<&'static str> {
    (scheme == "https" && !https).then_some(
        "https needs a TLS feature of fastapi-client (`rustls-aws-lc`, the default; \
         `rustls-ring`; `native-tls`) or a reqwest client of your own \
         (`ClientBuilder::http_client`)",
    )
}

/// Readies TLS before the client's own reqwest client is built. With
/// `rustls-ring`, reqwest has no rustls provider of its own: ring becomes
/// the process's default provider, unless the application installed one
/// already (then its choice stands).
pub(crate) fn prepare() {
    #[cfg(feature = "rustls-ring")]
    {
        // An error says a provider is installed already: keep it.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_without_tls_is_refused_and_nothing_else_is() {
        assert!(unreachable("https", false).is_some());
        assert_eq!(unreachable("https", true), None);
        assert_eq!(unreachable("http", false), None);
    }

    #[test]
    fn a_build_without_tls_refuses_an_https_backend_at_construction() {
        let built = crate::Client::new(crate::ClientConfig::new("https://kols.example"));
        if HTTPS {
            assert!(built.is_ok(), "{built:?}");
        } else {
            let error = built.unwrap_err();
            assert!(
                matches!(&error, crate::ClientError::InvalidUrl { reason, .. } if reason.contains("TLS feature")),
                "{error:?}"
            );
        }
    }

    /// reqwest with `rustls-no-provider` panics when it builds a rustls
    /// client without a default provider: building ours installs ring.
    #[cfg(feature = "rustls-ring")]
    #[test]
    fn building_a_client_readies_ring() {
        crate::Client::new(crate::ClientConfig::new("https://kols.example")).unwrap();
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
    }
}
