"""Complete-the-cart inside the service (no HTTP) at 10k / 100k / 1M items, and the memory it holds.

    .venv-rec/bin/python -m benchmarks.complete_cart_scale --sizes 100000 1000000

The demo shop's built artefacts (make build: 7,055 Complete Journey products with their real
co-purchase model) are replicated to the size asked for: copy c of product i gets id "<i>~c", its
embedding plus Gaussian noise (renormalised), and the co-purchase neighbours of i within copy c, so
every copy behaves like a real shop's section. The index type follows cartwise.yml (exact up to
index.exact_max_items, HNSW above). Carts: 1,000 carts of 1-5 products drawn by popularity within
one copy. Signed-in shoppers (100,000 by default): the demo's 2,459 households' histories copied
into the catalog copies, and 1,000 more carts each completed for a random one of them. Each replica
is written as `make build` writes artefacts, then loaded in a fresh process the way the service
loads them, so the resident memory is what the service would hold.
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


def replicated_histories(base, size: int, shoppers: int):
    """Signed-in shoppers for the replica: copy j of base shopper s is "<s>~j", with s's history moved
    into catalog copy j mod (copies) (products beyond `size` dropped), until `shoppers` exist."""
    import scipy.sparse as sp

    from recommender.history import ShopperHistories

    n, h = len(base.catalog), base.histories
    if not len(h):
        return ShopperHistories.empty(size)
    indptr = np.asarray(h.weights.indptr)
    indices, weights, counts = h.weights.indices[:], h.weights.data[:], np.asarray(h.counts[:])
    copies, item_copies = -(-shoppers // len(h)), max(size // n, 1)
    blocks, count_blocks, ids = [], [], []
    for j in range(copies):
        shifted = indices + (j % item_copies) * n
        keep = shifted < size
        row_ends = np.searchsorted(np.flatnonzero(keep), indptr, side="left")   # indptr after dropping
        blocks.append(sp.csr_matrix((weights[keep], shifted[keep], row_ends), shape=(len(h), size)))
        count_blocks.append(sp.csr_matrix((counts[keep], shifted[keep], row_ends), shape=(len(h), size)))
        ids += [f"{s}~{j}" for s in h.shoppers]
    take = slice(0, shoppers)
    return ShopperHistories.of(ids[take], sp.vstack(blocks, format="csr")[take],
                               sp.vstack(count_blocks, format="csr")[take], h.decay)


def replicated_artefacts(size: int, seed: int = 0, shoppers: int = 100_000):
    import scipy.sparse as sp

    from recommender import artefacts
    from recommender.config import load_settings
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
                              neighbour_rows, neighbour_scores, popularity, manifest,
                              replicated_histories(base, size, shoppers))
    return settings, art, build_s, n


def rss_mb(kind: str = "VmRSS") -> float:
    """Resident MB: VmRSS in all, RssAnon owned by the process, RssFile pages of mapped artefact files
    (shared page cache the kernel can drop and re-read)."""
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(kind + ":")) / 1024


def write_replica(size: int, folder: Path, shoppers: int) -> dict:
    """Build the replicated catalog's artefacts and write them as `make build` would."""
    from recommender import artefacts

    _, art, build_s, n = replicated_artefacts(size, shoppers=shoppers)
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
    personal = personal_times(engine, carts, base_items, popularity, rng)
    return {"items": size, "index": describe(engine.art.index), "p50_ms": float(np.median(times)),
            "p99_ms": float(np.percentile(times, 99)), "shoppers": len(engine.art.histories),
            "personal_p50_ms": float(np.median(personal)) if len(personal) else None,
            "personal_p99_ms": float(np.percentile(personal, 99)) if len(personal) else None,
            "artefacts_rss_mb": round(loaded - before),
            "rss_mb": round(rss_mb()), "anon_mb": round(rss_mb("RssAnon")), "file_mb": round(rss_mb("RssFile"))}


def personal_times(engine, carts: int, n: int, popularity: np.ndarray, rng) -> np.ndarray:
    """Complete-the-cart for signed-in shoppers: a random shopper, a cart from their catalog copy."""
    histories = engine.art.histories
    if engine.personal_weights is None or not len(histories):
        return np.zeros(0)
    size, times = len(engine.ids), []
    for _ in range(carts):
        shopper = histories.shoppers[int(rng.integers(len(histories)))]
        copy = int(shopper.rsplit("~", 1)[1]) % max(size // n, 1)
        picked = rng.choice(n, size=int(rng.integers(1, 6)), replace=False, p=popularity) + copy * n
        ids = [engine.ids[r] for r in picked if r < size]
        t0 = time.perf_counter()
        out = engine.complete_cart(ids, k=5, shopper=shopper)
        times.append((time.perf_counter() - t0) * 1000)
        assert out.personal
    return np.array(times)


def _child(*args: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "benchmarks.complete_cart_scale", *args], check=True,
                          capture_output=True, text=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--carts", type=int, default=1000)
    parser.add_argument("--shoppers", type=int, default=100_000, help="signed-in shoppers with histories")
    parser.add_argument("--write", type=int, help=argparse.SUPPRESS)   # child: build one size into --dir
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)   # child: load --dir, time it
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--base-items", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, default=ROOT / "models" / "bench", help="where replicas are written")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmarks" / "complete_cart_scale.json")
    args = parser.parse_args()
    if args.write:
        print(json.dumps(write_replica(args.write, args.dir, args.shoppers)))
        return 0
    if args.serve:
        print(json.dumps(serve_replica(args.dir, args.carts, args.base_items)))
        return 0
    rows = []
    for size in args.sizes:
        folder = args.work / f"replica-{size}"
        built = _child("--write", str(size), "--dir", str(folder), "--shoppers", str(args.shoppers))
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
            "shoppers": lambda r: f"{r['shoppers']:,}",
            "signed-in p50 ms": lambda r: f"{r['personal_p50_ms']:.2f}" if r["personal_p50_ms"] is not None else "",
            "signed-in p99 ms": lambda r: f"{r['personal_p99_ms']:.2f}" if r["personal_p99_ms"] is not None else "",
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
