//! FastAPI's error bodies: `{"detail": "..."}` or `{"detail": [{loc, msg, type}]}`.

use std::fmt::{self, Write as _};

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

/// The most characters of a `detail` shown in an error message (and so in
/// logs); the [`ApiDetail`] value itself keeps everything.
pub const DETAIL_DISPLAY_LIMIT: usize = 512;

/// Shown bounded and escaped: at most [`DETAIL_DISPLAY_LIMIT`] characters,
/// then `…`; control characters (newlines above all) written as escapes
/// (`\n`), so a backend's message can neither flood a log nor forge a
/// log line.
impl fmt::Display for ApiDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        escaped(f, |out| match self {
            Self::Message(message) => out.write_str(message),
            Self::Validation(issues) => {
                for (i, issue) in issues.iter().enumerate() {
                    if i > 0 {
                        out.write_str("; ")?;
                    }
                    write!(out, "{}: {}", issue.path(), issue.msg)?;
                }
                Ok(())
            }
            Self::Other(value) => write!(out, "{value}"),
        })
    }
}

/// Backend-supplied text in a message, shown as a `detail` is: bounded
/// and escaped.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shown<'a>(pub(crate) &'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        escaped(f, |out| out.write_str(self.0))
    }
}

/// Runs `write` through an [`Escaped`] writer, then marks a cut with `…`.
fn escaped(
    f: &mut fmt::Formatter<'_>,
    write: impl FnOnce(&mut Escaped<'_, '_>) -> fmt::Result,
) -> fmt::Result {
    let mut out = Escaped {
        out: f,
        left: DETAIL_DISPLAY_LIMIT,
        cut: false,
    };
    write(&mut out)?;
    if out.cut {
        f.write_char('…')?;
    }
    Ok(())
}

/// Writes through to a formatter, escaping control characters and
/// stopping (quietly) once `left` characters are written.
struct Escaped<'a, 'b> {
    out: &'a mut fmt::Formatter<'b>,
    left: usize,
    cut: bool,
}

impl fmt::Write for Escaped<'_, '_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        for c in text.chars() {
            if self.cut {
                return Ok(());
            }
            if c.is_control() {
                for e in c.escape_default() {
                    self.put(e)?;
                }
            } else {
                self.put(c)?;
            }
        }
        Ok(())
    }
}

impl Escaped<'_, '_> {
    /// One character out, unless the budget is spent.
    fn put(&mut self, c: char) -> fmt::Result {
        if self.left == 0 {
            self.cut = true;
            return Ok(());
        }
        self.left -= 1;
        self.out.write_char(c)
    }
}

/// At most [`SNIPPET_LIMIT`] bytes of `body` as text, cut at a character
/// boundary, with `…` when cut.
pub(crate) fn snippet(body: &[u8]) -> String {
    let head = &body[..body.len().min(SNIPPET_LIMIT)];
    let mut text = String::from_utf8_lossy(head).into_owned();
    let mut cut = body.len() > SNIPPET_LIMIT;
    if cut && text.ends_with('\u{FFFD}') {
        // A multi-byte character cut in two shows up as U+FFFD; drop it.
        text.pop();
    }
    // Invalid bytes each became a three-byte U+FFFD: cut again to the limit.
    if text.len() > SNIPPET_LIMIT {
        let mut end = SNIPPET_LIMIT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        cut = true;
    }
    if cut {
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
    fn a_detail_is_shown_bounded_and_cannot_forge_log_lines() {
        let forged = ApiDetail::Message(
            "bad kol\n2026-01-01T00:00:00Z  INFO Circuit breaker state changed\r\u{1b}[2J".into(),
        );
        let shown = forged.to_string();
        assert!(!shown.contains('\n') && !shown.contains('\r') && !shown.contains('\u{1b}'));
        assert!(shown.starts_with("bad kol\\n2026"), "{shown}");

        let huge = ApiDetail::Message("x".repeat(10 * 1024 * 1024));
        let shown = huge.to_string();
        assert_eq!(shown.chars().count(), DETAIL_DISPLAY_LIMIT + 1);
        assert!(shown.ends_with('…'));

        let issues = (0..1_000)
            .map(|i| ValidationIssue {
                loc: vec!["body".into(), i.into()],
                msg: "line\nbreak".into(),
                kind: "t".into(),
            })
            .collect();
        let shown = ApiDetail::Validation(issues).to_string();
        assert!(shown.chars().count() <= DETAIL_DISPLAY_LIMIT + 1);
        assert!(shown.starts_with("body.0: line\\nbreak; body.1"), "{shown}");
        // The value itself keeps everything.
        assert_eq!(
            ApiDetail::parse(br#"{"detail": "a\nb"}"#),
            Some(ApiDetail::Message("a\nb".into()))
        );
    }

    #[test]
    fn snippets_are_bounded_and_valid_utf8() {
        assert_eq!(snippet(b"short"), "short");
        let long = "é".repeat(SNIPPET_LIMIT);
        let cut = snippet(long.as_bytes());
        assert!(cut.len() <= SNIPPET_LIMIT + '…'.len_utf8());
        assert!(cut.ends_with('…'));
        assert!(!cut.contains('\u{FFFD}'));
        let invalid = snippet(&[0xff; 400]);
        assert!(
            invalid.len() <= SNIPPET_LIMIT + '…'.len_utf8(),
            "{}",
            invalid.len()
        );
        assert!(invalid.ends_with('…'));
    }
}
