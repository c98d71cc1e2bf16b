"""Complete-the-cart scoring: co-purchase, content similarity and popularity, blended.

Pure functions over arrays; the engine feeds them the loaded artefacts. Each component is
normalised to [0, 1] over the candidate set before weighting, so the weights in cartwise.yml
mean what they say whatever the scale of the raw scores.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from .config import BlendWeights
from .rows import CsrRows

ReasonKind = Literal["bought_with", "similar", "popular"]


@dataclass(frozen=True)
class Suggestion:
    position: int                  # row in the catalog
    score: float
    cooccurrence: float            # normalised components, each in [0, 1]
    content: float
    popularity: float
    reason: ReasonKind
    because_of: int | None         # catalog row of the cart item behind the reason


def _accumulate(scores: dict[int, float], source: dict[int, int], best: dict[int, float],
                candidate: int, value: float, cart_item: int, combine: str) -> None:
    if combine == "sum":
        scores[candidate] = scores.get(candidate, 0.0) + value
    else:
        scores[candidate] = max(scores.get(candidate, 0.0), value)
    if value > best.get(candidate, -np.inf):   # the cart item that contributes most explains it
        best[candidate] = value
        source[candidate] = cart_item


def cooccurrence_scores(cart: list[int], similarity: CsrRows) -> tuple[dict[int, float], dict[int, int]]:
    """Sum over cart items of their co-purchase similarity to each candidate."""
    scores: dict[int, float] = {}
    source: dict[int, int] = {}
    best: dict[int, float] = {}
    for item in cart:
        candidates, values = similarity.row(item)
        for candidate, value in zip(candidates, values):
            _accumulate(scores, source, best, int(candidate), float(value), item, "sum")
    return scores, source


def content_scores(cart: list[int], neighbour_scores: np.ndarray, neighbour_positions: np.ndarray
                   ) -> tuple[dict[int, float], dict[int, int]]:
    """Max over cart items of cosine similarity (FAISS neighbours of each cart item, row by row)."""
    scores: dict[int, float] = {}
    source: dict[int, int] = {}
    best: dict[int, float] = {}
    for item, row_scores, row_positions in zip(cart, neighbour_scores, neighbour_positions):
        for candidate, value in zip(row_positions, row_scores):
            if candidate >= 0 and value > 0:
                _accumulate(scores, source, best, int(candidate), float(value), item, "max")
    return scores, source


def _normalise(scores: dict[int, float], candidates: list[int]) -> np.ndarray:
    values = np.array([scores.get(c, 0.0) for c in candidates], dtype=np.float64)
    top = values.max() if len(values) else 0.0
    return values / top if top > 0 else values


def blend(cart: list[int], cooc: tuple[dict[int, float], dict[int, int]],
          content: tuple[dict[int, float], dict[int, int]], popularity: np.ndarray,
          available: np.ndarray, weights: BlendWeights, k: int,
          categories: np.ndarray | None = None) -> list[Suggestion]:
    """Top-k suggestions, never an item already in the cart nor one that is out of stock.

    With `categories`, a candidate of a category already in the cart is a substitute, not a
    complement: its score is multiplied by weights.same_category_factor.
    """
    in_cart = set(cart)
    candidates = [c for c in set(cooc[0]) | set(content[0]) if c not in in_cart and available[c]]
    if len(candidates) < k:   # a thin cart still gets k suggestions: top up with popular items
        for c in np.argsort(-popularity):
            if len(candidates) >= k * 2:
                break
            if int(c) not in in_cart and available[c] and int(c) not in cooc[0] and int(c) not in content[0]:
                candidates.append(int(c))
    if not candidates:
        return []
    cf_n = _normalise(cooc[0], candidates)
    ct_n = _normalise(content[0], candidates)
    pop_raw = popularity[candidates].astype(np.float64)
    pop_n = pop_raw / pop_raw.max() if pop_raw.max() > 0 else pop_raw
    total = weights.cooccurrence * cf_n + weights.content * ct_n + weights.popularity * pop_n
    if categories is not None and weights.same_category_factor != 1.0:
        cart_categories = set(categories[cart])
        same = np.array([categories[c] in cart_categories for c in candidates])
        total = np.where(same, total * weights.same_category_factor, total)
    order = np.lexsort((np.asarray(candidates), -total))[:k]   # ties broken by catalog row
    out = []
    for i in order:
        c = candidates[i]
        cf_part, ct_part = weights.cooccurrence * cf_n[i], weights.content * ct_n[i]
        if cf_part <= 0 and ct_part <= 0:
            reason, because = "popular", None
        elif cf_part >= ct_part:
            reason, because = "bought_with", cooc[1][c]
        else:
            reason, because = "similar", content[1][c]
        out.append(Suggestion(position=c, score=round(float(total[i]), 6),
                              cooccurrence=round(float(cf_n[i]), 6), content=round(float(ct_n[i]), 6),
                              popularity=round(float(pop_n[i]), 6), reason=reason, because_of=because))
    return out


def reason_text(suggestion: Suggestion, titles: list[str] | np.ndarray) -> str:
    """One line a shopper reads under the card."""
    if suggestion.reason == "popular" or suggestion.because_of is None:
        return "Popular with other shoppers"
    name = str(titles[suggestion.because_of]).split(",")[0].lower()
    if suggestion.reason == "bought_with":
        return f"Often bought with your {name}"
    return f"Similar to your {name}"
