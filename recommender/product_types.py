"""Product types for a catalog that has no category column: clusters of the product embeddings,
each named by its most telling word.

The rest of the system leans on a product's type: complete-the-cart damps a second item of a type
already in the cart (a second teacup is a substitute), the mention matcher and clarifying questions
speak in types. A shop whose export has none would get none of that. Similar products sit close in
the embedding space, so k-means over it finds the types; a cluster is named by the word its
titles share most and other products use least (c-TF-IDF), and clusters given the same name are
one type ("Candle" in two colours). The result is a guess, so the build reports it and the owner
can correct any product in a file (`generic.product_types`).
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from .mentions import singular

# Small clusters, then same-named ones merge: V-measure against Instacart's aisles 0.65 at 5 per
# cluster, 0.64 at 15 (make bench-types, where this was chosen).
PRODUCTS_PER_CLUSTER = 5
MAX_CLUSTERS = 4000
# Words that name no type: joiners, pack words, sizes and common colours (a colour groups nothing).
NOT_A_TYPE = frozenset("""
a an and the of with for in on to by from set pack box bag assorted small large medium mini big jumbo
new x pcs piece pieces size design style each cm mm ml oz lb kg g ct count inch
red blue green pink white black grey gray yellow orange purple brown gold silver cream ivory
""".split())
HEAD_WEIGHT = 0.5   # a word counts once where it appears, 1 / HEAD_WEIGHT more where it ends the title
_WORD = re.compile(r"[a-z][a-z'-]+")


@dataclass(frozen=True)
class ProductTypes:
    names: list[str]      # one per product
    clusters: int         # k-means clusters before same-named ones became one type

    @property
    def types(self) -> int:
        return len(set(self.names))


def title_words(title: str, not_types: frozenset[str] = NOT_A_TYPE) -> dict[str, str]:
    """The title's words that could name a type: singular form -> the form written."""
    words = {}
    for written in _WORD.findall(title.lower()):
        written = written.strip("'-")
        base = singular(written)
        if base not in not_types and written not in not_types:
            words.setdefault(base, written)
    return words


def cluster_count(products: int) -> int:
    return int(min(products, MAX_CLUSTERS, max(2, round(products / PRODUCTS_PER_CLUSTER))))


def cluster(embeddings: np.ndarray, k: int, seed: int = 1) -> np.ndarray:
    """Spherical k-means (cosine, as the embeddings are normalised): each product's cluster."""
    import faiss

    vectors = np.ascontiguousarray(embeddings, dtype=np.float32)
    if k >= len(vectors):
        return np.arange(len(vectors))
    kmeans = faiss.Kmeans(vectors.shape[1], k, niter=25, spherical=True, seed=seed, verbose=False,
                          min_points_per_centroid=1, max_points_per_centroid=1 << 20)
    kmeans.train(vectors)
    return kmeans.index.search(vectors, 1)[1].ravel()


def name_clusters(titles: list[str], assignment: np.ndarray, not_types: frozenset[str] = NOT_A_TYPE) -> list[str]:
    """Each product's type name: its cluster's word with the highest count in the cluster times
    log(products / products using it), a word that ends a title counting more (the head noun:
    "Yogurt" in "Greek Yogurt", not "Greek"); written as the catalog mostly writes it ("Cookies", not
    the singular form it was counted under). A cluster with no usable word is named by its
    first title."""
    words = [title_words(t, not_types) for t in titles]
    usage = Counter(w for ws in words for w in ws)
    forms = Counter((base, form) for ws in words for base, form in ws.items())
    written = {}   # one spelling per name across the catalog, the commonest: "Bars" and "Bar" are one type
    for (base, form), _ in forms.most_common():
        written.setdefault(base, form)
    total = len(titles)
    names: dict[int, str] = {}
    for c in np.unique(assignment):
        members = np.flatnonzero(assignment == c)
        counts = Counter(w for i in members for w in words[i])
        if not counts:
            names[int(c)] = titles[members[0]].strip().title()
            continue
        # A word ending several titles is likely their head noun; ending just one, a variant ("... VANILLA").
        heads = Counter(next(reversed(words[i])) for i in members if words[i])
        heads = Counter({w: n for w, n in heads.items() if n > 1})
        best = max(counts, key=lambda w: ((heads[w] + HEAD_WEIGHT * counts[w]) * math.log(total / usage[w] + 1), w))
        names[int(c)] = written[best].title()
    return [names[int(c)] for c in assignment]


def attribute_words(patterns: dict[str, str]) -> frozenset[str]:
    """The words of the shop's attribute vocabulary ("gluten free", "organic"): they describe a
    product, they do not name its type."""
    return frozenset(w for name in patterns for w in _WORD.findall(name.lower()))


def infer_product_types(titles: list[str], embeddings: np.ndarray, attributes: dict[str, str] | None = None,
                        seed: int = 1) -> ProductTypes:
    k = cluster_count(len(titles))
    not_types = NOT_A_TYPE | attribute_words(attributes or {})
    return ProductTypes(name_clusters(titles, cluster(embeddings, k, seed), not_types), k)
