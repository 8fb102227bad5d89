"""The committed KOL dataset (`kols.json`, made by `generate_dataset.py`)."""

import json
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "kols.json"


@dataclass(frozen=True)
class Kol:
    kol_id: str
    name: str
    platform: str
    followers: int
    engagement_rate: float
    categories: tuple[str, ...]
    cost_per_post: float
    conversion_rate: float


@dataclass(frozen=True)
class Dataset:
    kols: tuple[Kol, ...]
    by_id: dict[str, Kol]


def load(path: Path = DEFAULT_PATH) -> Dataset:
    document = json.loads(path.read_text(encoding="utf-8"))
    kols = tuple(
        Kol(
            kol_id=raw["kol_id"],
            name=raw["name"],
            platform=raw["platform"],
            followers=int(raw["followers"]),
            engagement_rate=float(raw["engagement_rate"]),
            categories=tuple(raw["categories"]),
            cost_per_post=float(raw["cost_per_post"]),
            conversion_rate=float(raw["conversion_rate"]),
        )
        for raw in document["kols"]
    )
    # Sorted once so every scan sees KOLs in the same order, whatever the file order.
    kols = tuple(sorted(kols, key=lambda k: k.kol_id))
    return Dataset(kols=kols, by_id={k.kol_id: k for k in kols})
