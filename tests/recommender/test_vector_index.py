"""The FAISS choices: exact for small catalogs, HNSW with 8-bit codes re-ranked by exact vectors above."""
import numpy as np
import pytest

from recommender.config import IndexSettings
from recommender.labels import Labels
from recommender.vector_index import build_index, describe, load_index, save_index, search


@pytest.fixture(scope="module")
def vectors():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(50, 64))
    x = centres[rng.integers(50, size=4000)] + rng.normal(scale=0.3, size=(4000, 64))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_the_catalog_size_picks_the_index(vectors):
    assert describe(build_index(vectors, IndexSettings(exact_max_items=10_000))) == "exact"
    assert describe(build_index(vectors, IndexSettings(exact_max_items=100))) == "hnsw-sq8"
    assert describe(build_index(vectors, IndexSettings(exact_max_items=100, hnsw_storage="flat"))) == "hnsw"
    with pytest.raises(ValueError, match="hnsw_storage"):
        IndexSettings(hnsw_storage="pq")


def test_quantised_hnsw_reranked_matches_exact_search(vectors, tmp_path):
    settings = IndexSettings(exact_max_items=100, hnsw_ef_search=64)
    save_index(build_index(vectors, settings), tmp_path / "index.faiss")
    hnsw = load_index(tmp_path / "index.faiss", settings)
    exact = build_index(vectors, IndexSettings(exact_max_items=10_000))
    queries = vectors[:200] + np.float32(0.05)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    _, truth = search(exact, queries, 10)
    scores, found = search(hnsw, queries, 10, vectors, rerank=4)
    recall = np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)])
    assert recall >= 0.95
    # re-ranked scores are exact inner products, best first
    assert np.allclose(scores, np.einsum("qd,qkd->qk", queries, vectors[found]), atol=1e-5)
    assert (np.diff(scores, axis=1) <= 1e-6).all()
    _, codes_only = search(hnsw, queries, 10)     # without the vectors: the quantised order
    assert np.mean([len(set(f) & set(t)) / 10 for f, t in zip(codes_only, truth)]) <= recall


def test_labels_compare_case_insensitively_and_miss_cleanly():
    labels = Labels.of(["Store brand", "Roma", None, "store brand "])
    assert labels.equals("STORE BRAND").tolist() == [True, False, False, True]
    assert not labels.equals("nobody").any()
    assert labels.isin(["roma", "unknown"]).tolist() == [False, True, False, False]
    assert labels.equals("").tolist() == [False, False, True, False]
