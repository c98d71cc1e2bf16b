"""Item-to-item collaborative filtering from past baskets ("often bought together").

Two models give the same thing, an items x items table whose row i says how much having i in the
cart speaks for each other item (the service sums a cart's rows):
- cosine: co(i, j) / (sqrt(n_i * n_j) + shrinkage), basket incidence shrunk so that a pair seen
  together in 2 baskets does not outrank one seen in 200;
- EASE (Steck, WWW 2019): the closed-form linear model that reconstructs each basket from its other
  items, on the most bought items (its Gram matrix is dense). It learns that an item explains
  another beyond what a third, more common one already does, which raw co-counts cannot.
Only the top `neighbours` per item are kept, which bounds memory and query time.

Both are fitted from the co-counts (`co_counts`, X'X of the basket matrix), which add up: the
counts of old baskets plus those of new ones are the counts of all, which is what lets an
incremental build (increment.py) refit without reading the old baskets again.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.linalg import lapack

from .catalog import first_lines, parts_by_id, positions_in, rank_in, sort_keys
from .config import CoPurchaseSettings


def basket_matrix(interactions: pd.DataFrame, item_position: dict[str, int]) -> sp.csr_matrix:
    """Binary baskets x items matrix (an item bought twice in one basket counts once), baskets in
    order of their ids. Rows are numbered from the ids' integer keys (`sort_keys`: a compact
    column's codes), int32 and in one pass: 0.9 s at 10.5M lines, where pandas' factorize took
    1.8 s. Every line's product must be in `item_position`."""
    items = positions_in(interactions["product_id"], item_position)
    if (items < 0).any():
        raise KeyError(f"{int((items < 0).sum())} basket line(s) name a product that is not in the catalog")
    keys = sort_keys(interactions["basket_id"])
    baskets, _ = first_lines(keys)
    basket_rows = rank_in(keys, baskets)
    del keys
    matrix = sp.csr_matrix(
        (np.ones(len(items), dtype=np.float32), (basket_rows, items)),
        shape=(len(baskets), len(item_position)),
    )
    matrix.data[:] = 1.0  # duplicates were summed by the constructor
    return matrix


def co_counts(baskets: sp.csr_matrix) -> sp.csr_matrix:
    """Items x items: how many baskets hold both; the diagonal, how many hold the item. Float32
    holds whole counts exactly up to 2**24 baskets a pair."""
    co = (baskets.T @ baskets).tocsr().astype(np.float32)
    co.sort_indices()
    return co


def basket_co_counts(interactions: pd.DataFrame, item_position: dict[str, int],
                     parts: int = 1) -> tuple[sp.csr_matrix, int]:
    """co_counts of all the baskets, and how many baskets there are, made for a range of baskets
    (about a `parts`-th of the lines) at a time: counts add up, and the whole baskets x items matrix
    with its transpose was the co-purchase stage's peak at 200M lines."""
    co, baskets = None, 0
    for some in parts_by_id(interactions, "basket_id", parts):
        matrix = basket_matrix(some, item_position)
        counts = co_counts(matrix)
        co = counts if co is None else co + counts
        baskets += matrix.shape[0]
        del matrix, counts
    co.sort_indices()
    return co, baskets


def item_counts(co: sp.csr_matrix) -> np.ndarray:
    return np.asarray(co.diagonal()).ravel()


def item_similarity(co: sp.csr_matrix, neighbours: int, shrinkage: float) -> sp.csr_matrix:
    """Sparse items x items similarity from co-counts, top `neighbours` per row, diagonal removed."""
    counts = item_counts(co)
    co = co.tocoo()
    off_diagonal = co.row != co.col
    rows, cols, together = co.row[off_diagonal], co.col[off_diagonal], co.data[off_diagonal]
    sims = together / (np.sqrt(counts[rows] * counts[cols]) + shrinkage)
    return top_k_per_row(sp.csr_matrix((sims, (rows, cols)), shape=co.shape), neighbours)


def gram(co: sp.csr_matrix, items: np.ndarray) -> np.ndarray:
    """X'X restricted to `items`, dense: EASE's input, read from the co-counts."""
    return co[items][:, items].toarray().astype(np.float32)


