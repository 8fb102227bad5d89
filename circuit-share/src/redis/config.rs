//! [`RedisConfig`]: where the store is and how to log in, checked when
//! built; secrets never shown by `Debug` or errors.

use std::fmt;
use std::time::Duration;

use redis::{ConnectionAddr, IntoConnectionInfo};

use crate::ShareError;

/// The key prefix unless set otherwise.
pub const DEFAULT_KEY_PREFIX: &str = "kol-circuit";

/// Where the Redis store is and how to reach it.
///
/// * `redis://host:port/db` or, with the `tls` feature, `rediss://…`
///   (TLS through rustls; the server's certificate is checked against
///   the system's roots, or the one given to
///   [`root_certificate_pem`](Self::root_certificate_pem)).
/// * AUTH: a password (`redis://:secret@host`) or an ACL user
///   (`redis://user:secret@host`) in the URL, or set apart with
///   [`username`](Self::username) and [`password`](Self::password) so that
///   the URL holds no secret.
#[derive(Clone)]
pub struct RedisConfig {
    pub(super) info: redis::ConnectionInfo,
    pub(super) root_certificate: Option<Vec<u8>>,
    pub(super) key_prefix: String,
    pub(super) response_timeout: Duration,
}

impl fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let settings = self.info.redis_settings();
        f.debug_struct("RedisConfig")
            .field("addr", &self.address())
            .field("db", &settings.db())
            .field("username", &settings.username())
            .field("password", &settings.password().map(|_| "<redacted>"))
            .field("root_certificate", &self.root_certificate.is_some())
            .field("key_prefix", &self.key_prefix)
            .field("response_timeout", &self.response_timeout)
            .finish()
    }
}

impl RedisConfig {
    /// Reads a `redis://` or `rediss://` URL.
    ///
    /// # Errors
    /// [`ShareError::InvalidUrl`] for a URL redis-rs cannot use, a Unix
    /// socket, or `rediss://` without the `tls` feature.
    pub fn new(url: &str) -> Result<Self, ShareError> {
        let info = url.into_connection_info().map_err(|e| {
            // redis-rs errors describe the problem, never repeat the URL.
            ShareError::InvalidUrl(e.to_string())
        })?;
        match info.addr() {
            ConnectionAddr::Tcp(..) => {}
            ConnectionAddr::TcpTls { .. } if cfg!(feature = "tls") => {}
            ConnectionAddr::TcpTls { .. } => {
                return Err(ShareError::InvalidUrl(
                    "rediss:// needs circuit-share's `tls` feature".to_owned(),
                ));
            }
            _ => {
                return Err(ShareError::InvalidUrl(
                    "only redis:// and rediss:// URLs are supported".to_owned(),
                ));
            }
        }
        Ok(Self {
            info,
            root_certificate: None,
            key_prefix: DEFAULT_KEY_PREFIX.to_owned(),
            response_timeout: Duration::from_secs(1),
        })
    }

    /// The ACL user to log in as (`AUTH user password`).
    pub fn username(mut self, username: impl AsRef<str>) -> Self {
        let settings = self.info.redis_settings().clone().set_username(username);
        self.info = self.info.set_redis_settings(settings);
        self
    }

    /// The password (`AUTH password`, or with [`username`](Self::username)
    /// `AUTH user password`).
    pub fn password(mut self, password: impl AsRef<str>) -> Self {
        let settings = self.info.redis_settings().clone().set_password(password);
        self.info = self.info.set_redis_settings(settings);
        self
    }

    /// Trusts the CA certificate(s) in `pem` for a `rediss://` server,
    /// instead of the system's roots.
    ///
    /// # Errors
    /// [`ShareError::InvalidUrl`] if the URL is not `rediss://`.
    pub fn root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Result<Self, ShareError> {
        if !self.is_tls() {
            return Err(ShareError::InvalidUrl(
                "a root certificate needs a rediss:// URL".to_owned(),
            ));
        }
        self.root_certificate = Some(pem.into());
        Ok(self)
    }

    /// Prefixes every key and channel (default [`DEFAULT_KEY_PREFIX`]), so
    /// that several applications can share one Redis database.
    ///
    /// # Errors
    /// [`ShareError::InvalidId`] unless 1 to 64 ASCII letters, digits,
    /// `.`, `_` or `-`.
    pub fn key_prefix(mut self, prefix: &str) -> Result<Self, ShareError> {
        crate::Namespace::new(prefix).map_err(|_| ShareError::InvalidId {
            what: "key prefix",
            value: prefix.chars().take(65).collect(),
        })?;
        self.key_prefix = prefix.to_owned();
        Ok(self)
    }

    /// How long a command may take before the store counts as unavailable
    /// (default 1 s).
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// Whether the URL was `rediss://`.
    pub fn is_tls(&self) -> bool {
        matches!(self.info.addr(), ConnectionAddr::TcpTls { .. })
    }

    /// `host:port`, for logs.
    pub fn address(&self) -> String {
        match self.info.addr() {
            ConnectionAddr::Tcp(host, port) | ConnectionAddr::TcpTls { host, port, .. } => {
                format!("{host}:{port}")
            }
            _ => "(not TCP)".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_read_and_secrets_kept_out_of_debug() {
        let config = RedisConfig::new("redis://kol:s3cret@127.0.0.1:6390/2").unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(
            shown.contains("127.0.0.1:6390") && shown.contains("<redacted>"),
            "{shown}"
        );
        assert_eq!(config.info.redis_settings().username(), Some("kol"));
        assert_eq!(config.info.redis_settings().db(), 2);
        assert!(!config.is_tls());

        let config = RedisConfig::new("redis://127.0.0.1")
            .unwrap()
            .username("u")
            .password("p");
        assert_eq!(config.info.redis_settings().password(), Some("p"));
    }

    #[test]
    fn bad_urls_are_refused_without_echoing_them() {
        for url in [
            "http://x:secret@host",
            "not a url",
            "redis+unix:///tmp/r.sock",
        ] {
            let err = RedisConfig::new(url).unwrap_err();
            assert!(matches!(err, ShareError::InvalidUrl(_)), "{url}: {err}");
            assert!(!err.to_string().contains("secret"), "{err}");
        }
        assert!(
            RedisConfig::new("redis://h")
                .unwrap()
                .key_prefix("a:b")
                .is_err()
        );
        assert!(
            RedisConfig::new("redis://h")
                .unwrap()
                .root_certificate_pem("x")
                .is_err()
        );
    }

    #[cfg(feature = "tls")]
    #[test]
    fn rediss_urls_are_tls() {
        let config = RedisConfig::new("rediss://:pw@cache.internal:6380").unwrap();
        assert!(config.is_tls());
        assert_eq!(config.address(), "cache.internal:6380");
        assert!(config.root_certificate_pem(b"-----BEGIN".to_vec()).is_ok());
    }

    #[cfg(not(feature = "tls"))]
    #[test]
    fn rediss_urls_need_the_tls_feature() {
        assert!(RedisConfig::new("rediss://cache.internal:6380").is_err());
    }
}
