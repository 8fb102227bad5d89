//! Request bodies as the backend reads them, with FastAPI's validation
//! rules and its 422 shape (docs/backend-contract.md).
//!
//! Parsed from a `serde_json::Value` field by field rather than derived, so
//! that each problem gets pydantic's `loc`, `msg` and `type`, and all of a
//! body's problems are reported at once, as FastAPI does. Numbers must be
//! JSON numbers: unlike pydantic's lax mode, numeric strings are refused.

use serde::Serialize;
use serde_json::{Map, Value};

use self::reader::{Bound, Reader};

mod reader;
#[cfg(test)]
mod tests;

const PLATFORMS: [&str; 4] = ["instagram", "tiktok", "youtube", "twitter"];
const OBJECTIVES: [&str; 3] = ["reach", "engagement", "conversions"];

/// `POST /api/v1/kols/match`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MatchRequest {
    pub(crate) categories: Vec<String>,
    /// `None`: all four.
    pub(crate) platforms: Option<Vec<String>>,
    pub(crate) min_followers: u64,
    pub(crate) max_followers: Option<i64>,
    pub(crate) min_engagement_rate: f64,
    pub(crate) budget: f64,
    pub(crate) limit: usize,
}

/// `POST /api/v1/budget/optimize`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BudgetRequest {
    pub(crate) total_budget: f64,
    pub(crate) kol_ids: Vec<String>,
    pub(crate) objective: String,
    pub(crate) max_per_kol: Option<f64>,
}

/// One entry of a 422 `detail` list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Issue {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) loc: Vec<Value>,
    pub(crate) msg: String,
    pub(crate) input: Value,
}

impl MatchRequest {
    /// Reads and validates a body.
    pub(crate) fn parse(body: &[u8]) -> Result<Self, Vec<Issue>> {
        let value = json_object(body)?;
        let mut r = Reader::new(&value);
        r.string("campaign_id", 1, 64);
        let categories = r.string_list("categories", 1, 10);
        let platforms = r.platforms();
        let min_followers = r.integer("min_followers", Some(0), Some(0), None);
        let max_followers = r.nullable_integer("max_followers");
        let min_engagement_rate = r.number(
            "min_engagement_rate",
            Some(0.0),
            Bound::AtLeast(0.0),
            Some(1.0),
        );
        let budget = r.number("budget", None, Bound::Above(0.0), None);
        let limit = r.integer("limit", Some(10), Some(1), Some(100));
        r.finish()?;
        Ok(Self {
            categories: categories.unwrap_or_default(),
            platforms,
            min_followers: min_followers.map_or(0, |v| u64::try_from(v).unwrap_or(0)),
            max_followers,
            min_engagement_rate: min_engagement_rate.unwrap_or(0.0),
            budget: budget.unwrap_or(1.0),
            limit: limit.map_or(10, |v| usize::try_from(v).unwrap_or(10)),
        })
    }
}

impl BudgetRequest {
    /// Reads and validates a body.
    pub(crate) fn parse(body: &[u8]) -> Result<Self, Vec<Issue>> {
        let value = json_object(body)?;
        let mut r = Reader::new(&value);
        r.string("campaign_id", 1, 64);
        let total_budget = r.number("total_budget", None, Bound::Above(0.0), None);
        let kol_ids = r.string_list("kol_ids", 1, 100);
        if let Some(ids) = &kol_ids {
            r.unique("kol_ids", ids);
        }
        let objective = r.choice("objective", &OBJECTIVES, "engagement");
        let max_per_kol = r.nullable_number("max_per_kol", Bound::Above(0.0));
        r.finish()?;
        Ok(Self {
            total_budget: total_budget.unwrap_or(1.0),
            kol_ids: kol_ids.unwrap_or_default(),
            objective: objective.unwrap_or_else(|| "engagement".to_owned()),
            max_per_kol,
        })
    }
}

/// The body as a JSON object, or FastAPI's complaint.
fn json_object(body: &[u8]) -> Result<Map<String, Value>, Vec<Issue>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(vec![Issue {
            kind: "model_attributes_type",
            loc: vec!["body".into()],
            msg: "Input should be a valid dictionary or object to extract fields from".to_owned(),
            input: other,
        }]),
        Err(error) => Err(vec![Issue {
            kind: "json_invalid",
            loc: vec![
                "body".into(),
                byte_offset(body, error.line(), error.column()).into(),
            ],
            msg: "JSON decode error".to_owned(),
            input: Value::Object(Map::new()),
        }]),
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
