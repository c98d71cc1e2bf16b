"""The NLU's MiniLM per message: OpenVINO vs the numpy forward pass (`make bench-nlu-embed`).

    .venv-bot/bin/python -m benchmarks.nlu_embedding [--rounds 3]

Encodes every held-out shopper message (tests/nlu_heldout, both parts) one at a time, as a turn
does, with each runtime in turn after a warm-up; the runtimes alternate message by message so a
drift of the machine's speed hits both alike. Prints p50 / p90 / p99 per runtime and the cosine
between their vectors; writes results/benchmarks/nlu_embedding.json. It runs in the bot's own
environment (.venv-bot), where the featurizer runs.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from benchmarks.table import machine, publish
from bot.nlu.minilm import RUNTIMES, MiniLM
from tests.nlu_heldout.heldout import load

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, default=ROOT / "models" / "minilm")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmarks" / "nlu_embedding.json")
    args = parser.parse_args(argv)
    texts = [e.text for part in ("validation", "test") for e in load(part)]
    models = {runtime: MiniLM(args.model_dir, runtime) for runtime in RUNTIMES}
    for model in models.values():
        model.encode(texts[:50])
    timings: dict[str, list[float]] = {runtime: [] for runtime in models}
    for _ in range(args.rounds):
        for text in texts:
            for runtime, model in models.items():
                started = time.perf_counter()
                model.encode([text])
                timings[runtime].append((time.perf_counter() - started) * 1000)
    vectors = {runtime: model.encode(texts) for runtime, model in models.items()}
    cosine = (vectors["openvino"] * vectors["numpy"]).sum(axis=1)
    numpy_p50 = float(np.percentile(timings["numpy"], 50))
    rows = [{"runtime": runtime, "messages": len(texts), "rounds": args.rounds,
             **{f"p{q}_ms": float(np.percentile(t, q)) for q in (50, 90, 99)},
             "speedup_p50": numpy_p50 / float(np.percentile(t, 50)),
             "min_cosine_to_numpy": float(cosine.min()) if runtime == "openvino" else 1.0}
            for runtime, t in timings.items()]
    import openvino
    where = machine(f"OpenVINO {openvino.__version__}")
    publish(f"NLU sentence embedding per message ({where}; {len(texts)} held-out messages x {args.rounds})", {
        "runtime": lambda r: r["runtime"], "p50 ms": lambda r: f"{r['p50_ms']:.2f}",
        "p90 ms": lambda r: f"{r['p90_ms']:.2f}", "p99 ms": lambda r: f"{r['p99_ms']:.2f}",
        "x numpy (p50)": lambda r: f"{r['speedup_p50']:.1f}",
        "min cosine to numpy": lambda r: f"{r['min_cosine_to_numpy']:.5f}",
    }, rows, args.out, machine=where)


if __name__ == "__main__":
    main()
