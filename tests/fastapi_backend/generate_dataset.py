"""Generate the synthetic KOL dataset (`kols.json`) deterministically.

Usage:
    python generate_dataset.py          # rewrite kols.json next to this script
    python generate_dataset.py --check  # exit 1 if kols.json differs from a fresh run

Only `random.Random.random()` is used as a source of randomness, never `choice`,
`sample`, `gauss` & co., because the Mersenne Twister core output is the one part
of `random` that CPython guarantees stays identical across versions; everything
else is derived from it here, so the file is byte-for-byte reproducible.
"""

import argparse
import json
import random
import sys
from pathlib import Path

SEED = 20240501
COUNT = 400
DATASET_VERSION = 1
OUTPUT = Path(__file__).resolve().parent / "kols.json"

CATEGORIES = (
    "fashion", "beauty", "tech", "gaming", "fitness", "food",
    "travel", "finance", "parenting", "music", "sports", "lifestyle",
)

# Categories that creators commonly combine; secondary categories are drawn from
# these so that profiles look plausible ("beauty + fashion", not "finance + gaming").
RELATED = {
    "fashion": ("beauty", "lifestyle", "travel", "music"),
    "beauty": ("fashion", "lifestyle", "fitness"),
    "tech": ("gaming", "finance", "lifestyle", "music"),
    "gaming": ("tech", "music", "sports"),
    "fitness": ("sports", "food", "lifestyle", "beauty"),
    "food": ("travel", "lifestyle", "parenting", "fitness"),
    "travel": ("food", "lifestyle", "fashion"),
    "finance": ("tech", "lifestyle", "parenting"),
    "parenting": ("lifestyle", "food", "finance"),
    "music": ("fashion", "lifestyle", "gaming"),
    "sports": ("fitness", "gaming", "lifestyle"),
    "lifestyle": ("fashion", "travel", "food", "beauty"),
}

# (platform, share of creators, typical engagement rate, cost per 1000 followers in USD)
PLATFORMS = (
    ("instagram", 0.35, 0.035, 10.0),
    ("tiktok", 0.30, 0.060, 8.0),
    ("youtube", 0.20, 0.030, 20.0),
    ("twitter", 0.15, 0.015, 5.0),
)

FIRST_NAMES = (
    "Aiko", "Amara", "Andre", "Ana", "Arjun", "Bea", "Bruno", "Chloe", "Dara", "Diego",
    "Elif", "Emma", "Farah", "Felix", "Gabriel", "Hana", "Ines", "Isaac", "Jae", "Jonas",
    "Kai", "Kemi", "Lars", "Leila", "Luca", "Maya", "Mateo", "Mei", "Nadia", "Noah",
    "Olu", "Priya", "Rafael", "Rina", "Sami", "Sofia", "Tariq", "Tess", "Uma", "Yuki",
)
LAST_NAMES = (
    "Adeyemi", "Alvarez", "Bakker", "Chen", "Costa", "Dubois", "Eriksen", "Fischer",
    "Garcia", "Haddad", "Ito", "Jensen", "Kim", "Kowalski", "Lopez", "Mensah", "Moreau",
    "Nakamura", "Novak", "Okafor", "Patel", "Rossi", "Santos", "Schmidt", "Silva",
    "Tanaka", "Nguyen", "Walsh", "Yilmaz", "Zhang",
)


def pick(rng, items):
    return items[int(rng.random() * len(items))]


def pick_weighted(rng, items, weights):
    point = rng.random() * sum(weights)
    for item, weight in zip(items, weights, strict=True):
        point -= weight
        if point < 0:
            return item
    return items[-1]


def make_kol(rng, index, used_names):
    platform, _, base_engagement, cost_per_mille = pick_weighted(
        rng, PLATFORMS, [p[1] for p in PLATFORMS]
    )

    name = f"{pick(rng, FIRST_NAMES)} {pick(rng, LAST_NAMES)}"
    while name in used_names:
        name = f"{pick(rng, FIRST_NAMES)} {pick(rng, LAST_NAMES)}"
    used_names.add(name)

    # Skewed log-uniform: most creators are small, a few reach millions.
    followers = int(10 ** (3.3 + 3.9 * rng.random() ** 1.6))

    # Engagement falls as audiences grow, with per-creator noise.
    size_factor = (followers / 10_000) ** -0.15
    engagement = base_engagement * size_factor * (0.6 + 0.9 * rng.random())
    engagement_rate = round(min(max(engagement, 0.002), 0.25), 4)

    primary = pick(rng, CATEGORIES)
    categories = [primary]
    extra = int(rng.random() * 3)  # 0, 1 or 2 secondary categories
    pool = list(RELATED[primary])
    for _ in range(extra):
        chosen = pool.pop(int(rng.random() * len(pool)))
        categories.append(chosen)

    # Price tracks reach and, more weakly, engagement; small creators have a floor.
    engagement_premium = 0.7 + min(engagement_rate / base_engagement, 3.0) * 0.3
    cost = followers / 1000 * cost_per_mille * engagement_premium * (0.8 + 0.4 * rng.random())
    cost_per_post = round(max(cost, 50.0), 2)

    conversion_rate = round(0.005 + 0.045 * rng.random() ** 2, 4)

    return {
        "kol_id": f"kol-{index:04d}",
        "name": name,
        "platform": platform,
        "followers": followers,
        "engagement_rate": engagement_rate,
        "categories": categories,
        "cost_per_post": cost_per_post,
        "conversion_rate": conversion_rate,
    }


def generate():
    rng = random.Random(SEED)
    used_names = set()
    kols = [make_kol(rng, i, used_names) for i in range(1, COUNT + 1)]
    document = {
        "version": DATASET_VERSION,
        "seed": SEED,
        "count": COUNT,
        "categories": list(CATEGORIES),
        "kols": kols,
    }
    return json.dumps(document, indent=2, ensure_ascii=True) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify kols.json is up to date")
    args = parser.parse_args()
    text = generate()
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is out of date: run generate_dataset.py", file=sys.stderr)
            return 1
        print(f"{OUTPUT} is up to date")
        return 0
    OUTPUT.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {COUNT} KOLs to {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
