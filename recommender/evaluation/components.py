"""The scorers compared by the harness, as matrix functions: queries x items score matrices.

A query is a row of item weights: a user's past baskets (next-basket) or a cart (completion).
- popularity: share of training baskets with the item, the same for every query;
- buy_again: the user's own purchase counts, recent baskets weighted up (decay per basket);
- user_knn: what the most similar shoppers buy (their decayed histories, cosine-weighted), the
  neighbour half of TIFUKNN (Hu et al., SIGIR 2020) whose other half is buy_again;
- item_knn: co-purchase neighbours (`recommender.cooccurrence`, the service's model) of the query;
- ease: EASE (Steck, WWW 2019), a closed-form linear item-item model, on the most frequent items;
- content: cosine between the query's mean embedding and every item (exact, as the service's
  flat index; MiniLM over product text).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .. import cooccurrence

COMPONENTS = ("popularity", "buy_again", "user_knn", "item_knn", "ease", "content")


@dataclass(frozen=True)
class ModelSettings:
    knn_neighbours: int = 100
    knn_shrinkage: float = 10.0
    ease_lambda: float = 200.0
    ease_max_items: int = 8000     # the Gram matrix is dense: 8k items is 256 MB in float32
    decay: float = 0.9             # buy-again weight of a basket one step further in the past
    user_neighbours: int = 100


@dataclass
class FittedModels:
    popularity: np.ndarray        # items
    similarity: sp.csr_matrix     # items x items, top neighbours
    ease_items: np.ndarray        # positions of the items EASE covers
    ease_weights: np.ndarray      # len(ease_items)^2, zero diagonal


def fit(train_baskets: sp.csr_matrix, settings: ModelSettings) -> FittedModels:
    co = cooccurrence.co_counts(train_baskets)
    popularity = cooccurrence.popularity(co, train_baskets.shape[0])
    similarity = cooccurrence.item_similarity(co, settings.knn_neighbours, settings.knn_shrinkage)
    ease_items = cooccurrence.most_bought(cooccurrence.item_counts(co), settings.ease_max_items)
    return FittedModels(popularity, similarity, ease_items,
                        cooccurrence.ease(cooccurrence.gram(co, ease_items), settings.ease_lambda))


def _unit_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    return sp.diags(1.0 / np.maximum(norms, 1e-9)) @ matrix


def user_knn(history: sp.csr_matrix, population: sp.csr_matrix, self_rows: np.ndarray, k: int) -> np.ndarray:
    """Sum of the k most similar other shoppers' histories, each weighted by its cosine."""
    people = _unit_rows(population).tocsr()
    sims = (_unit_rows(history) @ people.T).toarray()
    sims[np.arange(len(self_rows)), self_rows] = 0.0          # a shopper is not their own neighbour
    if k < sims.shape[1]:
        cut = np.partition(sims, -k, axis=1)[:, -k][:, None]
        sims[sims < cut] = 0.0
    return np.asarray((people.T @ sp.csr_matrix(sims).T).T.todense(), dtype=np.float32)


def scores(name: str, models: FittedModels, queries: sp.csr_matrix, history: sp.csr_matrix,
           embeddings: np.ndarray, population: sp.csr_matrix, self_rows: np.ndarray,
           settings: ModelSettings) -> np.ndarray:
    """Dense queries x items scores of one component."""
    n_items = queries.shape[1]
    if name == "popularity":
        return np.broadcast_to(models.popularity.astype(np.float32), (queries.shape[0], n_items)).copy()
    if name == "buy_again":
        return history.toarray().astype(np.float32)
    if name == "user_knn":
        return user_knn(history, population, self_rows, settings.user_neighbours)
    if name == "item_knn":
        return np.asarray((queries @ models.similarity).todense(), dtype=np.float32)
    if name == "ease":
        out = np.zeros((queries.shape[0], n_items), dtype=np.float32)
        out[:, models.ease_items] = queries[:, models.ease_items] @ models.ease_weights
        return out
    if name == "content":
        profile = np.asarray(queries @ embeddings, dtype=np.float32)
        profile /= np.maximum(np.linalg.norm(profile, axis=1, keepdims=True), 1e-9)
        return profile @ embeddings.T
    raise ValueError(f"unknown component {name!r}")


def normalise(matrix: np.ndarray) -> np.ndarray:
    """Each row scaled to [0, 1] by its largest positive score, so weights compare components."""
    top = matrix.max(axis=1, keepdims=True)
    return np.clip(matrix, 0, None) / np.where(top > 0, top, 1.0)


def blend(normalised: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    out = np.zeros_like(next(iter(normalised.values())))
    for name, weight in weights.items():
        if weight:
            out += weight * normalised[name]
    return out
