"""Protocols 1 and 2 on order histories: every component alone and the tuned blend, side by side.

1. Next basket: from a user's history, predict their next basket (repeat and new items apart).
2. Basket completion: hide one item of the next basket, give the rest as the cart, rank the hidden
   one; items already in the cart are never suggested.
Blend weights are chosen on validation folds (the baskets before each user's last) and then
applied, unchanged, to the test fold (each user's last basket).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable

import numpy as np
import scipy.sparse as sp

from ..history import buy_again_lists
from . import components, metrics
from .splits import Split, held_out

CURVE_KS = (1, 2, 5, 10, 15, 20, 30, 40, 50)
DECAYS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)   # buy-again decay candidates, chosen on validation
# Validation targets: the three baskets before each user's last one (the test target). Tuning on
# three folds, not one, keeps the chosen weights from fitting one basket's noise.
VALIDATION_HOLDOUTS = (2, 3, 4)


@dataclass
class Queries:
    """What each method is asked: one row per case."""
    items: sp.csr_matrix      # the query's items (history or cart), binary
    history: sp.csr_matrix    # the user's decayed past purchases (buy-again's input)
    population: sp.csr_matrix  # every user's decayed past purchases (user-kNN's neighbours)
    self_rows: np.ndarray      # each case's own row in `population`
    exclude: sp.csr_matrix | None = None   # items that must not be suggested (the cart)


def component_matrices(models: components.FittedModels, queries: Queries, embeddings: np.ndarray,
                       settings: components.ModelSettings) -> dict[str, np.ndarray]:
    out = {}
    for name in components.COMPONENTS:
        raw = components.scores(name, models, queries.items, queries.history, embeddings, queries.population,
                                queries.self_rows, settings)
        out[name] = components.normalise(raw)
    return out


def _masked(scores: np.ndarray, exclude: sp.csr_matrix | None) -> np.ndarray:
    if exclude is None:
        return scores
    scores = scores.copy()
    rows, cols = exclude.nonzero()
    scores[rows, cols] = -np.inf
    return scores


def weight_grid(names: tuple[str, ...], step: float) -> list[dict[str, float]]:
    """All weightings of the components in multiples of `step` that sum to 1."""
    parts = int(round(1 / step))
    grid = []
    for combo in itertools.product(range(parts + 1), repeat=len(names)):
        if sum(combo) == parts:
            grid.append({n: c / parts for n, c in zip(names, combo)})
    return grid


def _recall_at(k: int, targets: list[set[int]]) -> Callable[[np.ndarray], float]:
    """Mean Recall@k of ranked item lists (one row per target)."""
    return lambda ranked: metrics.mean([metrics.recall(r, t, k) for r, t in zip(ranked, targets)])


def next_basket_queries(split: Split) -> Queries:
    return Queries(items=split.seen, history=split.history, population=split.history,
                   self_rows=np.arange(len(split.users)))


def next_basket_metrics(ranked: np.ndarray, split: Split, n_items: int) -> dict:
    seen = [set(split.seen.indices[split.seen.indptr[u]:split.seen.indptr[u + 1]]) for u in range(len(split.users))]
    out = {}
    for k in (10, 20):
        out[f"recall@{k}"] = _recall_at(k, split.targets)(ranked)
    out["ndcg@10"] = metrics.mean([metrics.ndcg(r, t, 10) for r, t in zip(ranked, split.targets)])
    out["hit@10"] = metrics.mean([metrics.hit(r, t, 10) for r, t in zip(ranked, split.targets)])
    out["recall@10_repeat"] = metrics.mean(
        [metrics.recall(r, t & s, 10) for r, t, s in zip(ranked, split.targets, seen)]
    )
    out["recall@10_new"] = metrics.mean([metrics.recall(r, t - s, 10) for r, t, s in zip(ranked, split.targets, seen)])
    out["coverage@10"] = len(np.unique(ranked[:, :10])) / n_items
    out["curve"] = {k: _recall_at(k, split.targets)(ranked) for k in CURVE_KS}
    return out


def completion_queries(split: Split, seed: int = 0) -> tuple[Queries, np.ndarray]:
    """One case per user whose target basket has 2+ items: one item hidden, the rest the cart."""
    rng = np.random.default_rng(seed)
    rows, cart_rows, cart_cols, hidden = [], [], [], []
    for u, target in enumerate(split.targets):
        if len(target) < 2:
            continue
        items = sorted(target)
        out = items.pop(int(rng.integers(len(items))))
        case = len(rows)
        rows.append(u)
        cart_rows += [case] * len(items)
        cart_cols += items
        hidden.append(out)
    n_items = split.seen.shape[1]
    cart = sp.csr_matrix((np.ones(len(cart_cols), np.float32), (cart_rows, cart_cols)), shape=(len(rows), n_items))
    return (
        Queries(
            items=cart, history=split.history[rows], population=split.history, self_rows=np.array(rows), exclude=cart
        ),
        np.array(hidden),
    )


def completion_metrics(scores: np.ndarray, queries: Queries, hidden: np.ndarray) -> dict:
    masked = _masked(scores, queries.exclude)
    target = masked[np.arange(len(hidden)), hidden]
    rank = (masked >= target[:, None]).sum(axis=1)  # ties count against the method
    top = metrics.top_k(masked, 10)
    shown = np.isfinite(np.take_along_axis(masked, top, axis=1))  # a tiny catalog may run out of items
    in_cart = np.asarray(queries.exclude[np.arange(len(hidden))[:, None], top].todense()).astype(bool) & shown
    in_cart = float(in_cart.sum() / max(shown.sum(), 1))
    return {
        "hit@10": float(np.mean(rank <= 10)),
        "mrr": float(np.mean(1.0 / rank)),
        "coverage@10": len(np.unique(top[shown])) / scores.shape[1],
        "in_cart_share": in_cart,
        "curve": {k: float(np.mean(rank <= k)) for k in CURVE_KS},
    }


@dataclass
class Shortlist:
    """Each case's candidates (the union of every component's top items) with their component
    scores, so that trying a weighting costs (cases x ~hundreds), not (cases x catalog). Tuning only
    needs the top 10, and an item outside every component's top `depth` cannot realistically reach
    a blend's top 10; the test fold is always scored on the full catalog."""

    items: np.ndarray  # cases x candidates, item positions
    values: dict[str, np.ndarray]  # component -> cases x candidates, normalised scores
    penalty: np.ndarray  # -inf for duplicates and excluded (cart) items, else 0

    @classmethod
    def of(cls, matrices: dict[str, np.ndarray], depth: int, exclude: sp.csr_matrix | None = None) -> Shortlist:
        items = np.sort(
            np.concatenate([metrics.top_k(_masked(m, exclude), depth) for m in matrices.values()], axis=1), axis=1
        )
        penalty = np.zeros(items.shape, dtype=np.float32)
        penalty[:, 1:][items[:, 1:] == items[:, :-1]] = -np.inf
        if exclude is not None:
            penalty[np.asarray(exclude[np.arange(len(items))[:, None], items].todense()) > 0] = -np.inf
        return cls(items, {n: np.take_along_axis(m, items, axis=1) for n, m in matrices.items()}, penalty)

    def top(self, weights: dict[str, float], k: int) -> np.ndarray:
        blended = components.blend(self.values, weights) + self.penalty
        return np.take_along_axis(self.items, metrics.top_k(blended, k), axis=1)


