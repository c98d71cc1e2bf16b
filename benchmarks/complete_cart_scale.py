"""Complete-the-cart inside the service (no HTTP) at 10k / 100k / 1M items, and the memory it holds.

    .venv-rec/bin/python -m benchmarks.complete_cart_scale --sizes 100000 1000000

The demo shop's built artefacts (make build: 7,055 Complete Journey products with their real
co-purchase model) are replicated to the size asked for: copy c of product i gets id "<i>~c", its
embedding plus Gaussian noise (renormalised), and the co-purchase neighbours of i within copy c, so
every copy behaves like a real shop's section. The index type follows cartwise.yml (exact up to
index.exact_max_items, HNSW above). Carts: 1,000 carts of 1-5 products drawn by popularity within
one copy. Each replica is written as `make build` writes artefacts, then loaded in a fresh process
the way the service loads them, so the resident memory is what the service would hold.
Prints a table; writes results/benchmarks/complete_cart_scale.json.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks.table import machine, publish

ROOT = Path(__file__).resolve().parent.parent

NOISE = 0.35


def replicated_artefacts(size: int, seed: int = 0):
    import scipy.sparse as sp

    from recommender import artefacts
    from recommender.config import load_settings
    from recommender.history import ShopperHistories
    from recommender.vector_index import build_index, describe, neighbour_table

    settings = load_settings()
    base = artefacts.read(settings.models_dir, settings.index)
    n = len(base.catalog)
    copies = -(-size // n)
    rng = np.random.default_rng(seed)
    rows = np.arange(copies * n)[:size]
    source = rows % n
    catalog = base.catalog.iloc[source].reset_index(drop=True)
    catalog["id"] = [f"{pid}~{c}" for pid, c in zip(catalog["id"], rows // n)]
    dim = base.embeddings.shape[1]
    noise = rng.normal(scale=NOISE / np.sqrt(dim), size=(size, dim))
    embeddings = base.embeddings[:][source] + (rows >= n)[:, None] * noise.astype(np.float32)
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    cooc = base.similarity
    cooc = sp.csr_matrix((cooc.data[:], cooc.indices[:], cooc.indptr), shape=(n, n))
    similarity = sp.block_diag([cooc] * copies, format="csr")[:size, :size]
    popularity = base.popularity[source] / copies
    t0 = time.perf_counter()
    index = build_index(embeddings, settings.index)
    build_s = time.perf_counter() - t0
    neighbour_scores, neighbour_rows = neighbour_table(index, embeddings, settings.index.neighbours)
    manifest = {**base.manifest, "items": size, "index_type": describe(index)}
    art = artefacts.Artefacts(catalog, np.ascontiguousarray(embeddings, dtype=np.float32), index, similarity.tocsr(),
                              neighbour_rows, neighbour_scores, popularity, manifest, ShopperHistories.empty(size))
    return settings, art, build_s, n


def rss_mb(kind: str = "VmRSS") -> float:
    """Resident MB: VmRSS in all, RssAnon owned by the process, RssFile pages of mapped artefact files
    (shared page cache the kernel can drop and re-read)."""
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(kind + ":")) / 1024


def write_replica(size: int, folder: Path) -> dict:
    """Build the replicated catalog's artefacts and write them as `make build` would."""
    from recommender import artefacts

    _, art, build_s, n = replicated_artefacts(size)
    artefacts.write(folder, art)
    return {"index_build_s": round(build_s, 1), "base_items": n}


def serve_replica(folder: Path, carts: int, base_items: int) -> dict:
    """Load the artefacts the way the service does, then time complete-the-cart."""
    from recommender import artefacts
    from recommender.config import load_settings
    from recommender.engine import Recommender
    from recommender.vector_index import describe

    settings = replace(load_settings(), models_dir=folder)
    before = rss_mb()
    engine = Recommender(settings, artefacts.read(folder, settings.index), encoder=None, coupons={})
    loaded = rss_mb()
    size, n = len(engine.ids), base_items
    popularity = engine.art.popularity[:n] / engine.art.popularity[:n].sum()
    rng = np.random.default_rng(1)
    times = []
    for _ in range(carts):
        copy = int(rng.integers(max(size // n, 1)))
        picked = rng.choice(n, size=int(rng.integers(1, 6)), replace=False, p=popularity) + copy * n
        ids = [engine.ids[r] for r in picked if r < size]
        t0 = time.perf_counter()
        out = engine.complete_cart(ids, k=5)
        times.append((time.perf_counter() - t0) * 1000)
        assert not set(ids) & {engine.ids[s.position] for s in out.suggestions}
    times = np.array(times)
    return {"items": size, "index": describe(engine.art.index), "p50_ms": float(np.median(times)),
            "p99_ms": float(np.percentile(times, 99)), "artefacts_rss_mb": round(loaded - before),
            "rss_mb": round(rss_mb()), "anon_mb": round(rss_mb("RssAnon")), "file_mb": round(rss_mb("RssFile"))}


def _child(*args: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "benchmarks.complete_cart_scale", *args], check=True,
                          capture_output=True, text=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--carts", type=int, default=1000)
    parser.add_argument("--write", type=int, help=argparse.SUPPRESS)   # child: build one size into --dir
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)   # child: load --dir, time it
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--base-items", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, default=ROOT / "models" / "bench", help="where replicas are written")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmarks" / "complete_cart_scale.json")
    args = parser.parse_args()
    if args.write:
        print(json.dumps(write_replica(args.write, args.dir)))
        return 0
    if args.serve:
        print(json.dumps(serve_replica(args.dir, args.carts, args.base_items)))
        return 0
    rows = []
    for size in args.sizes:
        folder = args.work / f"replica-{size}"
        built = _child("--write", str(size), "--dir", str(folder))
        served = _child("--serve", "--dir", str(folder), "--carts", str(args.carts),
                        "--base-items", str(built["base_items"]))
        rows.append({**served, "index_build_s": built["index_build_s"]})
        shutil.rmtree(folder)
        print(f"done {size:,} items", file=sys.stderr)
    where = machine()
    publish(
        f"Complete-the-cart inside the service ({where}; {args.carts} carts of 1-5 items, k=5)",
        {
            "items": lambda r: f"{r['items']:,}",
            "index": lambda r: r["index"],
            "index build s": lambda r: str(r["index_build_s"]),
            "p50 ms": lambda r: f"{r['p50_ms']:.2f}",
            "p99 ms": lambda r: f"{r['p99_ms']:.2f}",
            "artefacts loaded MB": lambda r: f"{r['artefacts_rss_mb']:,}",
            "service RSS MB": lambda r: f"{r['rss_mb']:,}",
            "of it anonymous": lambda r: f"{r['anon_mb']:,}",
            "of it mapped files": lambda r: f"{r['file_mb']:,}",
        },
        rows,
        args.out,
        machine=where,
        noise=NOISE,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
