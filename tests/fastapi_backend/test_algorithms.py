"""Allocation arithmetic and dataset reproducibility."""

import random
import subprocess
import sys
from pathlib import Path

import pytest

from kol_backend import budget, dataset
from kol_backend.models import OptimizeBudgetRequest

HERE = Path(__file__).resolve().parent
DATA = dataset.load()


def test_dataset_regenerates_byte_for_byte():
    result = subprocess.run(
        [sys.executable, str(HERE / "generate_dataset.py"), "--check"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr


def test_dataset_shape():
    assert len(DATA.kols) == 400
    assert DATA.kols[0].kol_id == "kol-0001"
    platforms = {k.platform for k in DATA.kols}
    assert platforms == {"instagram", "tiktok", "youtube", "twitter"}
    assert all(0.0 <= k.engagement_rate <= 1.0 and k.cost_per_post > 0 for k in DATA.kols)


@pytest.mark.parametrize("seed", range(20))
def test_allocation_sums_exactly(seed):
    rng = random.Random(seed)
    ids = rng.sample([k.kol_id for k in DATA.kols], rng.randint(1, 30))
    total = round(rng.uniform(0.01, 2_000_000.0), rng.choice([0, 1, 2, 3, 5]))
    max_per_kol = rng.choice([None, round(rng.uniform(1.0, 50_000.0), 2)])
    objective = rng.choice(["reach", "engagement", "conversions"])
    request = OptimizeBudgetRequest(
        campaign_id="prop", total_budget=total, kol_ids=ids, objective=objective,
        max_per_kol=max_per_kol,
    )
    result = budget.optimize([DATA.by_id[i] for i in ids], request)
    summary = result.summary
    assert summary.total_allocated + summary.remaining_budget == total
    assert summary.remaining_budget >= 0
    cents = [round(a.allocated_budget * 100) for a in result.allocation]
    assert all(c / 100 == a.allocated_budget for c, a in zip(cents, result.allocation, strict=True))
    assert sum(cents) / 100 == summary.total_allocated
    assert sum(cents) <= budget.to_cents(total)
    if max_per_kol is not None:
        assert all(a.allocated_budget <= max_per_kol for a in result.allocation)
    assert [a.priority for a in result.allocation] == list(range(1, len(ids) + 1))


def test_better_value_gets_no_less_money_when_uncapped():
    request = OptimizeBudgetRequest(
        campaign_id="c", total_budget=100.0, kol_ids=["kol-0001", "kol-0003"]
    )
    result = budget.optimize([DATA.by_id["kol-0001"], DATA.by_id["kol-0003"]], request)
    first, second = result.allocation
    assert first.priority == 1 and first.allocated_budget >= second.allocated_budget


@pytest.mark.parametrize(
    "total, allocated", [(0.3, 0.1), (1e300, 500.0), (100.005, 100.0), (0.29, 0.29)]
)
def test_remaining_budget_closes_the_sum(total, allocated):
    remaining = budget.remaining_budget(total, allocated)
    assert remaining >= 0 and allocated + remaining == total
