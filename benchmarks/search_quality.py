"""Search quality on the project's judged queries (`make bench-search`), per query kind.

    .venv-rec/bin/python -m benchmarks.search_quality [--shop demo|instacart] [--queries FILE]

Runs every judged query through the service's search (the engine in this process, the artefacts
`make build` wrote, the first page of five as the bot shows it; `--shop instacart` builds and
searches a second catalog, Instacart's product names, against tests/search_judgements/instacart.yml)
and grades what came back by the rules in tests/search_judgements/README.md: NDCG@5, how often an
attribute, price or "not" word was honoured (or declared unknown), product types in the first five
for needs, and the "not here" answers' precision and recall on products the catalog does not have,
for all queries and for each half (settings such as the "not here" threshold are chosen on the
validation half; the test half is only measured). Prints a table; writes
results/benchmarks/search_quality*.json with every query's first five for reading.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from benchmarks.table import machine, publish

ROOT = Path(__file__).resolve().parent.parent


SHOPS = {"demo": ("queries.yml", "search_quality.json"),
         "instacart": ("instacart.yml", "search_quality_instacart.json")}
INSTACART = ROOT.parent / "shared" / "data" / "instacart"


def instacart_settings(base):
    """The Instacart shop's settings, its artefacts built (once; a no-op while the data and the
    build code are unchanged) into models/instacart-search/ from ../shared/data/instacart."""
    import dataclasses

    from recommender.build import build
    from recommender.importers.instacart import write_generic_shop

    if not (INSTACART / "products.csv").exists():
        raise SystemExit(f"{INSTACART}: Instacart's files are not here (see ../shared/data/README.md)")
    catalog, interactions = write_generic_shop(INSTACART, ROOT / "results" / "benchmarks" / "instacart-shop")
    settings = dataclasses.replace(base, source="generic", generic_catalog=catalog, generic_interactions=interactions,
                                   generic_timestamp_format=None, models_dir=ROOT / "models" / "instacart-search")
    build(settings)
    return settings


def fmt(value: float | None, digits: int = 3) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def main(argv: list[str] | None = None) -> None:
    from recommender.config import load_settings
    from recommender.engine import Recommender, SearchFilters
    from recommender.evaluation.judged_search import (
        Answer,
        absent_but_present,
        judge,
        load,
        part,
        product_texts,
        summarise,
    )

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shop", choices=sorted(SHOPS), default="demo",
                        help="demo: the built demo shop; instacart: a second catalog built from ../shared/data")
    parser.add_argument("--queries", type=Path, help="the judged queries (default: the shop's own set)")
    parser.add_argument("--out", type=Path, help="where the JSON goes (default: results/benchmarks/...)")
    args = parser.parse_args(argv)
    queries_file, default_out = SHOPS[args.shop]
    args.queries = args.queries or ROOT / "tests" / "search_judgements" / queries_file
    args.out = args.out or ROOT / "results" / "benchmarks" / default_out

    settings = load_settings() if args.shop == "demo" else instacart_settings(load_settings())
    engine = Recommender.load(settings)
    catalog = engine.art.catalog
    texts = product_texts(catalog)
    judged = load(args.queries)
    wrong = absent_but_present(judged, texts)
    if wrong:
        raise SystemExit(f"marked absent but in the catalog: {wrong}")
    engine.search("warm up", SearchFilters(), k=5)   # the first query loads the encoder
    outcomes, latencies = [], []
    for j in judged:
        start = time.perf_counter()
        result = engine.search(j.q, SearchFilters(), k=5)
        latencies.append(time.perf_counter() - start)
        rows = [row for row, _ in result.items]
        said_not_here = result.not_here or not rows   # an empty answer tells the shopper the same
        # Both tell the shopper the word was not applied: "I can't check ..." and "None ... is marked ...".
        declared = result.unchecked + result.unmet
        outcomes.append(judge(j, Answer(rows, said_not_here, declared, result.sort), catalog, texts))
    summary = summarise(outcomes)
    halves = {name: summarise([o for o in outcomes if part(o.judged.q) == name]) for name in ("validation", "test")}
    rows = [{"kind": kind, **figures} for kind, figures in summary["kinds"].items()]
    rows.append({"kind": "all", "queries": len(judged), "ndcg@5": summary["ndcg@5"], "honoured": summary["honoured"]})
    rows += [{"kind": f"all, {name} half", "queries": sum(part(j.q) == name for j in judged),
              "ndcg@5": figures["ndcg@5"], "honoured": figures["honoured"]} for name, figures in halves.items()]
    publish(f"Search on {len(judged)} judged queries over {len(catalog):,} products ({machine()})",
            {"kind": lambda r: r["kind"], "queries": lambda r: str(r["queries"]),
             "NDCG@5": lambda r: fmt(r.get("ndcg@5")),
             "honoured": lambda r: fmt(r.get("honoured")),
             "types in first 5": lambda r: fmt(r.get("types@5"), 1),
             "needs with enough types": lambda r: fmt(r.get("needs_with_enough_types"))},
            rows, args.out, machine=machine(), catalog_items=len(catalog), summary=summary, halves=halves,
            search_ms_p50=float(np.median(latencies) * 1000), search_ms_p99=float(np.quantile(latencies, 0.99) * 1000),
            queries=[{"q": o.judged.q, "kind": o.judged.kind, "ndcg@5": o.ndcg, "honoured": o.honoured,
                      "said_not_here": o.said_not_here, "declared_absent": o.declared_absent,
                      "shown": o.shown} for o in outcomes])
    for name, figures in (("all", summary), *halves.items()):
        print(f"\"not here\" ({name}): recall {fmt(figures['not_here_recall'])} on absent products, precision "
              f"{fmt(figures['not_here_precision'])}, said of present products {fmt(figures['false_not_here'])}; "
              f"absent products answered honestly (\"not here\", or the lacking word named as not applied) "
              f"{fmt(figures['absent_answered_honestly'])}")
    print(f"search in this process: p50 {np.median(latencies) * 1000:.1f} ms, "
          f"p99 {np.quantile(latencies, 0.99) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
