"""Search in the service at retailer scale (`make bench-search-scale`): latency over HTTP per query kind.

    .venv-rec/bin/python -m benchmarks.search_service [--products 100000] [--lines 300000] [--rounds 3]

The shop is Instacart's catalog replicated to --products (as `make bench-build` makes it, each copy's
names distinct, so the index holds that many different vectors), built by `python -m recommender.build`
in a process of its own. The real service (`python -m recommender.service`) then answers every judged
query of both shops (tests/search_judgements: plain types, attribute, price and negation words, needs,
sizes, typos, things the shop lacks) with `POST /search`, k=5, one client on a keep-alive connection.
The first round sends each text for the first time (its vector is computed then); later rounds repeat
them, as shoppers repeat popular searches (the service keeps recent query vectors). Client and service
share the machine's cores. Prints a table; writes results/benchmarks/search_service.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from benchmarks.build_scale import INSTACART, run_build, scaled_shop, shop_config
from benchmarks.http_load import Connection, start_service, tree_rss_mb
from benchmarks.table import machine, publish
from recommender.evaluation.judged_search import load as load_judged

ROOT = Path(__file__).resolve().parent.parent
JUDGED = ("queries.yml", "instacart.yml")


def judged_queries() -> list[tuple[str, str]]:
    """(kind, text) of every judged query of both shops, each text once."""
    seen: dict[str, str] = {}
    for name in JUDGED:
        for j in load_judged(ROOT / "tests" / "search_judgements" / name):
            seen.setdefault(j.q, j.kind)
    return [(kind, q) for q, kind in seen.items()]


async def timed_searches(port: int, queries: list[tuple[str, str]], rounds: int) -> list[dict]:
    """Each query's milliseconds per round, over one keep-alive connection."""
    connection, out = Connection("127.0.0.1", port), []
    for number in range(rounds):
        for kind, text in queries:
            body = json.dumps({"query": text, "k": 5}).encode()
            started = time.perf_counter()
            status = await connection.post("/search", body)
            out.append({"round": number, "kind": kind, "q": text, "status": status,
                        "ms": (time.perf_counter() - started) * 1000})
    if connection.writer is not None:
        connection.writer.close()
    return out


def summary(label: str, times: list[dict]) -> dict:
    ms = np.array([t["ms"] for t in times])
    return {"what": label, "requests": len(ms), "errors": sum(t["status"] != 200 for t in times),
            "p50_ms": float(np.median(ms)), "p95_ms": float(np.percentile(ms, 95)),
            "p99_ms": float(np.percentile(ms, 99)), "max_ms": float(ms.max())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=300_000, help="basket lines of the built shop")
    parser.add_argument("--rounds", type=int, default=3, help="the first sends each query new, the rest repeat")
    parser.add_argument("--port", type=int, default=5171)
    parser.add_argument("--work", type=Path, help="where the shop and its build go (default: a temporary folder)")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmarks" / "search_service.json")
    args = parser.parse_args(argv)
    if not (INSTACART / "products.csv").exists():
        raise SystemExit(f"needs the Instacart data in {INSTACART} (see ../shared/data/README.md)")
    queries = judged_queries()
    with tempfile.TemporaryDirectory(dir=args.work) as work:
        folder = Path(work)
        catalog, lines, made = scaled_shop(args.products, args.lines, folder / "data")
        seconds, code, manifest = run_build(shop_config(folder, catalog, lines), folder / "build.log")
        if code:
            raise SystemExit(f"the build failed ({code}):\n{(folder / 'build.log').read_text()[-2000:]}")
        print(f"built {made['products']:,} products in {seconds:.0f} s ({manifest['index_type']} index)",
              file=sys.stderr)
        config = yaml.safe_load((folder / "cartwise.yml").read_text())["recommender"]
        (folder / "service").mkdir()
        process = start_service(Path(config["models_dir"]), folder / "service", args.port, 1)[0]
        try:
            times = asyncio.run(timed_searches(args.port, queries, args.rounds))
            rss = tree_rss_mb(process.pid)
        finally:
            process.terminate()
            process.wait(30)
    first, again = [t for t in times if t["round"] == 0], [t for t in times if t["round"] > 0]
    rows = [summary("every query, first time (vector computed)", first)]
    if again:
        rows.append(summary("every query, repeated", again))
    rows += [summary(f"{kind}, first time", [t for t in first if t["kind"] == kind])
             for kind in dict.fromkeys(kind for kind, _ in queries)]
    slowest = sorted(first, key=lambda t: -t["ms"])[:10]
    publish(f"Search over HTTP in the service, {made['products']:,} products ({manifest['index_type']} index), "
            f"{len(queries)} judged queries, one client ({machine()})", {
                "queries": lambda r: r["what"], "requests": lambda r: str(r["requests"]),
                "p50 ms": lambda r: f"{r['p50_ms']:.1f}", "p95 ms": lambda r: f"{r['p95_ms']:.1f}",
                "p99 ms": lambda r: f"{r['p99_ms']:.1f}", "max ms": lambda r: f"{r['max_ms']:.1f}",
                "errors": lambda r: str(r["errors"])},
            rows, args.out, machine=machine(), shop=made, build_s=round(seconds, 1), service_rss_mb=rss,
            index_type=manifest["index_type"], slowest=[{k: t[k] for k in ("q", "kind", "ms")} for t in slowest])
    print("slowest first-time queries: " + ", ".join(f"{t['q']!r} {t['ms']:.0f} ms" for t in slowest[:5]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
