"""How long the trained NLU takes to parse one message, per model (issue 16: within +5 ms p50).

    .venv-bot/bin/python -m benchmarks.nlu_latency [--models OLD.tar.gz models/rasa/cartwise.tar.gz]

Parses every held-out shopper message (tests/nlu_heldout, both parts) through each model in turn,
one at a time as a turn does, after a warm-up pass; the models alternate in rounds so a drift of
the machine's speed hits both alike. Prints p50 / p90 / p99 per model; writes
results/benchmarks/nlu_latency.json.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import time
from pathlib import Path

import numpy as np

from benchmarks.table import machine, publish

ROOT = Path(__file__).resolve().parent.parent


async def timings(agents: dict[str, object], texts: list[str], rounds: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {name: [] for name in agents}
    for agent in agents.values():   # warm-up: first parses load lazily built pieces
        for text in texts[:50]:
            await agent.parse_message(text)
    for _ in range(rounds):
        for name, agent in agents.items():
            for text in texts:
                start = time.perf_counter()
                await agent.parse_message(text)
                out[name].append((time.perf_counter() - start) * 1000)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, nargs="+", default=[ROOT / "models" / "rasa" / "cartwise.tar.gz"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmarks" / "nlu_latency.json")
    args = parser.parse_args(argv)
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    from tests.nlu_heldout.heldout import load

    configure_structlog(logging.WARNING)
    texts = [e.text for part in ("validation", "test") for e in load(part)]
    agents = {str(model): Agent.load(str(model)) for model in args.models}
    found = asyncio.run(timings(agents, texts, args.rounds))
    rows = [{"model": name, "parses": len(ms), "p50_ms": float(np.median(ms)), "p90_ms": float(np.quantile(ms, 0.9)),
             "p99_ms": float(np.quantile(ms, 0.99))} for name, ms in found.items()]
    publish(f"NLU parse time per message ({machine()})",
            {"model": lambda r: r["model"], "parses": lambda r: str(r["parses"]),
             "p50": lambda r: f"{r['p50_ms']:.1f} ms", "p90": lambda r: f"{r['p90_ms']:.1f} ms",
             "p99": lambda r: f"{r['p99_ms']:.1f} ms"},
            rows, args.out, machine=machine())


if __name__ == "__main__":
    main()
