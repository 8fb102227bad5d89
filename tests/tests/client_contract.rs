//! The contract test: the backend's `/openapi.json` and the client's models
//! agree on every field, its JSON type, whether it is required, its default
//! and its constraints, so the two cannot drift apart.
//!
//! Types and required flags are checked through serde itself (what the
//! models accept and produce on the wire), constraints through the client's
//! `validate()` and the live backend side by side.
//!
//! Runs against `$KOL_BACKEND_URL` when set (`cargo xtask test
//! --backend-url URL`), with read-only calls only.

use std::collections::{BTreeSet, HashSet};
use std::fmt::Debug;

use fastapi_client::{
    ApiDetail, BudgetAllocation, BudgetSummary, HealthResponse, KolMatch, MatchKolsRequest,
    MatchKolsResponse, MatchMeta, Objective, OptimizationMeta, OptimizeBudgetRequest,
    OptimizeBudgetResponse, Platform, Provenance, ValidationIssue,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use tests::backend::Backend;
use tests::openapi::{branches, conforms, nullable, probes, required};

/// Response fields whose enum decodes values the client does not know
/// (`Platform::Other`), so that a backend adding one does not fail every
/// answer.
const FORWARD_COMPATIBLE: [(&str, &str); 1] = [("KolMatch", "platform")];

fn accepts<T: DeserializeOwned>(value: Value) -> bool {
    serde_json::from_value::<T>(value).is_ok()
}

/// Checks one model against its component schema. `full` must have every
/// optional field set, so every field appears on the wire.
fn check_model<T>(spec: &Value, name: &str, full: &T)
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let schema = &spec["components"]["schemas"][name];
    assert_eq!(schema["type"], "object", "{name} is not an object schema");
    let properties = schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("{name} has no properties"));
    let required = required(schema);
    let wire = serde_json::to_value(full).unwrap();
    let fields = wire.as_object().unwrap();

    let rust_names: BTreeSet<&String> = fields.keys().collect();
    let spec_names: BTreeSet<&String> = properties.keys().collect();
    assert_eq!(rust_names, spec_names, "{name}: field names differ");
    assert!(
        conforms(spec, schema, &wire),
        "{name}: the Rust model's JSON does not fit the schema: {wire}"
    );
    assert_eq!(
        serde_json::from_value::<T>(wire.clone()).unwrap(),
        *full,
        "{name}: round trip"
    );

    for (field, property) in properties {
        let with = |value: Value| {
            let mut object: Map<String, Value> = fields.clone();
            object.insert(field.clone(), value);
            Value::Object(object)
        };
        let mut without = fields.clone();
        without.remove(field);
        let omitted_ok = accepts::<T>(Value::Object(without.clone()));
        assert_eq!(
            omitted_ok,
            !required.contains(field.as_str()),
            "{name}.{field}: required flag"
        );

        if let Some(default) = property.get("default") {
            let filled =
                serde_json::to_value(serde_json::from_value::<T>(Value::Object(without)).unwrap())
                    .unwrap();
            assert_eq!(
                filled.get(field).unwrap_or(&Value::Null),
                default,
                "{name}.{field}: default"
            );
        } else if !required.contains(field.as_str()) {
            // No default in the schema means null: the Rust side leaves it unset.
            let filled =
                serde_json::to_value(serde_json::from_value::<T>(Value::Object(without)).unwrap())
                    .unwrap();
            assert!(
                filled.get(field).is_none_or(Value::is_null),
                "{name}.{field}: unset means null"
            );
        }

        assert_eq!(
            accepts::<T>(with(Value::Null)),
            nullable(spec, property),
            "{name}.{field}: nullable"
        );
        let kinds: Vec<&Value> = branches(spec, property)
            .into_iter()
            .filter(|b| b["type"] != "null")
            .collect();
        assert_eq!(kinds.len(), 1, "{name}.{field}: one non-null type expected");
        let kind = kinds[0];
        if let Some(options) = kind.get("enum").and_then(Value::as_array) {
            for option in options {
                assert!(
                    accepts::<T>(with(option.clone())),
                    "{name}.{field}: enum value {option} refused"
                );
            }
            // A value the backend adds later: response enums the client
            // keeps forward compatible decode it and keep it as sent;
            // every other enum refuses it.
            let outside = with(json!("not-a-listed-value"));
            match serde_json::from_value::<T>(outside) {
                Ok(decoded) => {
                    assert!(
                        FORWARD_COMPATIBLE.contains(&(name, field.as_str())),
                        "{name}.{field}: accepts values outside the enum"
                    );
                    assert_eq!(
                        serde_json::to_value(&decoded).unwrap()[field],
                        "not-a-listed-value",
                        "{name}.{field}: an unknown value is kept, not replaced"
                    );
                }
                Err(_) => assert!(
                    !FORWARD_COMPATIBLE.contains(&(name, field.as_str())),
                    "{name}.{field}: an unknown value fails the whole answer"
                ),
            }
            continue;
        }
        match kind["type"].as_str().unwrap() {
            "string" => assert!(
                !accepts::<T>(with(json!(1))),
                "{name}.{field}: a number passes as a string"
            ),
            "integer" => {
                assert!(
                    !accepts::<T>(with(json!(1.5))),
                    "{name}.{field}: a fraction passes as an integer"
                );
                assert!(
                    !accepts::<T>(with(json!("1"))),
                    "{name}.{field}: a string passes as an integer"
                );
            }
            "number" => {
                assert!(
                    accepts::<T>(with(json!(3))),
                    "{name}.{field}: an integer is a number too"
                );
                assert!(
                    !accepts::<T>(with(json!("3"))),
                    "{name}.{field}: a string passes as a number"
                );
            }
            "array" => assert!(
                !accepts::<T>(with(json!("x"))),
                "{name}.{field}: a string passes as an array"
            ),
            "object" => assert!(
                !accepts::<T>(with(json!([]))),
                "{name}.{field}: an array passes as an object"
            ),
            other => panic!("{name}.{field}: unhandled type {other}"),
        }
    }
}

