"""Ranking metrics over top-k lists: pure functions, one value per user (averaged by the caller)."""
from __future__ import annotations

import numpy as np


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Column positions of each row's k best scores, best first (ties broken by position)."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.lexsort((part, -np.take_along_axis(scores, part, axis=1)), axis=1)
    return np.take_along_axis(part, order, axis=1)


def recall(ranked: list[int] | np.ndarray, relevant: set[int], k: int) -> float | None:
    """Share of the relevant items in the top k; None when there is nothing to find."""
    if not relevant:
        return None
    return len(relevant.intersection(ranked[:k])) / len(relevant)


def hit(ranked: list[int] | np.ndarray, relevant: set[int], k: int) -> float | None:
    if not relevant:
        return None
    return float(bool(relevant.intersection(ranked[:k])))


def ndcg(ranked: list[int] | np.ndarray, relevant: set[int], k: int) -> float | None:
    """Binary-relevance NDCG@k."""
    if not relevant:
        return None
    gains = [1.0 / np.log2(i + 2) for i, item in enumerate(ranked[:k]) if item in relevant]
    ideal = sum(1.0 / np.log2(i + 2) for i in range(min(len(relevant), k)))
    return sum(gains) / ideal


def mean(values: list[float | None]) -> float:
    kept = [v for v in values if v is not None]
    return float(np.mean(kept)) if kept else float("nan")
