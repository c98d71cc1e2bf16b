"""Offline quality: basket completion on held-out baskets (what "complete your cart" does).

Baskets are split by time; the co-purchase model is fitted on the earlier ones only. For each
held-out basket with at least two items, one item is hidden and the rest is the cart; a method
scores a hit when the hidden item is in its top k. Reported for the blend and each component
alone (same code path, other weights), so the manifest shows whether the blend earns its place.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .. import cooccurrence
from ..blend import blend, content_scores, cooccurrence_scores
from ..config import BlendWeights, Settings
from ..rows import CsrRows


@dataclass(frozen=True)
class Completion:
    hit_rate: float
    mrr: float
    baskets: int
    same_type_top5: float = 0.0   # share of the first five suggestions of a category already in the cart
    by_cart_size: dict[str, dict] = field(default_factory=dict)   # "1-5" / "6-15" / "16+": hit rate, baskets


CART_SIZES = ((1, 5, "1-5"), (6, 15, "6-15"), (16, 10**9, "16+"))


def by_cart_size(sizes: list[int], hit: list[bool]) -> dict[str, dict]:
    """Hit rate per cart size: summed co-purchase scores could drift to best sellers on big carts."""
    out = {}
    for low, high, name in CART_SIZES:
        mine = [h for n, h in zip(sizes, hit) if low <= n <= high]
        if mine:
            out[name] = {"hit_rate": round(sum(mine) / len(mine), 4), "baskets": len(mine)}
    return out


def time_split(interactions: pd.DataFrame, holdout_share: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Earlier baskets for fitting, the latest `holdout_share` of baskets for evaluation."""
    first_seen = interactions.groupby("basket_id")["timestamp"].min().sort_values(kind="stable")
    cut = int(len(first_seen) * (1 - holdout_share))
    held = set(first_seen.index[cut:])
    mask = interactions["basket_id"].isin(held)
    return interactions[~mask], interactions[mask]


def completion_cases(holdout: pd.DataFrame, position: dict[str, int], max_cases: int, seed: int
                     ) -> list[tuple[list[int], int]]:
    rng = np.random.default_rng(seed)
    cases = []
    for _, items in holdout.groupby("basket_id", sort=False)["product_id"]:
        rows = list(dict.fromkeys(position[i] for i in items))
        if len(rows) >= 2:
            hidden = rows.pop(int(rng.integers(len(rows))))
            cases.append((rows, hidden))
    if len(cases) > max_cases:
        cases = [cases[i] for i in sorted(rng.choice(len(cases), max_cases, replace=False))]
    return cases


def evaluate_completion(cases: list[tuple[list[int], int]], similarity: CsrRows, popularity: np.ndarray,
                        neighbours: tuple[np.ndarray, np.ndarray], categories: np.ndarray, weights: BlendWeights,
                        k: int) -> Completion:
    """`neighbours`: the build's content neighbour table (scores, rows), as the service reads it."""
    available = np.ones(len(popularity), dtype=bool)
    hits, reciprocal, same, shown = 0, 0.0, 0, 0
    hit_each = []
    for cart, hidden in cases:
        content = content_scores(cart, neighbours[0][cart], neighbours[1][cart])
        ranked = blend(cart, cooccurrence_scores(cart, similarity), content, popularity, available, weights, k,
                       categories)
        positions = [s.position for s in ranked]
        hit_each.append(hidden in positions)
        if hidden in positions:
            hits += 1
            reciprocal += 1.0 / (positions.index(hidden) + 1)
        first = positions[:5]
        same += int(np.isin(categories[first], categories[cart]).sum())
        shown += len(first)
    n = max(len(cases), 1)
    return Completion(round(hits / n, 4), round(reciprocal / n, 4), len(cases), round(same / max(shown, 1), 4),
                      by_cart_size([len(cart) for cart, _ in cases], hit_each))


def build_metrics(interactions: pd.DataFrame, position: dict[str, int], neighbours: tuple[np.ndarray, np.ndarray],
                  categories: np.ndarray, settings: Settings, k: int = 10, max_cases: int = 1000) -> dict:
    fit, holdout = time_split(interactions, holdout_share=0.1)
    baskets = cooccurrence.basket_matrix(fit, position)
    similarity = CsrRows.of(cooccurrence.item_similarity(baskets, settings.cf_neighbours, settings.cf_shrinkage))
    popularity = cooccurrence.popularity(baskets)
    cases = completion_cases(holdout, position, max_cases, seed=0)
    protocol = f"basket completion, hide 1 item, latest 10% of baskets by time, top {k}"
    if not cases:   # a new shop: zeros would read as a broken model, not as no data
        return {"protocol": protocol, "cases": 0, "methods": {},
                "not_measured": f"no held-out basket with two or more products ({len(interactions):,} basket "
                                "lines in all): completion quality is not measured until there are baskets"}
    w = settings.blend
    methods = {
        "blend": w,
        "cooccurrence_only": replace(w, cooccurrence=1, content=0, popularity=0),
        "content_only": replace(w, cooccurrence=0, content=1, popularity=0),
        "popularity_only": BlendWeights(0, 0, 1, 1.0, complements_first=0),
    }
    results = {name: vars(evaluate_completion(cases, similarity, popularity, neighbours, categories, wts, k))
               for name, wts in methods.items()}
    return {"protocol": protocol, "cases": len(cases), "methods": results}
