"""Embedding build throughput: products per second by batch size, on this machine's cores.

    .venv-rec/bin/python -m benchmarks.embedding_throughput

Texts: real product texts, Instacart names (short) and the demo shop's Complete Journey product
texts (longer: title, category and department), 512 of each, in the order the build sees them.
Prints a table; writes results/benchmarks/embedding_throughput.json. The build's batch size
(`recommender.embedding.batch_size` in cartwise.yml) comes from this table.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from benchmarks.table import machine, publish
from recommender.embeddings import Encoder

ROOT = Path(__file__).resolve().parent.parent


def texts(sample: int) -> dict[str, list[str]]:
    out = {}
    instacart = ROOT.parent / "shared" / "data" / "instacart" / "products.csv"
    if instacart.exists():
        out["instacart names"] = pd.read_csv(instacart)["product_name"].astype(str).head(sample).tolist()
    catalog = ROOT / "models" / "recommender" / "catalog.parquet"
    if catalog.exists():
        from recommender.catalog import product_text
        rows = pd.read_parquet(catalog).head(sample).to_dict("records")
        out["demo shop texts"] = [product_text(r) for r in rows]
    if not out:
        raise SystemExit("no texts: needs ../shared/data/instacart or a built demo shop (make build)")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[16, 32, 64, 128, 256])
    parser.add_argument("--sample", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmarks" / "embedding_throughput.json")
    args = parser.parse_args()
    encoder = Encoder()
    encoder.encode(["warm up"] * 32)
    rows = []
    for corpus, items in texts(args.sample).items():
        words = float(np.mean([len(t.split()) for t in items]))
        for batch in args.batch_sizes:
            rates = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                encoder.encode(items, batch_size=batch)
                rates.append(len(items) / (time.perf_counter() - t0))
            rows.append({"texts": corpus, "mean_words": round(words, 1), "batch_size": batch,
                         "products_per_s": float(np.median(rates))})
            print(f"{corpus} batch {batch}: {rows[-1]['products_per_s']:.0f}/s", file=sys.stderr)
    where = machine(f"torch {torch.__version__}", f"{torch.get_num_threads()} threads")
    publish(f"Embedding throughput, all-MiniLM-L6-v2 ({where}; median of {args.repeats} runs of {args.sample} texts)", {
        "texts": lambda r: r["texts"], "mean words": lambda r: str(r["mean_words"]),
        "batch size": lambda r: str(r["batch_size"]), "products/s": lambda r: f"{r['products_per_s']:.0f}",
    }, rows, args.out, machine=where)
    return 0


if __name__ == "__main__":
    sys.exit(main())
