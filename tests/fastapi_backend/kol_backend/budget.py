"""Budget optimisation: proportional-to-efficiency water filling, in whole cents."""

import math
from dataclasses import dataclass
from fractions import Fraction

from .dataset import Kol
from .models import (
    BudgetAllocation,
    BudgetSummary,
    Objective,
    OptimizationMeta,
    OptimizeBudgetRequest,
    OptimizeBudgetResponse,
)

ALGORITHM = "efficiency-waterfill-v1"

# Spending more than this many posts' worth on one KOL in a campaign is not realistic,
# so each KOL's allocation is capped there even without max_per_kol.
MAX_POSTS_PER_KOL = 10

# Absorbs binary representation error such as 0.29 * 100 == 28.999999999999996.
CENT_EPSILON = 1e-6

UNIT = {
    Objective.reach: "followers reached per USD",
    Objective.engagement: "engagements per USD",
    Objective.conversions: "expected conversions per USD",
}


@dataclass
class _Slot:
    kol: Kol
    efficiency: float
    cap_cents: int
    cap_reason: str
    priority: int = 0
    cents: int = 0


def efficiency(kol: Kol, objective: Objective) -> float:
    value = float(kol.followers)
    if objective in (Objective.engagement, Objective.conversions):
        value *= kol.engagement_rate
    if objective is Objective.conversions:
        value *= kol.conversion_rate
    return value / kol.cost_per_post


def to_cents(amount: float) -> int:
    return math.floor(amount * 100 + CENT_EPSILON)


def _fill(slots: list[_Slot], budget_cents: int) -> int:
    """Spread budget_cents over slots proportionally to efficiency, honouring caps.

    Exact rational arithmetic keeps the result independent of float rounding.
    Returns the cents left over because every slot hit its cap.
    """
    remaining = budget_cents
    active = [s for s in slots if s.cap_cents > 0]
    while active and remaining > 0:
        total_weight = sum(Fraction(s.efficiency) for s in active)
        share = {id(s): remaining * Fraction(s.efficiency) / total_weight for s in active}
        capped = [s for s in active if share[id(s)] >= s.cap_cents - s.cents]
        if capped:
            for s in capped:
                remaining -= s.cap_cents - s.cents
                s.cents = s.cap_cents
            capped_ids = {id(s) for s in capped}
            active = [s for s in active if id(s) not in capped_ids]
            continue
        for s in active:
            given = math.floor(share[id(s)])
            s.cents += given
            remaining -= given
        # Fewer cents than active slots are left by the flooring: best first, one each.
        for s in active:
            if remaining == 0:
                break
            if s.cents < s.cap_cents:
                s.cents += 1
                remaining -= 1
        break
    return remaining


def remaining_budget(total: float, allocated: float) -> float:
    """The value r >= 0 closest to total - allocated with allocated + r == total exactly.

    Exact equality in IEEE-754 doubles is what a client checking the summary will
    test; a whole-cents r is preferred when it satisfies it.
    """
    for candidate in (round(total - allocated, 2), total - allocated):
        if candidate >= 0 and allocated + candidate == total:
            return candidate
    up = down = total - allocated
    for _ in range(16):
        up, down = math.nextafter(up, math.inf), math.nextafter(down, -math.inf)
        for candidate in (up, down):
            if candidate >= 0 and allocated + candidate == total:
                return candidate
    return max(total - allocated, 0.0)


def _reasoning(slot: _Slot, count: int, objective: Objective, total_cents: int) -> str:
    share = 100.0 * slot.cents / total_cents if total_cents else 0.0
    text = (
        f"rank {slot.priority} of {count} by {objective.value}: "
        f"{slot.efficiency:.4g} {UNIT[objective]}; {share:.1f}% of budget"
    )
    if slot.cap_cents > 0 and slot.cents == slot.cap_cents:
        text += f"; capped at {slot.cap_reason}"
    return text


def optimize(kols: list[Kol], request: OptimizeBudgetRequest) -> OptimizeBudgetResponse:
    objective = request.objective
    post_cap_reason = f"{MAX_POSTS_PER_KOL} posts"
    slots = []
    for kol in kols:
        cap = to_cents(MAX_POSTS_PER_KOL * kol.cost_per_post)
        reason = post_cap_reason
        if request.max_per_kol is not None and to_cents(request.max_per_kol) < cap:
            cap, reason = to_cents(request.max_per_kol), "max_per_kol"
        slots.append(_Slot(kol, efficiency(kol, objective), cap, reason))

    slots.sort(key=lambda s: (-s.efficiency, s.kol.kol_id))
    for rank, slot in enumerate(slots, start=1):
        slot.priority = rank

    budget_cents = to_cents(request.total_budget)
    _fill(slots, budget_cents)
    allocated_cents = sum(s.cents for s in slots)
    total_allocated = allocated_cents / 100

    allocation = [
        BudgetAllocation(
            kol_id=s.kol.kol_id,
            allocated_budget=s.cents / 100,
            priority=s.priority,
            reasoning=_reasoning(s, len(slots), objective, budget_cents),
        )
        for s in slots
    ]
    summary = BudgetSummary(
        total_allocated=total_allocated,
        remaining_budget=remaining_budget(request.total_budget, total_allocated),
        efficiency_score=_efficiency_score(slots, allocated_cents, request.total_budget),
    )
    spent_share = min(1.0, total_allocated / request.total_budget)
    confidence = round(0.6 + 0.3 * spent_share + 0.1 * min(1.0, len(slots) / 10), 4)
    meta = OptimizationMeta(algorithm_used=ALGORITHM, confidence=min(confidence, 1.0))
    return OptimizeBudgetResponse(allocation=allocation, summary=summary, meta=meta)


def _efficiency_score(slots: list[_Slot], allocated_cents: int, total_budget: float) -> float:
    """Share of budget spent times the spend-weighted efficiency relative to the best KOL."""
    if allocated_cents == 0:
        return 0.0
    best = max(s.efficiency for s in slots)
    weighted = sum(s.cents * s.efficiency for s in slots) / (allocated_cents * best)
    spent_share = min(1.0, allocated_cents / 100 / total_budget)
    return round(min(max(spent_share * weighted, 0.0), 1.0), 4)