Case = tuple[Shortlist, Callable[[np.ndarray], float]]  # candidates, metric of the top-10 items


def tune(cases: list[Case], step: float, refine_step: float = 0.05, rounds: int = 4) -> tuple[dict[str, float], float]:
    """The weighting with the best mean validation score over `cases` (one per validation fold):
    a coarse grid, then moves of `refine_step` from one component to another while they help."""

    def score(weights: dict[str, float]) -> float:
        return float(np.mean([metric(shortlist.top(weights, 10)) for shortlist, metric in cases]))

    best, best_value = {}, -1.0
    for weights in weight_grid(components.COMPONENTS, step):
        value = score(weights)
        if value > best_value:
            best, best_value = weights, value
    for _ in range(rounds):
        improved = False
        for src, dst in itertools.permutations(components.COMPONENTS, 2):
            if best[src] < refine_step - 1e-9:
                continue
            candidate = {**best, src: round(best[src] - refine_step, 4), dst: round(best[dst] + refine_step, 4)}
            value = score(candidate)
            if value > best_value + 1e-9:
                best, best_value, improved = candidate, value, True
        if not improved:
            break
    return best, best_value


def tune_decay(
    ranked, position: dict[str, int], candidates: tuple[float, ...], holdouts: tuple[int, ...]
) -> tuple[float, dict[float, float]]:
    """Buy-again's decay (its only parameter) with the best mean validation Recall@10 of the
    buy-again lists the service serves (`history.buy_again_lists`)."""
    held = [held_out(ranked, position, holdout) for holdout in holdouts]   # the same for every decay
    found = {decay: float(np.mean([_recall_at(10, h.targets)(buy_again_lists(h.history(decay), 10)) for h in held]))
             for decay in candidates}
    return max(found, key=found.get), found


@dataclass
class Fold:
    split: Split
    models: components.FittedModels


SHORTLIST_DEPTH = 100


def _hit_at_10(hidden: np.ndarray) -> Callable[[np.ndarray], float]:
    return lambda top: float(np.mean((top[:, :10] == hidden[:, None]).any(axis=1)))


def run_protocols(
    validation: list[Fold], test: Fold, embeddings: np.ndarray, step: float, settings: components.ModelSettings
) -> dict:
    """Both protocols: weights tuned on the validation folds, then measured once on the test fold."""
    n_items = embeddings.shape[0]
    results: dict = {}

    # 1. next basket
    cases = [
        (
            Shortlist.of(
                component_matrices(f.models, next_basket_queries(f.split), embeddings, settings), SHORTLIST_DEPTH
            ),
            _recall_at(10, f.split.targets),
        )
        for f in validation
    ]
    weights, val_score = tune(cases, step)
    del cases
    tst = component_matrices(test.models, next_basket_queries(test.split), embeddings, settings)
    tst["blend"] = components.blend(tst, weights)
    results["next_basket"] = {
        "users": len(test.split.users),
        "weights": weights,
        "validation_recall@10": val_score,
        "methods": {
            name: next_basket_metrics(metrics.top_k(s, max(CURVE_KS)), test.split, n_items) for name, s in tst.items()
        },
    }
    del tst

    # 2. basket completion
    cases = []
    for f in validation:
        queries, hidden = completion_queries(f.split)
        matrices = component_matrices(f.models, queries, embeddings, settings)
        cases.append((Shortlist.of(matrices, SHORTLIST_DEPTH, queries.exclude), _hit_at_10(hidden)))
    weights, val_score = tune(cases, step)
    del cases
    tq, t_hidden = completion_queries(test.split)
    tst = component_matrices(test.models, tq, embeddings, settings)
    tst["blend"] = components.blend(tst, weights)
    results["basket_completion"] = {
        "cases": len(t_hidden),
        "weights": weights,
        "validation_hit@10": val_score,
        "methods": {name: completion_metrics(s, tq, t_hidden) for name, s in tst.items()},
    }
    return results
