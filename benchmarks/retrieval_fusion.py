"""Retrieval alone on the judged queries: MiniLM embeddings, BM25 and the two fused (issue 17).

    .venv-rec/bin/python -m benchmarks.retrieval_fusion

The service's search (benchmarks/search_quality.py) adds the query parser, filters and "not here"
on top of retrieval; this isolates the retrieval question the issue asks: do exact words (BM25 with
English stemming, the `bm25s` package) add to the embedding search, alone or fused by reciprocal
rank (score = sum over lists of weight / (k + rank))? Raw query text, the first five, graded by the
judged set's rules, per kind and per half (fusion settings may be chosen on validation only).
Prints a table; writes results/benchmarks/retrieval_fusion.json.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from benchmarks.table import machine, publish

ROOT = Path(__file__).resolve().parent.parent
DEPTH = 200   # candidates each list contributes to the fusion


def rrf(lists: list[tuple[np.ndarray, float]], k: int, top: int) -> list[int]:
    """Reciprocal-rank fusion of ranked row lists, each with its weight."""
    fused: dict[int, float] = {}
    for rows, weight in lists:
        for rank, row in enumerate(rows):
            fused[int(row)] = fused.get(int(row), 0.0) + weight / (k + rank)
    return [row for row, _ in sorted(fused.items(), key=lambda kv: -kv[1])[:top]]


def main(argv: list[str] | None = None) -> None:
    import bm25s
    import Stemmer

    from recommender.config import load_settings
    from recommender.engine import Recommender
    from recommender.evaluation.judged_search import Answer, judge, load, part, product_texts, summarise

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=Path, default=ROOT / "tests" / "search_judgements" / "queries.yml")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmarks" / "retrieval_fusion.json")
    args = parser.parse_args(argv)

    engine = Recommender.load(load_settings())
    catalog = engine.art.catalog
    texts = product_texts(catalog)
    embeddings = np.asarray(engine.art.embeddings[:])
    stemmer = Stemmer.Stemmer("english")
    docs = (catalog["title"].fillna("") + " " + catalog["category"].fillna("") + " "
            + catalog["description"].fillna("")).tolist()
    bm25 = bm25s.BM25()
    bm25.index(bm25s.tokenize(docs, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False)
    judged = [j for j in load(args.queries) if not j.absent]

    ranked = {}
    for j in judged:
        by_meaning = np.argsort(-(embeddings @ engine.encoder.query(j.q).ravel()))[:DEPTH]
        rows, scores = bm25.retrieve(bm25s.tokenize([j.q], stopwords="en", stemmer=stemmer, show_progress=False),
                                     k=DEPTH, show_progress=False)
        by_words = rows[0][scores[0] > 0]
        ranked[j.q] = (by_meaning, by_words)

    methods = {
        "embeddings": lambda m, w: [int(r) for r in m[:5]],
        "BM25": lambda m, w: [int(r) for r in w[:5]],
        "fused (k=60, equal)": lambda m, w: rrf([(m, 1.0), (w, 1.0)], 60, 5),
        "fused (k=60, words 0.5)": lambda m, w: rrf([(m, 1.0), (w, 0.5)], 60, 5),
    }
    rows = []
    for name, pick in methods.items():
        outcomes = [judge(j, Answer(pick(*ranked[j.q]), False), catalog, texts) for j in judged]
        row = {"method": name, "all": summarise(outcomes)["ndcg@5"]}
        for half in ("validation", "test"):
            row[half] = summarise([o for o in outcomes if part(o.judged.q) == half])["ndcg@5"]
        for kind, figures in summarise(outcomes)["kinds"].items():
            row[kind] = figures["ndcg@5"]
        rows.append(row)
    kinds = [k for k in rows[0] if k not in ("method", "all", "validation", "test")]
    publish(f"Retrieval alone, NDCG@5 on {len(judged)} judged queries for products the shop has ({machine()})",
            {"method": lambda r: r["method"], "all": lambda r: f"{r['all']:.3f}",
             "validation half": lambda r: f"{r['validation']:.3f}", "test half": lambda r: f"{r['test']:.3f}",
             **{k: (lambda r, k=k: f"{r[k]:.3f}") for k in kinds}},
            rows, args.out, machine=machine(), depth=DEPTH)


if __name__ == "__main__":
    main()
