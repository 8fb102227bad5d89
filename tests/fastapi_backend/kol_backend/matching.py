"""KOL matching: hard filters, then a weighted score in [0, 1]."""

import math
from dataclasses import dataclass

from .dataset import Dataset, Kol
from .models import KolMatch, MatchKolsRequest, Platform

ALGORITHM = "weighted-match-v1"

WEIGHT_CATEGORY = 0.40
WEIGHT_ENGAGEMENT = 0.25
WEIGHT_AUDIENCE = 0.20
WEIGHT_COST = 0.15

# Engagement rate at which the engagement component reaches 0.5; typical for the dataset.
ENGAGEMENT_MIDPOINT = 0.03
# Audience component runs linearly on a log scale from 1k (0.0) to 10M (1.0) followers.
AUDIENCE_LOG10_MIN = 3.0
AUDIENCE_LOG10_SPAN = 4.0


@dataclass(frozen=True)
class MatchResult:
    matches: list[KolMatch]
    total_candidates: int
    confidence: float


def _clamp01(value: float) -> float:
    return min(max(value, 0.0), 1.0)


def category_fit(wanted: frozenset[str], kol: Kol) -> float:
    """Half coverage of the brief, half focus of the KOL on it."""
    overlap = len(wanted.intersection(kol.categories))
    return 0.5 * overlap / len(wanted) + 0.5 * overlap / len(kol.categories)


def score(wanted: frozenset[str], kol: Kol, budget: float) -> float:
    cost_ratio = kol.cost_per_post / budget
    category = category_fit(wanted, kol)
    engagement = kol.engagement_rate / (kol.engagement_rate + ENGAGEMENT_MIDPOINT)
    audience = _clamp01((math.log10(kol.followers) - AUDIENCE_LOG10_MIN) / AUDIENCE_LOG10_SPAN)
    # Cheaper relative to the budget is better, but never below 0.5 while affordable.
    cost = 1.0 - 0.5 * min(cost_ratio, 1.0)
    blended = (
        WEIGHT_CATEGORY * category
        + WEIGHT_ENGAGEMENT * engagement
        + WEIGHT_AUDIENCE * audience
        + WEIGHT_COST * cost
    )
    # A KOL the budget cannot pay for one post of is scaled down by how far out of reach it is.
    affordability = min(1.0, 1.0 / cost_ratio)
    return round(_clamp01(blended * affordability), 4)


def _passes_filters(kol: Kol, request: MatchKolsRequest, platforms: set[str], wanted) -> bool:
    return (
        kol.platform in platforms
        and kol.followers >= request.min_followers
        and (request.max_followers is None or kol.followers <= request.max_followers)
        and kol.engagement_rate >= request.min_engagement_rate
        and not wanted.isdisjoint(kol.categories)
    )


def match_kols(dataset: Dataset, request: MatchKolsRequest) -> MatchResult:
    wanted = frozenset(c.strip().lower() for c in request.categories) - {""}
    chosen = request.platforms if request.platforms is not None else list(Platform)
    platforms = {p.value for p in chosen}

    candidates = [k for k in dataset.kols if _passes_filters(k, request, platforms, wanted)]
    # Scores are rounded before sorting so equal displayed scores fall back to kol_id order.
    ranked = sorted(
        ((score(wanted, k, request.budget), k) for k in candidates),
        key=lambda pair: (-pair[0], pair[1].kol_id),
    )[: request.limit]

    matches = [
        KolMatch(
            kol_id=k.kol_id,
            name=k.name,
            platform=Platform(k.platform),
            followers=k.followers,
            engagement_rate=k.engagement_rate,
            categories=list(k.categories),
            score=s,
            estimated_cost=k.cost_per_post,
        )
        for s, k in ranked
    ]
    confidence = _confidence(ranked, len(candidates), request.limit)
    return MatchResult(matches, len(candidates), confidence)


def _confidence(ranked, total_candidates: int, limit: int) -> float:
    """Half quality of the returned matches, half depth of the candidate pool."""
    if not ranked:
        return 0.0
    mean_score = sum(s for s, _ in ranked) / len(ranked)
    depth = min(1.0, total_candidates / (3 * limit))
    return round(_clamp01(0.5 * mean_score + 0.5 * depth), 4)
