"""Each shopper's own purchase history: what they bought, recent baskets weighted up.

One computation for the evaluation's buy-again and for what the service serves: the build makes
the service's with `evaluation.splits.shopper_histories` (the evaluation's split with nothing held
out), so the evaluation's figures are the service's. A basket `steps` before the shopper's latest
counts decay**steps; the counts beside the weights are how many baskets held the item.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

from .rows import CsrRows, NpyRows


def decayed(user_rows: np.ndarray, item_rows: np.ndarray, steps: np.ndarray, decay: float,
            shape: tuple[int, int]) -> sp.csr_matrix:
    """Users x items: the sum over baskets holding the item of decay**(baskets since that one)."""
    weights = np.power(np.float32(decay), steps.astype(np.float32))
    return sp.csr_matrix((weights, (user_rows, item_rows)), shape=shape, dtype=np.float32)


@dataclass
class ShopperHistories:
    shoppers: list[str]          # row i is shopper shoppers[i]
    weights: CsrRows             # shoppers x items, decayed (what buy-again ranks by)
    counts: NpyRows | np.ndarray   # int32, aligned with weights' data: baskets that held the item
    decay: float
    _index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._index = {s: i for i, s in enumerate(self.shoppers)}

    @classmethod
    def of(cls, shoppers: list[str], weights: sp.csr_matrix, counts: sp.csr_matrix, decay: float) -> ShopperHistories:
        weights, counts = weights.tocsr(), counts.tocsr()
        weights.sort_indices()
        counts.sort_indices()
        if not (np.array_equal(weights.indptr, counts.indptr) and np.array_equal(weights.indices, counts.indices)):
            raise ValueError("history weights and counts disagree on which items each shopper bought")
        return cls(list(shoppers), CsrRows.of(weights), counts.data.astype(np.int32), decay)

    @classmethod
    def stacked(cls, parts: list[ShopperHistories], n_items: int, decay: float) -> ShopperHistories:
        """The parts' shoppers one after another, as one sp.vstack of their matrices would give
        them, with index arrays of the dtype it would choose. Consumes `parts`: each is copied into
        the output and let go, so the peak is the histories and one part, where stacking held the
        parts, their two matrices' stack and the counts' copy at once (the stop at 400M lines)."""
        if not parts:
            return replace(cls.empty(n_items), decay=decay)
        nnz = sum(len(p.counts) for p in parts)
        index = np.int32 if max(nnz, n_items) <= np.iinfo(np.int32).max else np.int64
        shoppers = [s for p in parts for s in p.shoppers]
        indptr = np.zeros(len(shoppers) + 1, dtype=index)
        data, indices, counts = np.empty(nnz, np.float32), np.empty(nnz, index), np.empty(nnz, np.int32)
        row = at = 0
        while parts:
            part = parts.pop(0)
            n, rows = len(part.counts), len(part.shoppers)
            data[at:at + n], indices[at:at + n] = part.weights.data, part.weights.indices
            counts[at:at + n] = part.counts
            indptr[row + 1:row + rows + 1] = np.asarray(part.weights.indptr[1:]) + at
            row, at = row + rows, at + n
        return cls(shoppers, CsrRows(indptr, indices, data), counts, decay)

    @classmethod
    def empty(cls, n_items: int) -> ShopperHistories:
        none = sp.csr_matrix((0, n_items), dtype=np.float32)
        return cls.of([], none, none, 1.0)

    def __len__(self) -> int:
        return len(self.shoppers)

    def __contains__(self, shopper: str | None) -> bool:
        return shopper in self._index

    def row(self, shopper: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """(item rows, decayed weights, basket counts) of a known shopper, else None."""
        at = self._index.get(shopper) if shopper else None
        if at is None:
            return None
        items, weights = self.weights.row(at)
        start, end = int(self.weights.indptr[at]), int(self.weights.indptr[at + 1])
        return np.asarray(items), np.asarray(weights), np.asarray(self.counts[start:end])


def top_bought(items: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    """Positions of a history row's k heaviest items, ties by catalog row (as metrics.top_k)."""
    return np.lexsort((np.asarray(items), -np.asarray(weights)))[:k]


def buy_again_lists(weights: sp.csr_matrix, k: int) -> list[np.ndarray]:
    """Each shopper's top-k items by decayed weight: the buy-again list, as the service ranks it."""
    weights = weights.tocsr()
    out = []
    for u in range(weights.shape[0]):
        start, end = weights.indptr[u], weights.indptr[u + 1]
        items = weights.indices[start:end]
        out.append(items[top_bought(items, weights.data[start:end], k)])
    return out


def with_baskets(items: np.ndarray, weights: np.ndarray, counts: np.ndarray, baskets: list[list[int]],
                 decay: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A history row after more baskets, each newer than the last: what a rebuild would compute
    (every older basket one step further back, so its weight times `decay`; the new one's items +1)."""
    w = dict(zip(np.asarray(items).tolist(), np.asarray(weights, dtype=np.float64).tolist()))
    c = dict(zip(np.asarray(items).tolist(), np.asarray(counts).tolist()))
    for basket in baskets:
        w = {item: value * decay for item, value in w.items()}
        for item in set(basket):
            w[item] = w.get(item, 0.0) + 1.0
            c[item] = c.get(item, 0) + 1
    order = sorted(w)
    return (np.array(order, dtype=np.int64), np.array([w[i] for i in order]),
            np.array([c[i] for i in order], dtype=np.int32))
