"""Protocol 3, content search: a catalog field held out of the product text becomes the query.

Instacart: the product text is the product name only; each aisle name ("soy lactosefree",
"frozen pizza") is a query and the products in that aisle are relevant. Compared: MiniLM
embeddings (the service's search) and a TF-IDF lexical baseline over the same text.
"""
from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from . import metrics

SKIP_QUERIES = {"missing", "other", ""}


def queries_from_field(labels: list[str]) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for i, label in enumerate(labels):
        if label.strip().lower() not in SKIP_QUERIES:
            out.setdefault(label.strip(), set()).add(i)
    return out


def evaluate_rankings(scores: np.ndarray, relevant: list[set[int]]) -> dict:
    ranked = metrics.top_k(scores, 50)
    return {"ndcg@10": metrics.mean([metrics.ndcg(r, rel, 10) for r, rel in zip(ranked, relevant)]),
            "recall@50": metrics.mean([metrics.recall(r, rel, 50) for r, rel in zip(ranked, relevant)])}


def run_content_search(texts: list[str], labels: list[str], item_embeddings: np.ndarray, encode) -> dict:
    queries = queries_from_field(labels)
    names = sorted(queries)
    relevant = [queries[n] for n in names]
    embedded = encode(names) @ item_embeddings.T
    tfidf = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=1).fit(texts)
    lexical = (tfidf.transform(names) @ tfidf.transform(texts).T).toarray()
    return {"queries": len(names), "items": len(texts),
            "methods": {"minilm": evaluate_rankings(embedded, relevant),
                        "tfidf": evaluate_rankings(lexical, relevant)}}
