//! Request bodies as the backend reads them: decoded and checked by
//! fastapi-client's own models and validation, so the contract has one
//! definition in Rust, and refused with FastAPI's 422 shape
//! (`{"detail": [{"loc", "msg", "type"}]}`), which is all the client
//! reads of it.

use fastapi_client::{MatchKolsRequest, OptimizeBudgetRequest, ValidationError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// One entry of a 422 `detail` list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Issue {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) loc: Vec<Value>,
    pub(crate) msg: String,
}

/// A request model the backend reads.
pub(crate) trait Body: DeserializeOwned {
    fn check(&self) -> Result<(), ValidationError>;
}

impl Body for MatchKolsRequest {
    fn check(&self) -> Result<(), ValidationError> {
        self.validate()
    }
}

impl Body for OptimizeBudgetRequest {
    fn check(&self) -> Result<(), ValidationError> {
        self.validate()
    }
}

/// Decodes and validates a body, or says why not as FastAPI would.
pub(crate) fn parse<T: Body>(body: &[u8]) -> Result<T, Vec<Issue>> {
    let request: T = serde_json::from_slice(body).map_err(|e| vec![decode_issue(body, &e)])?;
    request.check().map_err(|e| vec![rule_issue(&e)])?;
    Ok(request)
}

fn decode_issue(body: &[u8], error: &serde_json::Error) -> Issue {
    let msg = error.to_string();
    if !error.is_data() {
        return Issue {
            kind: "json_invalid",
            loc: vec![
                "body".into(),
                byte_offset(body, error.line(), error.column()).into(),
            ],
            msg: "JSON decode error".to_owned(),
        };
    }
    // serde names a missing field between backticks.
    let missing = msg
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next());
    match missing {
        Some(field) => Issue {
            kind: "missing",
            loc: vec!["body".into(), field.into()],
            msg: "Field required".to_owned(),
        },
        None => Issue {
            kind: "value_error",
            loc: vec!["body".into()],
            msg,
        },
    }
}

/// A broken rule at its field: `kol_ids[3]` is `["body", "kol_ids", 3]`.
fn rule_issue(error: &ValidationError) -> Issue {
    let mut loc: Vec<Value> = vec!["body".into()];
    match error.field().split_once('[') {
        Some((name, index)) => {
            loc.push(name.into());
            let index = index.trim_end_matches(']');
            loc.push(
                index
                    .parse::<u64>()
                    .map_or_else(|_| index.into(), Into::into),
            );
        }
        None => loc.push(error.field().into()),
    }
    Issue {
        kind: "value_error",
        loc,
        msg: format!("Value error, {}", error.rule()),
    }
}

fn byte_offset(body: &[u8], line: usize, column: usize) -> usize {
    let line_start: usize = body
        .split(|b| *b == b'\n')
        .take(line.saturating_sub(1))
        .map(|l| l.len() + 1)
        .sum();
    (line_start + column.saturating_sub(1)).min(body.len())
}

#[cfg(test)]
mod tests {
    use fastapi_client::{ApiDetail, Objective};

    use super::*;

    fn detail(issues: &[Issue]) -> ApiDetail {
        let body = serde_json::json!({ "detail": issues }).to_string();
        ApiDetail::parse(body.as_bytes()).expect("the client reads it")
    }

    #[test]
    fn a_minimal_match_request_gets_the_defaults() {
        let r: MatchKolsRequest =
            parse(br#"{"campaign_id":"c","categories":["Tech"],"budget":100}"#).unwrap();
        assert_eq!(r, MatchKolsRequest::new("c", ["Tech"], 100.0));
        let r: OptimizeBudgetRequest =
            parse(br#"{"campaign_id":"c","total_budget":10,"kol_ids":["a"],"max_per_kol":null}"#)
                .unwrap();
        assert_eq!(r.objective, Objective::Engagement);
    }

    #[test]
    fn each_refusal_has_the_shape_the_client_reads() {
        let missing = parse::<OptimizeBudgetRequest>(br#"{"campaign_id":"c"}"#).unwrap_err();
        assert_eq!(missing[0].kind, "missing");
        assert_eq!(missing[0].loc, ["body", "total_budget"]);

        let bad_json = parse::<OptimizeBudgetRequest>(b"{nope").unwrap_err();
        assert_eq!(
            (bad_json[0].kind, &bad_json[0].loc[0]),
            ("json_invalid", &Value::from("body"))
        );

        let not_an_object = parse::<MatchKolsRequest>(b"[1]").unwrap_err();
        assert_eq!(not_an_object[0].kind, "value_error");

        let duplicates = parse::<OptimizeBudgetRequest>(
            br#"{"campaign_id":"c","total_budget":10,"kol_ids":["a","b","a"]}"#,
        )
        .unwrap_err();
        assert_eq!(duplicates[0].loc, ["body", "kol_ids"]);
        assert!(
            duplicates[0].msg.contains("must not repeat"),
            "{}",
            duplicates[0].msg
        );

        let unknown_platform = parse::<MatchKolsRequest>(
            br#"{"campaign_id":"c","categories":["t"],"budget":1,"platforms":["tiktok","myspace"]}"#,
        )
        .unwrap_err();
        assert_eq!(
            serde_json::json!(unknown_platform[0].loc),
            serde_json::json!(["body", "platforms", 1])
        );

        let huge =
            parse::<MatchKolsRequest>(br#"{"campaign_id":"c","categories":["t"],"budget":1e307}"#)
                .unwrap_err();
        let ApiDetail::Validation(issues) = detail(&huge) else {
            panic!("a validation detail")
        };
        assert_eq!(issues[0].path(), "body.budget");
    }
}