/// For every constrained field of a request model, the schema, the client's
/// `validate()` and the live backend agree on each probe value.
async fn check_constraints<T>(
    spec: &Value,
    backend: &Backend,
    name: &str,
    path: &str,
    valid: &T,
    validate: fn(&T) -> bool,
) where
    T: Serialize + DeserializeOwned,
{
    let schema = &spec["components"]["schemas"][name];
    let base = serde_json::to_value(valid).unwrap();
    assert!(validate(valid));
    let (status, _) = backend.post_json(path, &base).await;
    assert_eq!(
        status, 200,
        "{name}: the valid sample must pass the backend"
    );
    let mut probed = 0;
    for (field, property) in schema["properties"].as_object().unwrap() {
        for (value, allowed) in probes(spec, property) {
            let mut body = base.clone();
            body[field] = value.clone();
            let client_ok = serde_json::from_value::<T>(body.clone()).is_ok_and(|t| validate(&t));
            let (status, answer) = backend.post_json(path, &body).await;
            let backend_ok = match status {
                200 => true,
                422 => false,
                // Probed ids (`item-0`, ...) are not KOLs: the handler's
                // 404 comes after validation passed.
                404 if answer["detail"]
                    .as_str()
                    .is_some_and(|d| d.starts_with("unknown kol_id")) =>
                {
                    true
                }
                other => panic!(
                    "{name}.{field} = {value}: the backend answered {other} ({answer}), neither accepted nor refused"
                ),
            };
            assert_eq!(
                backend_ok, allowed,
                "{name}.{field} = {value}: the backend disagrees with its schema ({status} {answer})"
            );
            assert_eq!(
                client_ok, allowed,
                "{name}.{field} = {value}: the client disagrees with the schema"
            );
            probed += 1;
        }
    }
    assert!(
        probed >= 6,
        "{name}: too few constraints found ({probed}); did the schema change shape?"
    );
}

fn full_match_request() -> MatchKolsRequest {
    MatchKolsRequest {
        platforms: Some(vec![Platform::Instagram, Platform::Youtube]),
        min_followers: 1_000,
        max_followers: Some(10_000_000),
        min_engagement_rate: 0.01,
        limit: 7,
        ..MatchKolsRequest::new("contract", ["tech", "gaming"], 2_500.5)
    }
}

fn full_budget_request(kol_ids: [String; 2]) -> OptimizeBudgetRequest {
    OptimizeBudgetRequest {
        objective: Objective::Conversions,
        max_per_kol: Some(900.0),
        ..OptimizeBudgetRequest::new("contract", 3_000.0, kol_ids)
    }
}

