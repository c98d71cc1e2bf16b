"""Embedding throughput and fidelity by runtime and batch size, on this machine's cores.

    .venv-rec/bin/python -m benchmarks.embedding_throughput [--backends torch openvino openvino-int8] [--precision f32]

Texts: real product texts, Instacart names (short) and the demo shop's Complete Journey product
texts (title, size, category and department). Each runtime is timed on the same `--sample` texts per
batch size (median of `--repeats` runs), and its vectors are compared with torch's on *every* text of
the corpus (cosine: minimum, 1st percentile, mean). The int8 model is calibrated as the build
calibrates it (encoder_runtime.py): on 600 texts drawn from the same shop. Prints two tables; writes
results/benchmarks/embedding_throughput.json. `recommender.embedding` in cartwise.yml (backend and
batch size) comes from these tables.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import openvino as ov
import pandas as pd
import torch

from benchmarks.table import machine, publish
from recommender.embeddings import BACKENDS, Encoder
from recommender.encoder_runtime import cosines, export_fp32, quantise, sample

ROOT = Path(__file__).resolve().parent.parent
CALIBRATION = 600


def corpora() -> dict[str, list[str]]:
    out = {}
    instacart = ROOT.parent / "shared" / "data" / "instacart" / "products.csv"
    if instacart.exists():
        out["instacart names"] = pd.read_csv(instacart)["product_name"].astype(str).tolist()
    catalog = ROOT / "models" / "recommender" / "catalog.parquet"
    if catalog.exists():
        from recommender.catalog import product_text
        out["demo shop texts"] = [product_text(r) for r in pd.read_parquet(catalog).to_dict("records")]
    if not out:
        raise SystemExit("no texts: needs ../shared/data/instacart or a built demo shop (make build)")
    return out


def encoders(backends: list[str], texts: list[str], reference: Encoder, folder: Path,
             precision: str | None) -> dict[str, Encoder]:
    """Each runtime as the build would make it for a shop with these texts."""
    out = {}
    if "torch" in backends:
        out["torch"] = reference
    if {"openvino", "openvino-int8"} & set(backends):
        fp32 = export_fp32(folder / "fp32")
        if "openvino" in backends:
            out["openvino"] = Encoder.openvino(fp32, "openvino", precision=precision)
        if "openvino-int8" in backends:
            int8 = quantise(fp32, sample(texts, CALIBRATION), reference, folder / "int8")
            out["openvino-int8"] = Encoder.openvino(int8, "openvino-int8", precision=precision)
    return out


def rate(encoder: Encoder, texts: list[str], batch: int, repeats: int) -> float:
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        encoder.encode(texts, batch_size=batch)
        rates.append(len(texts) / (time.perf_counter() - t0))
    return float(np.median(rates))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[16, 32, 64])
    parser.add_argument("--sample", type=int, default=2000, help="texts timed per run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--precision", choices=["f32", "bf16"],
                        help="OpenVINO's float precision (default: the CPU's own; f32 shows a CPU without bf16)")
    parser.add_argument("--out", type=Path, help="default: results/benchmarks/embedding_throughput[_f32].json")
    args = parser.parse_args()
    args.out = args.out or ROOT / "results" / "benchmarks" / (
        "embedding_throughput" + (f"_{args.precision}" if args.precision else "") + ".json")
    reference = Encoder()
    speed, fidelity = [], []
    for corpus, texts in corpora().items():
        timed = sample(texts, args.sample, salt=2)
        tokens = float(np.mean([len(t) for t in reference.tokens(timed)]))
        full = reference.encode(texts) if len(args.backends) > 1 else None
        with tempfile.TemporaryDirectory() as folder:
            for backend, encoder in encoders(args.backends, texts, reference, Path(folder), args.precision).items():
                encoder.encode(timed[:64])   # warm up (OpenVINO compiles kernels per shape)
                for batch in args.batch_sizes:
                    speed.append({"texts": corpus, "mean_tokens": round(tokens, 1), "backend": backend,
                                  "precision": encoder.precision,
                                  "batch_size": batch, "products_per_s": rate(encoder, timed, batch, args.repeats)})
                    print(f"{corpus} {backend} batch {batch}: {speed[-1]['products_per_s']:.0f}/s", file=sys.stderr)
                if full is not None and backend != "torch":
                    sims = cosines(encoder.encode(texts), full)
                    fidelity.append({"texts": corpus, "products": len(texts), "backend": backend,
                                     "precision": encoder.precision,
                                     "min_cosine": float(sims.min()), "p1_cosine": float(np.percentile(sims, 1)),
                                     "mean_cosine": float(sims.mean()),
                                     "worst": texts[int(np.argmin(sims))]})
    base = {(r["texts"], r["batch_size"]): r["products_per_s"] for r in speed if r["backend"] == "torch"}
    for r in speed:
        r["vs_torch"] = r["products_per_s"] / base[(r["texts"], r["batch_size"])] if base else None
    where = machine(f"torch {torch.__version__} ({torch.get_num_threads()} threads)", f"OpenVINO {ov.__version__}")
    publish(f"Embedding throughput, all-MiniLM-L6-v2 ({where}; median of {args.repeats} runs of {args.sample} texts)", {
        "texts": lambda r: r["texts"], "mean tokens": lambda r: str(r["mean_tokens"]),
        "runtime": lambda r: f"{r['backend']} ({r['precision']})", "batch size": lambda r: str(r["batch_size"]),
        "products/s": lambda r: f"{r['products_per_s']:.0f}",
        "x torch": lambda r: f"{r['vs_torch']:.2f}" if r["vs_torch"] else "",
    }, speed, args.out, machine=where, fidelity=fidelity)
    if fidelity:
        publish("Cosine to torch's vectors, every product", {
            "texts": lambda r: r["texts"], "products": lambda r: str(r["products"]),
            "runtime": lambda r: f"{r['backend']} ({r['precision']})",
            "min": lambda r: f"{r['min_cosine']:.4f}", "1st percentile": lambda r: f"{r['p1_cosine']:.4f}",
            "mean": lambda r: f"{r['mean_cosine']:.5f}", "worst product": lambda r: r["worst"][:60],
        }, fidelity, args.out.with_name(args.out.stem + "_fidelity.json"), machine=where)
    return 0


if __name__ == "__main__":
    sys.exit(main())
