"""The public contract, in process (FastAPI TestClient)."""

import pytest
from fastapi.testclient import TestClient

from kol_backend.main import create_app

MATCH = "/api/v1/kols/match"
OPTIMIZE = "/api/v1/budget/optimize"


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app(faults_enabled=False))


def match_body(**overrides):
    body = {"campaign_id": "camp-1", "categories": ["fashion", "beauty"], "budget": 5000.0}
    body.update(overrides)
    return body


def optimize_body(**overrides):
    body = {"campaign_id": "camp-1", "total_budget": 10000.0, "kol_ids": ["kol-0001", "kol-0002"]}
    body.update(overrides)
    return body


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": "1.0.0"}


def test_match_shape_order_and_filters(client):
    response = client.post(
        MATCH,
        json=match_body(platforms=["tiktok", "youtube"], min_followers=5000,
                        max_followers=2_000_000, min_engagement_rate=0.02, limit=25),
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"matches", "total_candidates", "meta"}
    assert set(body["meta"]) == {"algorithm_used", "confidence", "processing_time_ms"}
    assert body["meta"]["algorithm_used"] == "weighted-match-v1"
    matches = body["matches"]
    assert 0 < len(matches) <= 25
    assert body["total_candidates"] >= len(matches)
    keys = [(-m["score"], m["kol_id"]) for m in matches]
    assert keys == sorted(keys)
    for m in matches:
        assert m["platform"] in ("tiktok", "youtube")
        assert 5000 <= m["followers"] <= 2_000_000
        assert m["engagement_rate"] >= 0.02
        assert {"fashion", "beauty"} & set(m["categories"])
        assert 0.0 <= m["score"] <= 1.0


def test_match_is_deterministic_apart_from_timing(client):
    first = client.post(MATCH, json=match_body(limit=100)).json()
    second = client.post(MATCH, json=match_body(limit=100)).json()
    for body in (first, second):
        body["meta"].pop("processing_time_ms")
    assert first == second


def test_match_defaults_search_all_platforms(client):
    explicit = client.post(
        MATCH, json=match_body(platforms=["instagram", "tiktok", "youtube", "twitter"])
    ).json()
    implicit = client.post(MATCH, json=match_body(platforms=None)).json()
    assert explicit["total_candidates"] == implicit["total_candidates"]
    assert len(implicit["matches"]) == 10


def test_unknown_category_matches_nothing(client):
    body = client.post(MATCH, json=match_body(categories=["crypto"])).json()
    assert body["matches"] == [] and body["total_candidates"] == 0
    assert body["meta"]["confidence"] == 0.0


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"campaign_id": ""}, "campaign_id"),
        ({"campaign_id": "x" * 65}, "campaign_id"),
        ({"categories": []}, "categories"),
        ({"categories": ["a"] * 11}, "categories"),
        ({"platforms": ["myspace"]}, "platforms"),
        ({"min_followers": -1}, "min_followers"),
        ({"min_engagement_rate": 1.5}, "min_engagement_rate"),
        ({"budget": 0}, "budget"),
        ({"budget": 1e307}, "budget"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
    ],
)
def test_match_validation_is_fastapi_422(client, overrides, field):
    response = client.post(MATCH, json=match_body(**overrides))
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail[0]["loc"][:2] == ["body", field]
    assert isinstance(detail[0]["msg"], str) and isinstance(detail[0]["type"], str)


def test_non_finite_budget_is_rejected(client):
    raw = '{"campaign_id": "c", "categories": ["tech"], "budget": Infinity}'
    response = client.post(MATCH, content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422


def test_optimize_balances_exactly(client):
    ids = ["kol-0010", "kol-0020", "kol-0030"]
    response = client.post(OPTIMIZE, json=optimize_body(kol_ids=ids))
    assert response.status_code == 200
    body = response.json()
    assert body["meta"]["algorithm_used"] == "efficiency-waterfill-v1"
    allocation = body["allocation"]
    assert sorted(a["priority"] for a in allocation) == [1, 2, 3]
    assert [a["priority"] for a in allocation] == [1, 2, 3]
    summary = body["summary"]
    assert summary["total_allocated"] + summary["remaining_budget"] == 10000.0
    cents = sum(round(a["allocated_budget"] * 100) for a in allocation)
    assert cents == round(summary["total_allocated"] * 100)


def test_optimize_respects_max_per_kol(client):
    body = client.post(
        OPTIMIZE, json=optimize_body(total_budget=5000.55, max_per_kol=100.0, objective="reach")
    ).json()
    assert all(a["allocated_budget"] <= 100.0 for a in body["allocation"])
    assert body["summary"]["total_allocated"] == 200.0
    assert body["summary"]["total_allocated"] + body["summary"]["remaining_budget"] == 5000.55


def test_optimize_unknown_ids_are_404(client):
    response = client.post(OPTIMIZE, json=optimize_body(kol_ids=["kol-0001", "kol-9999", "x"]))
    assert response.status_code == 404
    assert response.json() == {"detail": "unknown kol_id: kol-9999, x"}


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"kol_ids": []}, "kol_ids"),
        ({"kol_ids": ["kol-0001", "kol-0001"]}, "kol_ids"),
        ({"kol_ids": [f"kol-{i:04d}" for i in range(1, 102)]}, "kol_ids"),
        ({"total_budget": -5}, "total_budget"),
        ({"objective": "likes"}, "objective"),
        ({"max_per_kol": 0}, "max_per_kol"),
        ({"total_budget": 1e307}, "total_budget"),
        ({"total_budget": 1.0000000000001e13}, "total_budget"),
        ({"max_per_kol": 1e307}, "max_per_kol"),
    ],
)
def test_optimize_validation_is_fastapi_422(client, overrides, field):
    response = client.post(OPTIMIZE, json=optimize_body(**overrides))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["body", field]


def test_the_largest_amount_is_served_exactly(client):
    body = client.post(OPTIMIZE, json=optimize_body(total_budget=1e13, max_per_kol=1e13)).json()
    assert body["summary"]["total_allocated"] + body["summary"]["remaining_budget"] == 1e13


def test_fault_routes_absent_without_env(client):
    assert client.get("/_faults").status_code == 404
    assert client.post("/_faults", json={}).status_code == 404
    assert client.get("/_faults/requests").status_code == 404
