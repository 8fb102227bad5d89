//! Control actions: off unless a token is given, the token compared in
//! constant time, every attempt logged.

use std::fmt;

use circuit_core::{CircuitBreaker, Config};
use hyper::header::{AUTHORIZATION, HeaderMap};
use subtle::ConstantTimeEq;

use crate::Error;

/// Shortest token accepted.
pub const MIN_TOKEN_LEN: usize = 16;

/// The secret that control actions need, given when the dashboard starts.
///
/// Clients send it as `Authorization: Bearer <token>`; it is compared in
/// constant time. `Debug` never shows it.
#[derive(Clone)]
pub struct ControlToken(String);

impl ControlToken {
    /// A token of at least [`MIN_TOKEN_LEN`] visible ASCII characters
    /// (what an `Authorization` header can carry, no spaces).
    ///
    /// # Errors
    /// [`Error::InvalidToken`] naming the rule it breaks.
    pub fn new(token: impl Into<String>) -> Result<Self, Error> {
        let token = token.into();
        if token.len() < MIN_TOKEN_LEN {
            return Err(Error::InvalidToken {
                reason: "a control token needs at least 16 characters",
            });
        }
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::InvalidToken {
                reason: "a control token is visible ASCII characters, without spaces",
            });
        }
        Ok(Self(token))
    }

    /// Whether `headers` carry this token as a bearer token.
    pub(super) fn admits(&self, headers: &HeaderMap) -> bool {
        let Some(given) = headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        else {
            return false;
        };
        bool::from(given.trim().as_bytes().ct_eq(self.0.as_bytes()))
    }
}

impl fmt::Debug for ControlToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ControlToken(<redacted>)")
    }
}

/// What an operator can do to a breaker from the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    Reset,
    ForceOpen,
    ForceClosed,
    /// `reconfigure` with the fields given, the others kept.
    Reconfigure,
}

impl Action {
    pub(super) fn parse(name: &str) -> Option<Self> {
        match name {
            "reset" => Some(Self::Reset),
            "force-open" => Some(Self::ForceOpen),
            "force-closed" => Some(Self::ForceClosed),
            "reconfigure" => Some(Self::Reconfigure),
            _ => None,
        }
    }

    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Reset => "reset",
            Self::ForceOpen => "force-open",
            Self::ForceClosed => "force-closed",
            Self::Reconfigure => "reconfigure",
        }
    }

    /// Does it; `changes` (a JSON object of config fields) is what
    /// `reconfigure` takes. Returns the config fields changed.
    ///
    /// # Errors
    /// What to tell the operator when the action cannot be done.
    pub(super) fn apply(
        self,
        breaker: &CircuitBreaker,
        changes: Option<serde_json::Value>,
    ) -> Result<Vec<&'static str>, String> {
        match self {
            Self::Reset => breaker.reset(),
            Self::ForceOpen => breaker.force_open(),
            Self::ForceClosed => breaker.force_closed(),
            Self::Reconfigure => {
                let old = breaker.config();
                let new = patched(&old, changes)?;
                let changed = old.changed_fields(&new);
                breaker
                    .reconfigure(new)
                    .map_err(|e| format!("config refused: {e}"))?;
                return Ok(changed);
            }
        }
        Ok(Vec::new())
    }
}

/// `config` with the fields of `changes` replaced: what a partial
/// `reconfigure` asks for.
fn patched(config: &Config, changes: Option<serde_json::Value>) -> Result<Config, String> {
    let Some(serde_json::Value::Object(changes)) = changes else {
        return Err("reconfigure needs \"config\": an object of the fields to change".into());
    };
    let mut merged = match serde_json::to_value(config) {
        Ok(serde_json::Value::Object(fields)) => fields,
        _ => return Err("the current config cannot be written as JSON".into()),
    };
    merged.extend(changes);
    serde_json::from_value(serde_json::Value::Object(merged))
        .map_err(|e| format!("config refused: {e}"))
}

#[cfg(test)]
mod tests {
    use hyper::header::HeaderValue;

    use super::*;

    fn bearer(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn tokens_are_checked_when_made() {
        assert!(matches!(
            ControlToken::new("short"),
            Err(Error::InvalidToken { .. })
        ));
        assert!(matches!(
            ControlToken::new("sixteen chars ok"),
            Err(Error::InvalidToken { .. })
        ));
        let token = ControlToken::new("s3cret-token-for-tests").unwrap();
        assert_eq!(format!("{token:?}"), "ControlToken(<redacted>)");
    }

    #[test]
    fn only_the_exact_bearer_token_is_admitted() {
        let token = ControlToken::new("s3cret-token-for-tests").unwrap();
        assert!(token.admits(&bearer("Bearer s3cret-token-for-tests")));
        assert!(!token.admits(&bearer("Bearer s3cret-token-for-test")));
        assert!(!token.admits(&bearer("Bearer s3cret-token-for-testsX")));
        assert!(!token.admits(&bearer("Basic s3cret-token-for-tests")));
        assert!(!token.admits(&bearer("s3cret-token-for-tests")));
        assert!(!token.admits(&HeaderMap::new()));
    }

    #[test]
    fn actions_have_stable_names() {
        for action in [
            Action::Reset,
            Action::ForceOpen,
            Action::ForceClosed,
            Action::Reconfigure,
        ] {
            assert_eq!(Action::parse(action.as_str()), Some(action));
        }
        assert_eq!(Action::parse("explode"), None);
    }

    #[test]
    fn a_partial_config_changes_only_its_fields() {
        let cb = CircuitBreaker::builder("kol-matcher").build().unwrap();
        let changes = serde_json::json!({"failure_threshold": 0.25, "recovery_timeout": "45s"});
        let changed = Action::Reconfigure.apply(&cb, Some(changes)).unwrap();
        assert_eq!(changed, ["failure_threshold", "recovery_timeout"]);
        let config = cb.config();
        assert_eq!(config.failure_threshold, 0.25);
        assert_eq!(config.recovery_timeout, std::time::Duration::from_secs(45));
        assert_eq!(config.max_failures, Config::default().max_failures);
    }

    #[test]
    fn a_bad_config_is_refused_naming_the_field_and_changes_nothing() {
        let cb = CircuitBreaker::builder("kol-matcher").build().unwrap();
        let before = cb.config();
        for changes in [
            serde_json::json!({"failure_threshold": 2.0}),
            serde_json::json!({"recovery_timeout": "soon"}),
            serde_json::json!({"no_such_field": 1}),
        ] {
            let error = Action::Reconfigure
                .apply(&cb, Some(changes.clone()))
                .unwrap_err();
            let field = changes.as_object().unwrap().keys().next().unwrap().clone();
            assert!(error.contains(&field), "{error}");
        }
        assert!(Action::Reconfigure.apply(&cb, None).is_err());
        assert_eq!(*cb.config(), *before);
    }
}
