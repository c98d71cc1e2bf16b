"""Complete-the-cart scoring: co-purchase, content similarity, popularity and, for a signed-in
shopper, their own history (buy-again) and what goes with it (collaborative), blended.

Pure functions over arrays; the engine feeds them the loaded artefacts. Each component is
normalised to [0, 1] over the candidate set before weighting, so the weights in cartwise.yml
mean what they say whatever the scale of the raw scores.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from .config import BlendWeights
from .rows import CsrRows

ReasonKind = Literal["bought_with", "similar", "popular", "buy_again", "goes_with_usual"]

# A history row's heaviest items that the collaborative score reads: a shopper's usuals, not every
# item bought once years ago (and a bounded cost per request: at most this many co-purchase rows).
USUAL_ITEMS = 50


@dataclass(frozen=True)
class Suggestion:
    position: int                  # row in the catalog
    score: float
    cooccurrence: float            # normalised components, each in [0, 1]
    content: float
    popularity: float
    reason: ReasonKind
    because_of: int | None         # catalog row of the cart item behind the reason
    buy_again: float = 0.0         # normalised share of the shopper's own history (0 for guests)
    collaborative: float = 0.0     # normalised: what goes with the shopper's usuals (0 for guests)


@dataclass(frozen=True)
class CandidateScores:
    """One component's score for each candidate, and the cart item that contributes most to it
    (which explains the suggestion). Arrays, so that scoring a cart is a few numpy calls."""
    candidates: np.ndarray    # int64 catalog rows, unique, ascending
    values: np.ndarray        # float64
    source: np.ndarray        # int64 catalog row of the cart item behind each value

    @classmethod
    def combine(cls, candidates: np.ndarray, values: np.ndarray, sources: np.ndarray, how: str) -> CandidateScores:
        """One entry per candidate: the sum or the max of its values; the source is the cart item
        with the largest value (the first in cart order on a tie)."""
        if not len(candidates):
            return NO_SCORES
        order = np.lexsort((-values, candidates))   # stable: equal values keep cart order
        candidates, values, sources = candidates[order], values[order], sources[order]
        first = _run_starts(candidates)
        combined = np.add.reduceat(values, first) if how == "sum" else values[first]
        return cls(candidates[first], combined, sources[first])

    def source_of(self, row: int) -> int:
        return int(self.source[np.searchsorted(self.candidates, row)])


def _run_starts(sorted_rows: np.ndarray) -> np.ndarray:
    """Where each run of equal values in a sorted, non-empty array begins."""
    return np.flatnonzero(np.concatenate(([True], sorted_rows[1:] != sorted_rows[:-1])))


_NO_ROWS = np.zeros(0, dtype=np.int64)
NO_SCORES = CandidateScores(_NO_ROWS, np.zeros(0), _NO_ROWS)


def cooccurrence_scores(cart: list[int], similarity: CsrRows, weights: np.ndarray | None = None) -> CandidateScores:
    """Sum over cart items of their co-purchase similarity to each candidate (each item's row times
    its weight, when given)."""
    rows = [similarity.row(item) for item in cart]
    if not rows:
        return NO_SCORES
    values = [vals for _, vals in rows] if weights is None else [vals * w for (_, vals), w in zip(rows, weights)]
    sources = np.repeat(np.asarray(cart, dtype=np.int64), [len(cols) for cols, _ in rows])
    return CandidateScores.combine(np.concatenate([cols for cols, _ in rows]).astype(np.int64),
                                   np.concatenate(values).astype(np.float64), sources, "sum")


def content_scores(cart: list[int], neighbour_scores: np.ndarray, neighbour_positions: np.ndarray) -> CandidateScores:
    """Max over cart items of cosine similarity (FAISS neighbours of each cart item, row by row)."""
    positions = np.asarray(neighbour_positions, dtype=np.int64)
    values = np.asarray(neighbour_scores, dtype=np.float64)
    sources = np.broadcast_to(np.asarray(cart, dtype=np.int64).reshape(-1, 1), positions.shape)
    keep = (positions >= 0) & (values > 0)
    return CandidateScores.combine(positions[keep], values[keep], sources[keep], "max")


def _aligned(*parts: CandidateScores) -> tuple[np.ndarray, list[np.ndarray]]:
    """Every component's candidates, ascending and once each, with each component's value (0 where
    it has none): one sort instead of unions and look-ups."""
    rows = np.concatenate([p.candidates for p in parts])
    if not len(rows):
        return rows, [np.zeros(0) for _ in parts]
    columns, start = [], 0
    for p in parts:
        column = np.zeros(len(rows))
        column[start:start + len(p.candidates)] = p.values
        columns.append(column)
        start += len(p.candidates)
    order = np.argsort(rows, kind="stable")
    rows = rows[order]
    first = _run_starts(rows)
    return rows[first], [np.add.reduceat(c[order], first) for c in columns]


def _outside(sorted_rows: np.ndarray, items: np.ndarray) -> np.ndarray:
    """Mask of `sorted_rows` that are not among `items`."""
    keep = np.ones(len(sorted_rows), dtype=bool)
    at = np.searchsorted(sorted_rows, items)
    found = at < len(sorted_rows)
    found[found] = sorted_rows[at[found]] == items[found]
    keep[at[found]] = False
    return keep


def _top(total: np.ndarray, candidates: np.ndarray, k: int) -> np.ndarray:
    """Indexes of the k best by score, ties broken by catalog row: a partition, then a sort of only
    what is left (every candidate tied with the k-th is kept, so the order is the full sort's)."""
    pick = np.arange(len(total))
    if len(total) > k:
        pick = np.flatnonzero(total >= -np.partition(-total, k - 1)[k - 1])
    return pick[np.lexsort((candidates[pick], -total[pick]))][:k]


def _same_category(candidates: np.ndarray, in_cart: np.ndarray, categories: np.ndarray | None) -> np.ndarray | None:
    """Which candidates share a category with a cart item: substitutes, not complements."""
    if categories is None:
        return None
    return np.isin(categories[candidates], categories[in_cart])


def _complements_first(total: np.ndarray, candidates: np.ndarray, same: np.ndarray | None, k: int,
                       first: int) -> np.ndarray:
    """The top k, with the first `first` places for complements only (while there are enough):
    another canned pasta is no answer to "what goes with my canned pasta?". Substitutes may
    follow, still damped by same_category_factor."""
    if same is None or not first or not same.any():
        return _top(total, candidates, k)
    complements = np.flatnonzero(~same)
    head = complements[_top(total[complements], candidates[complements], min(first, k))]
    rest = np.setdiff1d(np.arange(len(total)), head, assume_unique=True)
    return np.concatenate([head, rest[_top(total[rest], candidates[rest], k - len(head))]])


def _normalise(values: np.ndarray) -> np.ndarray:
    top = values.max() if len(values) else 0.0
    return values / top if top > 0 else values


def history_scores(history: tuple[np.ndarray, np.ndarray] | None) -> CandidateScores:
    """A known shopper's own purchases (history row: item rows, decayed weights) as candidates."""
    if history is None or not len(history[0]):
        return NO_SCORES
    rows, values = np.asarray(history[0], dtype=np.int64), np.asarray(history[1], dtype=np.float64)
    return CandidateScores(rows, values, np.full(len(rows), -1, dtype=np.int64))


def collaborative_scores(history: tuple[np.ndarray, np.ndarray] | None, similarity: CsrRows) -> CandidateScores:
    """What goes with a known shopper's usuals: the co-purchase rows of their USUAL_ITEMS heaviest
    history items, each weighted by its decayed weight, summed (item-based collaborative filtering;
    with the EASE table, EASE's own score for the shopper). The source is the usual behind most of it."""
    if history is None or not len(history[0]):
        return NO_SCORES
    items, weights = np.asarray(history[0], dtype=np.int64), np.asarray(history[1], dtype=np.float64)
    usual = np.lexsort((items, -weights))[:USUAL_ITEMS]
    return cooccurrence_scores(items[usual].tolist(), similarity, weights[usual])


def personal_scores(history: tuple[np.ndarray, np.ndarray] | None, similarity: CsrRows, weights: BlendWeights
                    ) -> tuple[CandidateScores, CandidateScores]:
    """A known shopper's two components under `weights`: their own purchases and what goes with
    them, each NO_SCORES where the weights give it no share (so nothing is computed for it)."""
    if history is None or not weights.personal:
        return NO_SCORES, NO_SCORES
    return (history_scores(history),
            collaborative_scores(history, similarity) if weights.collaborative else NO_SCORES)


@dataclass(frozen=True)
class Candidates:
    """A cart's candidates with every component normalised to [0, 1]: all that does not depend on
    the weights, so weights can be tried many times on one cart (`rank`)."""
    rows: np.ndarray
    cooccurrence: np.ndarray
    content: np.ndarray
    popularity: np.ndarray
    history: np.ndarray
    collaborative: np.ndarray
    same: np.ndarray | None    # a substitute for a cart item (of its category, and not a habit)
    cooc: CandidateScores      # for the reasons: which cart item brought each candidate
    content_scores: CandidateScores
    collaborative_scores: CandidateScores   # ... and which of the shopper's usuals


def candidates_for(cart: list[int], cooc: CandidateScores, content: CandidateScores, popularity: np.ndarray,
                   available: np.ndarray, k: int, categories: np.ndarray | None = None,
                   history: CandidateScores = NO_SCORES, collaborative: CandidateScores = NO_SCORES
                   ) -> Candidates | None:
    """Every candidate of the cart's components, never an item in the cart nor one out of stock;
    None when there is none."""
    in_cart = np.asarray(cart, dtype=np.int64)
    candidates, (cf, ct, hb, cl) = _aligned(cooc, content, history, collaborative)
    keep = _outside(candidates, in_cart) & available[candidates]
    candidates, cf, ct, hb, cl = candidates[keep], cf[keep], ct[keep], hb[keep], cl[keep]
    if len(candidates) < k:   # a thin cart still gets k suggestions: top up with popular items
        scored = set(candidates.tolist())
        extra = []
        for c in np.argsort(-popularity):
            if len(scored) + len(extra) >= k * 2:
                break
            if int(c) not in scored and int(c) not in cart and available[c]:
                extra.append(int(c))
        candidates = np.concatenate([candidates, np.asarray(extra, dtype=np.int64)])
        cf, ct, hb, cl = (np.concatenate([c, np.zeros(len(extra))]) for c in (cf, ct, hb, cl))
    if not len(candidates):
        return None
    hb_n = _normalise(hb)
    same = _same_category(candidates, in_cart, categories)
    if same is not None:
        # What this shopper has bought before beside the same kind of thing is a habit, not a
        # substitute (two yogurts every week): only other candidates are damped and held back.
        same &= hb_n <= 0
    return Candidates(candidates, _normalise(cf), _normalise(ct), _normalise(popularity[candidates].astype(np.float64)),
                      hb_n, _normalise(cl), same, cooc, content, collaborative)


def ranked(c: Candidates, weights: BlendWeights, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indexes into `c` of its top k under `weights`, best first, and every candidate's score."""
    total = (weights.cooccurrence * c.cooccurrence + weights.content * c.content + weights.popularity * c.popularity
             + weights.buy_again * c.history + weights.collaborative * c.collaborative)
    if c.same is not None:
        total = np.where(c.same, total * weights.same_category_factor, total)
    return _complements_first(total, c.rows, c.same, k, weights.complements_first), total


def rank(c: Candidates, weights: BlendWeights, k: int) -> list[Suggestion]:
    """The top k of `c` under `weights`, each with the reason a shopper is shown."""
    top, total = ranked(c, weights, k)
    out = []
    for i in top:
        row = int(c.rows[i])
        cf_part, ct_part = weights.cooccurrence * c.cooccurrence[i], weights.content * c.content[i]
        hb_part, cl_part = weights.buy_again * c.history[i], weights.collaborative * c.collaborative[i]
        if hb_part > 0 and hb_part >= max(cf_part, ct_part):   # a shopper's own purchase says so first
            reason, because = "buy_again", None
        elif cl_part > 0 and cl_part >= max(cf_part, ct_part):
            reason, because = "goes_with_usual", c.collaborative_scores.source_of(row)
        elif cf_part <= 0 and ct_part <= 0:
            reason, because = "popular", None
        elif cf_part >= ct_part:
            reason, because = "bought_with", c.cooc.source_of(row)
        else:
            reason, because = "similar", c.content_scores.source_of(row)
        out.append(Suggestion(position=row, score=round(float(total[i]), 6),
                              cooccurrence=round(float(c.cooccurrence[i]), 6), content=round(float(c.content[i]), 6),
                              popularity=round(float(c.popularity[i]), 6), reason=reason, because_of=because,
                              buy_again=round(float(c.history[i]), 6),
                              collaborative=round(float(c.collaborative[i]), 6)))
    return out


def served_blend(configured: BlendWeights, tuned: dict | None) -> BlendWeights:
    """The guest blend the service uses: the weights the build tuned (the manifest's
    metrics.tuned), else the configured ones."""
    return replace(configured, **tuned["weights"]) if tuned else configured


def blend(cart: list[int], cooc: CandidateScores, content: CandidateScores, popularity: np.ndarray,
          available: np.ndarray, weights: BlendWeights, k: int,
          categories: np.ndarray | None = None, history: CandidateScores = NO_SCORES,
          collaborative: CandidateScores = NO_SCORES) -> list[Suggestion]:
    """Top-k suggestions, never an item already in the cart nor one that is out of stock.

    With `categories`, a candidate of a category already in the cart is a substitute, not a
    complement: its score is multiplied by weights.same_category_factor, and the first
    weights.complements_first places go to complements. `history` (a signed-in shopper's own
    purchases, `history_scores`) counts with weights.buy_again, and `collaborative`
    (`collaborative_scores` of that history) with weights.collaborative.
    """
    found = candidates_for(cart, cooc, content, popularity, available, k, categories,
                           history if weights.personal else NO_SCORES,
                           collaborative if weights.collaborative else NO_SCORES)
    return rank(found, weights, k) if found is not None else []


def bought_text(times: int) -> str:
    return "You've bought this before" if times <= 1 else f"You've bought this {times} times"


def reason_text(suggestion: Suggestion, titles: list[str] | np.ndarray, times_bought: int = 0) -> str:
    """One line a shopper reads under the card (`times_bought`: baskets of this shopper's with it)."""
    if suggestion.reason == "buy_again":
        return bought_text(times_bought)
    if suggestion.reason == "popular" or suggestion.because_of is None:
        return "Popular with other shoppers"
    name = str(titles[suggestion.because_of]).split(",")[0].lower()
    if suggestion.reason == "goes_with_usual":
        return f"Goes with the {name} you often buy"
    if suggestion.reason == "bought_with":
        return f"Often bought with your {name}"
    return f"Similar to your {name}"
