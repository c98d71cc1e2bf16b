"""FAISS index over product embeddings: exact inner product for shop-sized catalogs, HNSW above.

Large catalogs store the HNSW's vectors as 8-bit scalar-quantised codes (a quarter of float32's
memory; benchmarks/index_scale.py) and re-rank the graph's candidates with the exact vectors, read
from the embeddings file row by row, so recall stays that of float vectors.
"""
from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
from tqdm import tqdm

from .config import IndexSettings


def build_index(vectors: np.ndarray, settings: IndexSettings) -> faiss.Index:
    """Exact search while it is cheap enough; HNSW (graph, approximate) for large catalogs."""
    dim = vectors.shape[1]
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if len(vectors) <= settings.exact_max_items:
        index = faiss.IndexFlatIP(dim)
    elif settings.hnsw_storage == "sq8":
        index = faiss.IndexHNSWSQ(dim, faiss.ScalarQuantizer.QT_8bit, settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.train(vectors)
    else:
        index = faiss.IndexHNSWFlat(dim, settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efConstruction = max(40, settings.hnsw_m * 2)
        index.hnsw.efSearch = settings.hnsw_ef_search
    index.add(vectors)
    return index


def describe(index: faiss.Index) -> str:
    if isinstance(index, faiss.IndexHNSWSQ):
        return "hnsw-sq8"
    return "hnsw" if isinstance(index, faiss.IndexHNSW) else "exact"


def save_index(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def load_index(path: Path, settings: IndexSettings) -> faiss.Index:
    index = faiss.read_index(str(path))
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = settings.hnsw_ef_search
    return index


def search(index: faiss.Index, queries: np.ndarray, k: int, vectors: np.ndarray | None = None,
           rerank: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """(scores, positions) of shape (len(queries), k); position -1 marks 'no more results'.

    With `vectors` (the exact embeddings) a quantised index fetches `rerank` x k candidates and
    orders them by exact inner product.
    """
    k = max(1, min(k, index.ntotal))
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    if vectors is None or not isinstance(index, faiss.IndexHNSWSQ):
        return index.search(queries, k)
    _, candidates = index.search(queries, min(k * rerank, index.ntotal))
    scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    positions = np.full((len(queries), k), -1, dtype=np.int64)
    for i, row in enumerate(candidates):
        row = row[row >= 0]
        exact = np.asarray(vectors[np.sort(row)], dtype=np.float32) @ queries[i]   # sorted: sequential reads
        order = np.argsort(-exact, kind="stable")[:k]
        scores[i, :len(order)] = exact[order]
        positions[i, :len(order)] = np.sort(row)[order]
    return scores, positions


def neighbour_table(
    index: faiss.Index, vectors: np.ndarray, k: int, batch: int = 8192
) -> tuple[np.ndarray, np.ndarray]:
    """Every item's k nearest items as `search` ranks them from the item's own vector (the item itself
    among them, usually first): (scores float32, rows int32), each items x k, -1 where fewer exist.

    Complete-the-cart reads these rows instead of searching for every cart item at request time.
    """
    n, k = len(vectors), max(1, min(k, index.ntotal))
    scores = np.empty((n, k), dtype=np.float32)
    rows = np.empty((n, k), dtype=np.int32)
    for start in tqdm(range(0, n, batch), desc="content neighbours", unit="batch", disable=n <= batch):
        found_scores, found_rows = search(index, np.asarray(vectors[start : start + batch]), k)
        scores[start : start + batch], rows[start : start + batch] = found_scores, found_rows
    return scores, rows
