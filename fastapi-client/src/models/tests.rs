use proptest::prelude::*;
use serde_json::json;

use super::*;
use fallback_cache::Provenance;

fn sample_match() -> MatchKolsResponse {
    MatchKolsResponse {
        matches: vec![KolMatch {
            kol_id: "kol-0001".into(),
            name: "Farah Ito".into(),
            platform: Platform::Twitter,
            followers: 2687,
            engagement_rate: 0.0212,
            categories: vec!["parenting".into(), "food".into()],
            score: 0.6123,
            estimated_cost: 50.0,
        }],
        total_candidates: 17,
        meta: MatchMeta {
            algorithm_used: "weighted-match-v1".into(),
            confidence: 0.71,
            processing_time_ms: 0.412,
            provenance: Provenance::Live,
        },
    }
}

fn sample_budget() -> OptimizeBudgetResponse {
    OptimizeBudgetResponse {
        allocation: vec![BudgetAllocation {
            kol_id: "kol-0001".into(),
            allocated_budget: 600.0,
            priority: 1,
            reasoning: "best engagement per dollar".into(),
        }],
        summary: BudgetSummary {
            total_allocated: 600.0,
            remaining_budget: 400.0,
            efficiency_score: 0.8,
        },
        meta: OptimizationMeta {
            algorithm_used: "greedy-v1".into(),
            confidence: 0.9,
            provenance: Provenance::Live,
        },
    }
}

fn round_trip<T>(value: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let text = serde_json::to_string(value).unwrap();
    let back: T = serde_json::from_str(&text).unwrap();
    assert_eq!(&back, value, "{text}");
}

#[test]
fn every_model_round_trips() {
    round_trip(&MatchKolsRequest::new("c-1", ["tech"], 1000.0));
    round_trip(&MatchKolsRequest {
        platforms: Some(vec![Platform::Youtube, Platform::Tiktok]),
        max_followers: Some(1_000_000),
        ..MatchKolsRequest::new("c-1", ["tech", "gaming"], 5000.0)
    });
    round_trip(&OptimizeBudgetRequest::new("c-1", 1000.0, ["kol-0001"]));
    round_trip(&OptimizeBudgetRequest {
        objective: Objective::Reach,
        max_per_kol: Some(250.0),
        ..OptimizeBudgetRequest::new("c-1", 1000.0, ["kol-0001", "kol-0002"])
    });
    round_trip(&sample_match());
    round_trip(&sample_budget());
    round_trip(&HealthResponse {
        status: "ok".into(),
        version: "1.0.0".into(),
    });
    for platform in Platform::ALL {
        round_trip(&platform);
        assert_eq!(
            serde_json::to_value(&platform).unwrap(),
            json!(platform.as_str())
        );
    }
    assert_eq!(format!("[{:<9}]", Platform::Tiktok), "[tiktok   ]");
    for objective in Objective::ALL {
        round_trip(&objective);
        assert_eq!(
            serde_json::to_value(objective).unwrap(),
            json!(objective.to_string())
        );
    }
}

#[test]
fn requests_omit_unset_optionals_and_read_the_backend_defaults() {
    let request = MatchKolsRequest::new("c-1", ["tech"], 1000.0);
    let wire = serde_json::to_value(&request).unwrap();
    assert_eq!(
        wire,
        json!({"campaign_id": "c-1", "categories": ["tech"], "min_followers": 0, "min_engagement_rate": 0.0, "budget": 1000.0, "limit": 10})
    );
    let minimal: MatchKolsRequest = serde_json::from_value(
        json!({"campaign_id": "c-1", "categories": ["tech"], "budget": 1000.0}),
    )
    .unwrap();
    assert_eq!(minimal, request);

    let minimal: OptimizeBudgetRequest =
        serde_json::from_value(json!({"campaign_id": "c", "total_budget": 5, "kol_ids": ["a"]}))
            .unwrap();
    assert_eq!(minimal.objective, Objective::Engagement);
    assert_eq!(minimal.max_per_kol, None);
    assert_eq!(
        serde_json::to_value(&minimal).unwrap()["objective"],
        "engagement"
    );
}

