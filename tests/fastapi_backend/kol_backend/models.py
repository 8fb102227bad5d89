"""Request and response models: the single source of the wire contract.

Schema names are part of the contract (the Rust side compares `/openapi.json`
with its own models), so classes must not be renamed. Request fields with a
default are optional on the wire; response fields never have defaults so that
they are all listed as required.
"""

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, field_validator

CampaignId = Annotated[str, Field(min_length=1, max_length=64)]
Score = Annotated[float, Field(ge=0.0, le=1.0)]

# The largest money amount a request may carry: 10 trillion. Up to here every cent is exact
# in a double and the budget arithmetic cannot overflow (1e307 used to end in a 500 from
# math.floor(inf), and a client's breaker counted those against a healthy backend).
MAX_AMOUNT = 1e13
Amount = Annotated[float, Field(gt=0.0, le=MAX_AMOUNT, allow_inf_nan=False)]


class Platform(StrEnum):
    """Social platform a KOL publishes on."""

    instagram = "instagram"
    tiktok = "tiktok"
    youtube = "youtube"
    twitter = "twitter"


class Objective(StrEnum):
    """What a budget optimisation maximises."""

    reach = "reach"
    engagement = "engagement"
    conversions = "conversions"


class HealthResponse(BaseModel):
    """Liveness answer of `GET /health`."""

    status: str
    version: str


class MatchKolsRequest(BaseModel):
    """Campaign brief to match KOLs against."""

    campaign_id: CampaignId
    categories: Annotated[list[str], Field(min_length=1, max_length=10)]
    platforms: list[Platform] | None = Field(
        default=None, description="Platforms to search; null or absent means all four."
    )
    min_followers: Annotated[int, Field(ge=0)] = 0
    max_followers: int | None = None
    min_engagement_rate: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)] = 0.0
    budget: Amount
    limit: Annotated[int, Field(ge=1, le=100)] = 10


class KolMatch(BaseModel):
    """One matched KOL with its score for the campaign."""

    kol_id: str
    name: str
    platform: Platform
    followers: int
    engagement_rate: float
    categories: list[str]
    score: Score
    estimated_cost: float


class MatchMeta(BaseModel):
    """How a match result was produced."""

    algorithm_used: str
    confidence: Score
    processing_time_ms: float


class MatchKolsResponse(BaseModel):
    """Best matches first, plus how many KOLs passed the filters."""

    matches: list[KolMatch]
    total_candidates: int
    meta: MatchMeta


class OptimizeBudgetRequest(BaseModel):
    """Budget to spread over a chosen set of KOLs."""

    campaign_id: CampaignId
    total_budget: Amount
    kol_ids: Annotated[
        list[str], Field(min_length=1, max_length=100, json_schema_extra={"uniqueItems": True})
    ]
    objective: Objective = Objective.engagement
    max_per_kol: Amount | None = None

    @field_validator("kol_ids")
    @classmethod
    def kol_ids_unique(cls, kol_ids: list[str]) -> list[str]:
        seen: set[str] = set()
        duplicates = [k for k in kol_ids if k in seen or seen.add(k)]
        if duplicates:
            raise ValueError(f"duplicate kol_ids: {', '.join(dict.fromkeys(duplicates))}")
        return kol_ids


class BudgetAllocation(BaseModel):
    """Money assigned to one KOL."""

    kol_id: str
    allocated_budget: float
    priority: Annotated[int, Field(ge=1)]
    reasoning: str


class BudgetSummary(BaseModel):
    """Totals of an allocation; total_allocated + remaining_budget == total_budget."""

    total_allocated: float
    remaining_budget: float
    efficiency_score: Score


class OptimizationMeta(BaseModel):
    """How an allocation was produced."""

    algorithm_used: str
    confidence: Score


class OptimizeBudgetResponse(BaseModel):
    """Allocation in priority order plus its summary."""

    allocation: list[BudgetAllocation]
    summary: BudgetSummary
    meta: OptimizationMeta


class ErrorResponse(BaseModel):
    """Body of a non-validation error (404 unknown KOL, injected faults)."""

    detail: str
