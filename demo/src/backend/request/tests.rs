//! Parsing and FastAPI-shaped validation of request bodies.

use super::*;

#[test]
fn a_minimal_match_request_gets_the_defaults() {
    let r =
        MatchRequest::parse(br#"{"campaign_id":"c","categories":["Tech"],"budget":100}"#).unwrap();
    assert_eq!(r.categories, ["Tech"]);
    assert_eq!(r.platforms, None);
    assert_eq!((r.min_followers, r.max_followers, r.limit), (0, None, 10));
    assert_eq!(r.budget, 100.0);
}

#[test]
fn every_problem_is_reported_with_its_location() {
    let issues = MatchRequest::parse(
        br#"{"campaign_id":"","categories":[],"budget":0,"limit":500,"platforms":["myspace"]}"#,
    )
    .unwrap_err();
    let found: Vec<(String, &str)> = issues
        .iter()
        .map(|i| (i.loc[1].to_string(), i.kind))
        .collect();
    assert!(found.contains(&("\"campaign_id\"".into(), "string_too_short")));
    assert!(found.contains(&("\"categories\"".into(), "too_short")));
    assert!(found.contains(&("\"platforms\"".into(), "enum")));
    assert!(found.contains(&("\"budget\"".into(), "greater_than")));
    assert!(found.contains(&("\"limit\"".into(), "less_than_equal")));
}

#[test]
fn missing_fields_and_bad_json_follow_fastapi() {
    let issues = BudgetRequest::parse(br#"{"campaign_id":"c"}"#).unwrap_err();
    assert!(issues.iter().all(|i| i.kind == "missing"));
    assert_eq!(issues.len(), 2);
    let issues = BudgetRequest::parse(b"{nope").unwrap_err();
    assert_eq!(issues[0].kind, "json_invalid");
    assert_eq!(issues[0].loc[0], "body");
    let issues = BudgetRequest::parse(b"[1]").unwrap_err();
    assert_eq!(issues[0].kind, "model_attributes_type");
}

#[test]
fn duplicate_kol_ids_are_a_value_error() {
    let body = br#"{"campaign_id":"c","total_budget":10,"kol_ids":["a","b","a"]}"#;
    let issues = BudgetRequest::parse(body).unwrap_err();
    assert_eq!(issues[0].kind, "value_error");
    assert_eq!(issues[0].msg, "Value error, duplicate kol_ids: a");
    let ok = BudgetRequest::parse(
        br#"{"campaign_id":"c","total_budget":10,"kol_ids":["a"],"max_per_kol":null}"#,
    );
    assert_eq!(ok.unwrap().objective, "engagement");
}