def ease(gram: np.ndarray, lam: float) -> np.ndarray:
    """B = I - P diagMat(1/diag(P)), P = (X'X + lam I)^-1: the EASE closed form, zero diagonal.
    `gram` (X'X) is overwritten.

    X'X + lam I is symmetric positive definite, so P comes from its Cholesky factor, in float32:
    on 7,055 items 15 s against np.linalg.inv's 55 s in float64, equal to 1e-6 of the largest entry."""
    gram[np.diag_indices_from(gram)] += lam
    factor, failed = lapack.spotrf(gram, lower=False, overwrite_a=True)
    if not failed:
        p, failed = lapack.spotri(factor, lower=False, overwrite_c=True)
    if failed:
        raise np.linalg.LinAlgError(f"EASE: the Gram matrix plus {lam:g} I is not positive definite")
    p = np.triu(p)
    p += np.triu(p, 1).T   # potri fills the upper triangle only
    p /= -np.diag(p).copy()   # in place: at 8,000 items each dense copy is 256 MB
    np.fill_diagonal(p, 0.0)
    return p


def most_bought(counts: np.ndarray, limit: int) -> np.ndarray:
    """Positions of the `limit` items in most baskets (ties by position), ascending; never one unbought."""
    items = np.sort(np.argsort(-counts, kind="stable")[:limit])
    return items[counts[items] > 0]


def ease_similarity(co: sp.csr_matrix, lam: float, max_items: int, neighbours: int,
                    block: int = 1024) -> sp.csr_matrix:
    """EASE on the `max_items` most bought items as a sparse items x items table over the whole
    catalog: each row's top `neighbours` positive weights (a negative weight says "not with this",
    which a sum of neighbour rows has no use for). Rows are cut `block` at a time, straight from
    the dense weights, so the fit's peak memory is a few dense copies, not a sparse one of all."""
    items = most_bought(item_counts(co), max_items)
    n = co.shape[1]
    if len(items) < 2:
        return sp.csr_matrix((n, n), dtype=np.float32)
    weights = ease(gram(co, items), lam)
    keep = min(neighbours, len(items) - 1)
    rows, cols, values = [], [], []
    for start in range(0, len(items), block):
        part = weights[start:start + block]
        top = np.argpartition(-part, keep - 1, axis=1)[:, :keep]
        best = np.take_along_axis(part, top, axis=1)
        positive = best > 0
        rows.append(np.broadcast_to(np.arange(start, start + len(part))[:, None], top.shape)[positive])
        cols.append(top[positive])
        values.append(best[positive])
    return sp.csr_matrix((np.concatenate(values), (items[np.concatenate(rows)], items[np.concatenate(cols)])),
                         shape=(n, n), dtype=np.float32)


def fit_table(co: sp.csr_matrix, settings: CoPurchaseSettings, model: str) -> sp.csr_matrix:
    """The items x items table of `model` ("cosine" or "ease") under `settings`, from co-counts."""
    if model == "ease":
        return ease_similarity(co, settings.ease_lambda, settings.ease_max_items, settings.neighbours)
    return item_similarity(co, settings.neighbours, settings.shrinkage)


def top_k_per_row(matrix: sp.csr_matrix, k: int) -> sp.csr_matrix:
    matrix = matrix.tocsr()
    data, indices, indptr = [], [], [0]
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        values, cols = matrix.data[start:end], matrix.indices[start:end]
        if len(values) > k:
            keep = np.argpartition(-values, k - 1)[:k]
            values, cols = values[keep], cols[keep]
        data.append(values)
        indices.append(cols)
        indptr.append(indptr[-1] + len(values))
    return sp.csr_matrix(
        (np.concatenate(data).astype(np.float32) if data else np.zeros(0, np.float32),
         np.concatenate(indices) if indices else np.zeros(0, np.int32),
         np.asarray(indptr)),
        shape=matrix.shape,
    )


def popularity(co: sp.csr_matrix, baskets: int) -> np.ndarray:
    """Share of baskets each item appears in."""
    return (item_counts(co) / max(baskets, 1)).astype(np.float32)
