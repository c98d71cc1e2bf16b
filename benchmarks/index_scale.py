"""FAISS choices at catalog sizes a real shop has: build time, memory, recall@10 against exact
search and single-query latency, for exact inner product, HNSW with float vectors, and HNSW with
8-bit codes whose candidates are re-ranked with the exact vectors (what the service uses above
index.exact_max_items; "memory" there is the index alone: the exact vectors stay on disk, read a row at a time).

    .venv-rec/bin/python -m benchmarks.index_scale --sizes 10000 100000 1000000

Catalog: the 49,688 real Instacart product names embedded with MiniLM (cached by
`python -m recommender.evaluation`, or embedded here), replicated to the size asked for. Each
copy is its original plus Gaussian noise, renormalised: variation in embedding space standing in
for variants of the product text, because encoding a million texts takes ~40 minutes here.
Queries: 500 other noisy copies of real products. Prints a table; writes results/benchmarks/index_scale.json.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import faiss
import numpy as np

from benchmarks.table import machine, publish
from recommender.config import IndexSettings
from recommender.vector_index import build_index, search

ROOT = Path(__file__).resolve().parent.parent

NOISE = 0.35      # per-dimension noise relative to a unit vector's typical coordinate: copies stay near kin


def index_mb(index: faiss.Index) -> float:
    """The index's own size (vectors plus graph), as serialised: RSS deltas mislead once freed
    memory is reused."""
    return faiss.serialize_index(index).size / 2**20


def base_vectors(cache: Path) -> np.ndarray:
    if cache.exists():
        return np.load(cache)["vectors"].astype(np.float32)
    raise SystemExit(
        f"{cache} is missing: run `make evaluate` (or python -m recommender.evaluation --dataset instacart) first"
    )


def replicate(base: np.ndarray, size: int, rng: np.random.Generator, chunk: int = 100_000) -> np.ndarray:
    out = np.empty((size, base.shape[1]), dtype=np.float32)
    scale = NOISE / np.sqrt(base.shape[1])
    for start in range(0, size, chunk):
        n = min(chunk, size - start)
        picked = base[rng.integers(len(base), size=n)]
        block = picked + rng.normal(scale=scale, size=picked.shape).astype(np.float32)
        out[start : start + n] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def latencies(index: faiss.Index, queries: np.ndarray, vectors: np.ndarray | None = None, k: int = 10) -> np.ndarray:
    times = []
    for q in queries:
        t0 = time.perf_counter()
        search(index, q[None, :], k, vectors)
        times.append((time.perf_counter() - t0) * 1000)
    return np.array(times)


def recall_at_10(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)]))


def run(size: int, base: np.ndarray, hnsw_m: int, ef_values: list[int], rng: np.random.Generator) -> list[dict]:
    vectors = replicate(base, size, rng)
    queries = replicate(base, 500, rng)
    rows = []
    t0 = time.perf_counter()
    exact = build_index(vectors, IndexSettings(exact_max_items=size))
    exact_build, exact_mem = time.perf_counter() - t0, index_mb(exact)
    _, truth = exact.search(queries, 10)
    lat = latencies(exact, queries)
    rows.append(
        {
            "items": size,
            "index": "exact (IndexFlatIP)",
            "build_s": exact_build,
            "memory_mb": exact_mem,
            "recall@10": 1.0,
            "p50_ms": float(np.median(lat)),
            "p99_ms": float(np.percentile(lat, 99)),
        }
    )
    del exact
    for storage, label, exact_vectors in (("flat", "HNSW", None), ("sq8", "HNSW-SQ8 + re-rank x4", vectors)):
        t0 = time.perf_counter()
        hnsw = build_index(
            vectors, IndexSettings(exact_max_items=0, hnsw_m=hnsw_m, hnsw_ef_search=ef_values[0], hnsw_storage=storage)
        )
        hnsw_build, hnsw_mem = time.perf_counter() - t0, index_mb(hnsw)
        for ef in ef_values:
            hnsw.hnsw.efSearch = ef
            _, found = search(hnsw, queries, 10, exact_vectors)
            lat = latencies(hnsw, queries, exact_vectors)
            rows.append(
                {
                    "items": size,
                    "index": f"{label} M={hnsw_m} efSearch={ef}",
                    "build_s": hnsw_build,
                    "memory_mb": hnsw_mem,
                    "recall@10": recall_at_10(found, truth),
                    "p50_ms": float(np.median(lat)),
                    "p99_ms": float(np.percentile(lat, 99)),
                }
            )
        del hnsw
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--hnsw-m", type=int, default=32)
    parser.add_argument("--ef", type=int, nargs="+", default=[32, 64, 96, 128])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cache", type=Path, default=ROOT / "models" / "eval" / "instacart-embeddings.npz")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmarks" / "index_scale.json")
    args = parser.parse_args()
    faiss.omp_set_num_threads(args.threads)
    base = base_vectors(args.cache)
    rng = np.random.default_rng(0)
    rows = []
    for size in args.sizes:
        rows += run(size, base, args.hnsw_m, args.ef, rng)
        print(f"done {size:,} items", file=sys.stderr)
    where = machine(f"{args.threads} FAISS threads", f"faiss {faiss.__version__}")
    publish(
        f"FAISS index scale ({where}; 500 single queries, k=10)",
        {
            "items": lambda r: f"{r['items']:,}",
            "index": lambda r: r["index"],
            "build s": lambda r: f"{r['build_s']:.1f}",
            "memory MB": lambda r: f"{r['memory_mb']:.0f}",
            "recall@10 vs exact": lambda r: f"{r['recall@10']:.3f}",
            "p50 ms": lambda r: f"{r['p50_ms']:.2f}",
            "p99 ms": lambda r: f"{r['p99_ms']:.2f}",
        },
        rows,
        args.out,
        machine=where,
        noise=NOISE,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
