"""Item-to-item collaborative filtering from past baskets ("often bought together").

similarity(i, j) = co(i, j) / (sqrt(n_i * n_j) + shrinkage): cosine over basket incidence,
shrunk so that a pair seen together in 2 baskets does not outrank one seen in 200.
Only the top `neighbours` per item are kept, which bounds memory and query time.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp


def basket_matrix(interactions: pd.DataFrame, item_position: dict[str, int]) -> sp.csr_matrix:
    """Binary baskets x items matrix (an item bought twice in one basket counts once)."""
    items = interactions["product_id"].map(item_position).to_numpy()
    baskets, basket_rows = np.unique(interactions["basket_id"].to_numpy(), return_inverse=True)
    matrix = sp.csr_matrix(
        (np.ones(len(items), dtype=np.float32), (basket_rows, items)),
        shape=(len(baskets), len(item_position)),
    )
    matrix.data[:] = 1.0  # duplicates were summed by the constructor
    return matrix


def item_similarity(baskets: sp.csr_matrix, neighbours: int, shrinkage: float) -> sp.csr_matrix:
    """Sparse items x items similarity, top `neighbours` per row, diagonal removed."""
    counts = np.asarray(baskets.sum(axis=0)).ravel()
    co = (baskets.T @ baskets).tocoo()
    off_diagonal = co.row != co.col
    rows, cols, together = co.row[off_diagonal], co.col[off_diagonal], co.data[off_diagonal]
    sims = together / (np.sqrt(counts[rows] * counts[cols]) + shrinkage)
    return top_k_per_row(sp.csr_matrix((sims, (rows, cols)), shape=co.shape), neighbours)


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


def popularity(baskets: sp.csr_matrix) -> np.ndarray:
    """Share of baskets each item appears in."""
    counts = np.asarray(baskets.sum(axis=0)).ravel().astype(np.float32)
    return counts / max(baskets.shape[0], 1)