/// Two KOL ids the backend knows, asked from the backend itself (an
/// external one has its own).
async fn known_kols(backend: &Backend) -> [String; 2] {
    let client = tests::client_fixtures::client_for(backend, |_| {});
    let found = client.match_kols(&full_match_request()).await.unwrap();
    assert!(found.matches.len() >= 2, "the backend knows too few KOLs");
    [
        found.matches[0].kol_id.clone(),
        found.matches[1].kol_id.clone(),
    ]
}

#[tokio::test]
async fn openapi_matches_the_rust_models() {
    let backend = Backend::under_test().await;
    let spec = backend.get_json("/openapi.json").await;

    // Every operation the backend publishes is one the client calls.
    let paths: BTreeSet<&str> = spec["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        paths,
        BTreeSet::from(["/health", "/api/v1/kols/match", "/api/v1/budget/optimize"])
    );
    let body_ref = |path: &str| {
        spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            .clone()
    };
    let answer_ref = |path: &str, method: &str, status: &str| {
        spec["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]["$ref"].clone()
    };
    assert_eq!(
        answer_ref("/health", "get", "200"),
        "#/components/schemas/HealthResponse"
    );
    assert_eq!(
        body_ref("/api/v1/kols/match"),
        "#/components/schemas/MatchKolsRequest"
    );
    assert_eq!(
        answer_ref("/api/v1/kols/match", "post", "200"),
        "#/components/schemas/MatchKolsResponse"
    );
    assert_eq!(
        answer_ref("/api/v1/kols/match", "post", "422"),
        "#/components/schemas/HTTPValidationError"
    );
    assert_eq!(
        body_ref("/api/v1/budget/optimize"),
        "#/components/schemas/OptimizeBudgetRequest"
    );
    assert_eq!(
        answer_ref("/api/v1/budget/optimize", "post", "200"),
        "#/components/schemas/OptimizeBudgetResponse"
    );
    assert_eq!(
        answer_ref("/api/v1/budget/optimize", "post", "404"),
        "#/components/schemas/ErrorResponse"
    );

    let kol = KolMatch {
        kol_id: "kol-0001".into(),
        name: "A".into(),
        platform: Platform::Tiktok,
        followers: 10,
        engagement_rate: 0.1,
        categories: vec!["tech".into()],
        score: 0.5,
        estimated_cost: 10.0,
    };
    let match_meta = MatchMeta {
        algorithm_used: "a".into(),
        confidence: 0.5,
        processing_time_ms: 1.5,
        provenance: Provenance::Live,
    };
    let allocation = BudgetAllocation {
        kol_id: "kol-0001".into(),
        allocated_budget: 1.0,
        priority: 1,
        reasoning: "r".into(),
    };
    let summary = BudgetSummary {
        total_allocated: 1.0,
        remaining_budget: 2.0,
        efficiency_score: 0.5,
    };
    let budget_meta = OptimizationMeta {
        algorithm_used: "a".into(),
        confidence: 0.5,
        provenance: Provenance::Live,
    };

    check_model(
        &spec,
        "HealthResponse",
        &HealthResponse {
            status: "ok".into(),
            version: "1.0.0".into(),
        },
    );
    check_model(&spec, "MatchKolsRequest", &full_match_request());
    check_model(&spec, "KolMatch", &kol);
    check_model(&spec, "MatchMeta", &match_meta);
    check_model(
        &spec,
        "MatchKolsResponse",
        &MatchKolsResponse {
            matches: vec![kol],
            total_candidates: 3,
            meta: match_meta,
        },
    );
    check_model(
        &spec,
        "OptimizeBudgetRequest",
        &full_budget_request(["kol-0001".into(), "kol-0002".into()]),
    );
    check_model(&spec, "BudgetAllocation", &allocation);
    check_model(&spec, "BudgetSummary", &summary);
    check_model(&spec, "OptimizationMeta", &budget_meta);
    check_model(
        &spec,
        "OptimizeBudgetResponse",
        &OptimizeBudgetResponse {
            allocation: vec![allocation],
            summary,
            meta: budget_meta,
        },
    );

    for (name, values) in [
        ("Platform", Platform::ALL.map(|p| json!(p)).to_vec()),
        ("Objective", Objective::ALL.map(|o| json!(o)).to_vec()),
    ] {
        let listed: BTreeSet<String> = spec["components"]["schemas"][name]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.to_string())
            .collect();
        let ours: BTreeSet<String> = values.iter().map(Value::to_string).collect();
        assert_eq!(listed, ours, "{name} values");
    }

    // Every amount has the client's maximum, published by the backend.
    for (model, field) in [
        ("MatchKolsRequest", "budget"),
        ("OptimizeBudgetRequest", "total_budget"),
        ("OptimizeBudgetRequest", "max_per_kol"),
    ] {
        let property = &spec["components"]["schemas"][model]["properties"][field];
        let maxima: Vec<f64> = branches(&spec, property)
            .into_iter()
            .filter_map(|b| b.get("maximum").and_then(Value::as_f64))
            .collect();
        assert_eq!(
            maxima,
            [fastapi_client::MAX_AMOUNT],
            "{model}.{field}: the published maximum"
        );
    }

    // Error bodies: `detail` as a message, or FastAPI's validation list.
    let message = &spec["components"]["schemas"]["ErrorResponse"];
    assert_eq!(message["properties"]["detail"]["type"], "string");
    assert!(matches!(
        ApiDetail::parse(br#"{"detail": "unknown kol_id: x"}"#),
        Some(ApiDetail::Message(_))
    ));
    let issue_schema = &spec["components"]["schemas"]["ValidationError"];
    let issue = ValidationIssue {
        loc: vec![json!("body"), json!(0)],
        msg: "m".into(),
        kind: "t".into(),
    };
    let issue_wire = serde_json::to_value(&issue).unwrap();
    assert!(conforms(&spec, issue_schema, &issue_wire));
    let issue_fields: HashSet<&str> = issue_wire
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        issue_fields,
        required(issue_schema),
        "ValidationIssue holds exactly the required fields"
    );
    let list = json!({"detail": [issue_wire]});
    assert!(conforms(
        &spec,
        &spec["components"]["schemas"]["HTTPValidationError"],
        &list
    ));
    assert!(
        matches!(ApiDetail::parse(list.to_string().as_bytes()), Some(ApiDetail::Validation(v)) if v == vec![issue])
    );

    // No schema is left unchecked: a new one must be added here.
    let covered = BTreeSet::from([
        "BudgetAllocation",
        "BudgetSummary",
        "ErrorResponse",
        "HTTPValidationError",
        "HealthResponse",
        "KolMatch",
        "MatchKolsRequest",
        "MatchKolsResponse",
        "MatchMeta",
        "Objective",
        "OptimizationMeta",
        "OptimizeBudgetRequest",
        "OptimizeBudgetResponse",
        "Platform",
        "ValidationError",
    ]);
    let published: BTreeSet<&str> = spec["components"]["schemas"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(published, covered);
}

#[tokio::test]
async fn the_client_refuses_exactly_what_the_backend_refuses() {
    let backend = Backend::under_test().await;
    let spec = backend.get_json("/openapi.json").await;
    let kol_ids = known_kols(&backend).await;
    check_constraints(
        &spec,
        &backend,
        "MatchKolsRequest",
        "/api/v1/kols/match",
        &full_match_request(),
        |r| r.validate().is_ok(),
    )
    .await;
    check_constraints(
        &spec,
        &backend,
        "OptimizeBudgetRequest",
        "/api/v1/budget/optimize",
        &full_budget_request(kol_ids),
        |r| r.validate().is_ok(),
    )
    .await;
}

#[tokio::test]
async fn the_published_contract_is_the_same_without_the_fault_api() {
    if std::env::var_os(tests::backend::BACKEND_URL_ENV).is_some() {
        eprintln!(
            "SKIPPED the_published_contract_is_the_same_without_the_fault_api: it compares two reference backends it starts itself"
        );
        return;
    }
    let plain = Backend::start_with_faults(false).await;
    let faulty = Backend::start().await;
    assert_eq!(
        plain.get_json("/openapi.json").await,
        faulty.get_json("/openapi.json").await
    );
    let (status, _) = plain
        .post_json("/_faults", &json!({"error_status": 500}))
        .await;
    assert_eq!(
        status, 404,
        "the fault API exists only with KOL_BACKEND_FAULTS=1"
    );
}