#[test]
fn responses_ignore_unknown_fields_but_need_every_known_one() {
    let mut wire = serde_json::to_value(sample_match()).unwrap();
    wire["meta"]["shard"] = json!("eu-1");
    assert_eq!(
        serde_json::from_value::<MatchKolsResponse>(wire.clone()).unwrap(),
        sample_match()
    );
    wire["meta"].as_object_mut().unwrap().remove("confidence");
    assert!(serde_json::from_value::<MatchKolsResponse>(wire).is_err());
}

#[test]
fn a_platform_added_by_the_backend_decodes_instead_of_failing_the_answer() {
    let mut wire = serde_json::to_value(sample_match()).unwrap();
    wire["matches"][0]["platform"] = json!("bluesky");
    let answer: MatchKolsResponse = serde_json::from_value(wire.clone()).unwrap();
    assert_eq!(
        answer.matches[0].platform,
        Platform::Other("bluesky".into())
    );
    assert!(!answer.matches[0].platform.is_known());
    assert_eq!(serde_json::to_value(&answer).unwrap(), wire, "kept as sent");
    assert_eq!(answer.matches[0].platform.to_string(), "bluesky");
    // Still a string, though.
    wire["matches"][0]["platform"] = json!(7);
    assert!(serde_json::from_value::<MatchKolsResponse>(wire).is_err());
    for known in Platform::ALL {
        assert_eq!(Platform::from_wire(known.as_str()), known);
    }
}

#[test]
fn validation_names_the_field_and_rule() {
    let ok = MatchKolsRequest::new("c-1", ["tech"], 1000.0);
    ok.validate().unwrap();
    let cases: Vec<(MatchKolsRequest, &str)> = vec![
        (
            MatchKolsRequest {
                campaign_id: String::new(),
                ..ok.clone()
            },
            "campaign_id",
        ),
        (
            MatchKolsRequest {
                campaign_id: "x".repeat(65),
                ..ok.clone()
            },
            "campaign_id",
        ),
        (
            MatchKolsRequest {
                categories: vec![],
                ..ok.clone()
            },
            "categories",
        ),
        (
            MatchKolsRequest {
                categories: vec!["a".into(); 11],
                ..ok.clone()
            },
            "categories",
        ),
        (
            MatchKolsRequest {
                min_engagement_rate: 1.5,
                ..ok.clone()
            },
            "min_engagement_rate",
        ),
        (
            MatchKolsRequest {
                min_engagement_rate: f64::NAN,
                ..ok.clone()
            },
            "min_engagement_rate",
        ),
        (
            MatchKolsRequest {
                budget: 0.0,
                ..ok.clone()
            },
            "budget",
        ),
        (
            MatchKolsRequest {
                budget: f64::INFINITY,
                ..ok.clone()
            },
            "budget",
        ),
        (
            MatchKolsRequest {
                limit: 0,
                ..ok.clone()
            },
            "limit",
        ),
        (
            MatchKolsRequest {
                limit: 101,
                ..ok.clone()
            },
            "limit",
        ),
        (
            MatchKolsRequest {
                budget: 1e307,
                ..ok.clone()
            },
            "budget",
        ),
        (
            MatchKolsRequest {
                platforms: Some(vec![Platform::Tiktok, Platform::Other("bluesky".into())]),
                ..ok.clone()
            },
            "platforms[1]",
        ),
    ];
    for (request, field) in cases {
        let err = request.validate().unwrap_err();
        assert_eq!(err.field(), field, "{err}");
        assert!(err.to_string().contains(field));
    }
    // Multi-byte characters count once, as pydantic counts them.
    MatchKolsRequest {
        campaign_id: "é".repeat(64),
        ..ok.clone()
    }
    .validate()
    .unwrap();
    // What the backend accepts, the client accepts.
    MatchKolsRequest {
        platforms: Some(vec![]),
        max_followers: Some(0),
        min_followers: 10,
        ..ok
    }
    .validate()
    .unwrap();

    let ok = OptimizeBudgetRequest::new("c-1", 1000.0, ["a", "b"]);
    ok.validate().unwrap();
    let cases: Vec<(OptimizeBudgetRequest, &str)> = vec![
        (
            OptimizeBudgetRequest {
                total_budget: -1.0,
                ..ok.clone()
            },
            "total_budget",
        ),
        (
            OptimizeBudgetRequest {
                kol_ids: vec![],
                ..ok.clone()
            },
            "kol_ids",
        ),
        (
            OptimizeBudgetRequest {
                kol_ids: (0..101).map(|i| format!("k{i}")).collect(),
                ..ok.clone()
            },
            "kol_ids",
        ),
        (
            OptimizeBudgetRequest {
                kol_ids: vec!["a".into(), "b".into(), "a".into()],
                ..ok.clone()
            },
            "kol_ids",
        ),
        (
            OptimizeBudgetRequest {
                max_per_kol: Some(0.0),
                ..ok.clone()
            },
            "max_per_kol",
        ),
        (
            OptimizeBudgetRequest {
                total_budget: 1e307,
                ..ok.clone()
            },
            "total_budget",
        ),
        (
            OptimizeBudgetRequest {
                max_per_kol: Some(crate::MAX_AMOUNT * 1.5),
                ..ok.clone()
            },
            "max_per_kol",
        ),
        (
            OptimizeBudgetRequest {
                campaign_id: String::new(),
                ..ok.clone()
            },
            "campaign_id",
        ),
    ];
    for (request, field) in cases {
        assert_eq!(request.validate().unwrap_err().field(), field);
    }
    // The largest amount is allowed, exactly.
    OptimizeBudgetRequest {
        total_budget: crate::MAX_AMOUNT,
        max_per_kol: Some(crate::MAX_AMOUNT),
        ..ok
    }
    .validate()
    .unwrap();
}

