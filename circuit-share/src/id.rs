//! [`Namespace`] and [`ReplicaId`]: the two names every message carries,
//! checked once when built so that they are safe in Redis keys and logs.

use std::fmt;

use crate::ShareError;

/// The longest namespace or replica id, in bytes.
pub const MAX_ID_BYTES: usize = 64;

fn check(what: &'static str, value: &str) -> Result<(), ShareError> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if value.is_empty() || value.len() > MAX_ID_BYTES || !value.chars().all(ok_char) {
        return Err(ShareError::InvalidId {
            what,
            value: value.chars().take(MAX_ID_BYTES + 1).collect(),
        });
    }
    Ok(())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            #[doc = concat!("A ", $what, ": 1 to 64 ASCII letters, digits, `.`, `_` or `-`.")]
            ///
            /// # Errors
            /// [`ShareError::InvalidId`] for anything else (empty, too
            /// long, spaces, `:` or glob characters, which would make Redis
            /// keys ambiguous).
            pub fn new(value: impl Into<String>) -> Result<Self, ShareError> {
                let value = value.into();
                check($what, &value)?;
                Ok(Self(value))
            }

            /// The name as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = ShareError;
            fn try_from(value: &str) -> Result<Self, ShareError> {
                Self::new(value)
            }
        }
    };
}

id_type!(
    /// Which fleet a message belongs to (e.g. `kol-prod`). Replicas share
    /// only with replicas of the same namespace; a message from another
    /// namespace is ignored and counted as forged.
    Namespace,
    "namespace"
);

id_type!(
    /// Which replica sent a message (e.g. `api-7`, or a pod name). Used in
    /// the reason peers report ("opened by peer api-7: …") and to order
    /// one replica's messages.
    ReplicaId,
    "replica id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_plain_names_and_refuse_separators() {
        assert_eq!(Namespace::new("kol-prod").unwrap().as_str(), "kol-prod");
        assert_eq!(
            ReplicaId::new("api_7.eu-1").unwrap().to_string(),
            "api_7.eu-1"
        );
        for bad in ["", "a b", "a:b", "a*", "é", &"x".repeat(65)] {
            assert!(
                matches!(
                    Namespace::new(bad),
                    Err(ShareError::InvalidId {
                        what: "namespace",
                        ..
                    })
                ),
                "{bad:?} accepted"
            );
        }
        assert!(ReplicaId::new("x".repeat(64)).is_ok());
    }
}
