"""/openapi.json is what the Rust contract test reads: names and required flags are fixed."""

from kol_backend.main import create_app

EXPECTED_REQUIRED = {
    "HealthResponse": {"status", "version"},
    "MatchKolsRequest": {"campaign_id", "categories", "budget"},
    "KolMatch": {
        "kol_id", "name", "platform", "followers", "engagement_rate", "categories", "score",
        "estimated_cost",
    },
    "MatchMeta": {"algorithm_used", "confidence", "processing_time_ms"},
    "MatchKolsResponse": {"matches", "total_candidates", "meta"},
    "OptimizeBudgetRequest": {"campaign_id", "total_budget", "kol_ids"},
    "BudgetAllocation": {"kol_id", "allocated_budget", "priority", "reasoning"},
    "BudgetSummary": {"total_allocated", "remaining_budget", "efficiency_score"},
    "OptimizationMeta": {"algorithm_used", "confidence"},
    "OptimizeBudgetResponse": {"allocation", "summary", "meta"},
}
OPTIONAL = {
    "MatchKolsRequest": {
        "platforms", "min_followers", "max_followers", "min_engagement_rate", "limit",
    },
    "OptimizeBudgetRequest": {"objective", "max_per_kol"},
}


def schemas(faults_enabled=False):
    return create_app(faults_enabled=faults_enabled).openapi()["components"]["schemas"]


def test_models_have_stable_names_and_required_flags():
    found = schemas()
    for name, required in EXPECTED_REQUIRED.items():
        schema = found[name]
        assert set(schema.get("required", [])) == required, name
        assert set(schema["properties"]) == required | OPTIONAL.get(name, set()), name


def test_enums():
    found = schemas()
    assert found["Platform"]["enum"] == ["instagram", "tiktok", "youtube", "twitter"]
    assert found["Objective"]["enum"] == ["reach", "engagement", "conversions"]


def test_defaults_are_published():
    found = schemas()
    match = found["MatchKolsRequest"]["properties"]
    assert match["min_followers"]["default"] == 0
    assert match["min_engagement_rate"]["default"] == 0.0
    assert match["limit"]["default"] == 10
    assert found["OptimizeBudgetRequest"]["properties"]["objective"]["default"] == "engagement"


def test_contract_does_not_depend_on_fault_tooling():
    assert create_app(True).openapi() == create_app(False).openapi()
    paths = create_app(True).openapi()["paths"]
    assert set(paths) == {"/health", "/api/v1/kols/match", "/api/v1/budget/optimize"}
