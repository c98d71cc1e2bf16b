"""Needs and occasions ("ingredients for tacos", "movie night"): a small basket across product types.

A query that names a need wants one of each thing the occasion takes, not the five closest
variants of one product. Pure functions: which queries are needs (the shop's own cue patterns
from cartwise.yml), how candidates are scored (closeness to the query plus how often each is
bought with the best match, the anchor), and the order that spreads the first places over
product types.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np


def is_need(text: str, cues: Sequence[re.Pattern[str]]) -> bool:
    """Whether the query names an occasion or a meal rather than a product."""
    return any(cue.search(text) for cue in cues)


def need_scores(relevance: np.ndarray, bought_with_anchor: np.ndarray, weight: float) -> np.ndarray:
    """Closeness to the query, plus `weight` x co-purchase with the anchor (normalised to [0, 1]):
    for "tacos", ground beef is not close to the words but is what taco shells are bought with."""
    top = bought_with_anchor.max() if len(bought_with_anchor) else 0.0
    return relevance + weight * (bought_with_anchor / top if top > 0 else bought_with_anchor)


def spread_order(scores: np.ndarray, types: np.ndarray, first: int, per_type: int) -> np.ndarray:
    """Indexes best first, with at most `per_type` of one product type in the first `first` places
    (while other types are left); everything else follows by score. Ties keep input order."""
    order = np.argsort(-scores, kind="stable")
    head: list[int] = []
    taken: dict[int, int] = {}
    for i in order:
        if len(head) == first:
            break
        t = int(types[i])
        if taken.get(t, 0) < per_type:
            head.append(int(i))
            taken[t] = taken.get(t, 0) + 1
    chosen = set(head)
    return np.asarray(head + [int(i) for i in order if int(i) not in chosen], dtype=np.int64)


def closest_words(vectors: np.ndarray, words: Sequence[str], word_vectors: np.ndarray) -> list[str]:
    """For each product vector, the need's word it is closest to in meaning ("birthday" for the
    candles, "party" for the party tray of "a birthday party for my 6 year old"): a reason that
    says which part of the need a product is for, not the whole phrase again."""
    return [words[i] for i in np.argmax(vectors @ word_vectors.T, axis=1)]


def key_words(words: Sequence[str], vectors: np.ndarray, need_vector: np.ndarray,
              within: float) -> tuple[list[str], np.ndarray]:
    """The words whose meaning is within `within` cosine of the word nearest the whole need's: the
    ones that name it ("potluck"), not the ones that only carry the sentence ("bring")."""
    closeness = vectors @ need_vector
    keep = closeness >= closeness.max() - within
    return [w for w, k in zip(words, keep) if k], vectors[keep]