fn platform() -> impl Strategy<Value = Platform> {
    prop::sample::select(Platform::ALL.to_vec())
}

fn kol_match() -> impl Strategy<Value = KolMatch> {
    super::strategies::kol_match(platform())
}

proptest! {
    #[test]
    fn any_match_response_round_trips(matches in prop::collection::vec(kol_match(), 0..5), total in any::<u64>(), confidence in 0.0..=1.0f64, ms in 0.0..1e6f64) {
        let response = MatchKolsResponse {
            matches,
            total_candidates: total,
            meta: MatchMeta { algorithm_used: "x".into(), confidence, processing_time_ms: ms, provenance: Provenance::Live },
        };
        let text = serde_json::to_string(&response).unwrap();
        prop_assert_eq!(serde_json::from_str::<MatchKolsResponse>(&text).unwrap(), response);
    }

    #[test]
    fn any_request_round_trips(
        campaign in "[a-z0-9]{1,64}",
        categories in prop::collection::vec("[a-z]{1,10}", 1..=10),
        platforms in prop::option::of(prop::collection::vec(platform(), 0..4)),
        min_followers in any::<u64>(),
        max_followers in prop::option::of(any::<u64>()),
        rate in 0.0..=1.0f64,
        budget in 0.01..1e12f64,
        limit in 1u32..=100,
    ) {
        let request = MatchKolsRequest { campaign_id: campaign, categories, platforms, min_followers, max_followers, min_engagement_rate: rate, budget, limit };
        prop_assert!(request.validate().is_ok());
        let text = serde_json::to_string(&request).unwrap();
        prop_assert_eq!(serde_json::from_str::<MatchKolsRequest>(&text).unwrap(), request);
    }
}
