"""FAISS index over product embeddings: exact inner product for shop-sized catalogs, HNSW above."""
from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from .config import IndexSettings


def build_index(vectors: np.ndarray, settings: IndexSettings) -> faiss.Index:
    """Exact search while it is cheap enough; HNSW (graph, approximate) for large catalogs."""
    dim = vectors.shape[1]
    if len(vectors) <= settings.exact_max_items:
        index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexHNSWFlat(dim, settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = max(40, settings.hnsw_m * 2)
        index.hnsw.efSearch = settings.hnsw_ef_search
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def describe(index: faiss.Index) -> str:
    return "hnsw" if isinstance(index, faiss.IndexHNSWFlat) else "exact"


def save_index(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def load_index(path: Path, settings: IndexSettings) -> faiss.Index:
    index = faiss.read_index(str(path))
    if isinstance(index, faiss.IndexHNSWFlat):
        index.hnsw.efSearch = settings.hnsw_ef_search
    return index


def search(index: faiss.Index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(scores, positions) of shape (len(queries), k); position -1 marks 'no more results'."""
    k = max(1, min(k, index.ntotal))
    scores, positions = index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
    return scores, positions
