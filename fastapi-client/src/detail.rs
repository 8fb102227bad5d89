//! FastAPI's error bodies: `{"detail": "..."}` or `{"detail": [{loc, msg, type}]}`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The most bytes of a body kept in an error, so an error never holds a
/// whole (possibly huge) response.
pub const SNIPPET_LIMIT: usize = 512;

/// The `detail` of a FastAPI error response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ApiDetail {
    /// `HTTPException(detail="...")`, e.g. `unknown kol_id: k-9`.
    Message(String),
    /// Request validation errors (FastAPI's 422).
    Validation(Vec<ValidationIssue>),
    /// Any other shape, kept as JSON.
    Other(serde_json::Value),
}

/// One entry of a FastAPI validation error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationIssue {
    /// Where: e.g. `["body", "budget"]` or `["body", "kol_ids", 3]`.
    pub loc: Vec<serde_json::Value>,
    /// What is wrong, for humans.
    pub msg: String,
    /// Pydantic's error type, e.g. `greater_than`.
    #[serde(rename = "type")]
    pub kind: String,
}

impl ValidationIssue {
    /// The location as a dotted path: `body.kol_ids.3`.
    pub fn path(&self) -> String {
        let parts: Vec<String> = self
            .loc
            .iter()
            .map(|part| match part {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        parts.join(".")
    }
}

#[derive(Deserialize)]
struct Envelope {
    detail: ApiDetail,
}

impl ApiDetail {
    /// The `detail` of a JSON error body, if it has one.
    pub fn parse(body: &[u8]) -> Option<Self> {
        serde_json::from_slice::<Envelope>(body)
            .ok()
            .map(|envelope| envelope.detail)
    }
}

impl fmt::Display for ApiDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Message(message) => f.write_str(message),
            Self::Validation(issues) => {
                for (i, issue) in issues.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{}: {}", issue.path(), issue.msg)?;
                }
                Ok(())
            }
            Self::Other(value) => f.write_str(&snippet(value.to_string().as_bytes())),
        }
    }
}

/// At most [`SNIPPET_LIMIT`] bytes of `body` as text, cut at a character
/// boundary, with `…` when cut.
pub(crate) fn snippet(body: &[u8]) -> String {
    let head = &body[..body.len().min(SNIPPET_LIMIT)];
    let mut text = String::from_utf8_lossy(head).into_owned();
    if body.len() > SNIPPET_LIMIT {
        // A multi-byte character cut in two shows up as U+FFFD; drop it.
        if text.ends_with('\u{FFFD}') {
            text.pop();
        }
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_fastapi_shapes() {
        let message = ApiDetail::parse(br#"{"detail": "unknown kol_id: k-9"}"#).unwrap();
        assert_eq!(message, ApiDetail::Message("unknown kol_id: k-9".into()));
        assert_eq!(message.to_string(), "unknown kol_id: k-9");

        let body = br#"{"detail": [{"loc": ["body", "kol_ids", 3], "msg": "too long", "type": "too_long", "ctx": {}}]}"#;
        let ApiDetail::Validation(issues) = ApiDetail::parse(body).unwrap() else {
            panic!("not a validation detail")
        };
        assert_eq!(issues[0].path(), "body.kol_ids.3");
        assert_eq!(issues[0].kind, "too_long");

        assert!(matches!(
            ApiDetail::parse(br#"{"detail": {"code": 7}}"#),
            Some(ApiDetail::Other(_))
        ));
        assert_eq!(ApiDetail::parse(b"<html>bad gateway</html>"), None);
        assert_eq!(ApiDetail::parse(br#"{"error": "x"}"#), None);
    }

    #[test]
    fn snippets_are_bounded_and_valid_utf8() {
        assert_eq!(snippet(b"short"), "short");
        let long = "é".repeat(SNIPPET_LIMIT);
        let cut = snippet(long.as_bytes());
        assert!(cut.len() <= SNIPPET_LIMIT + '…'.len_utf8());
        assert!(cut.ends_with('…'));
        assert!(!cut.contains('\u{FFFD}'));
    }
}
