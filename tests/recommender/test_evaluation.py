"""The evaluation harness: metrics, splits, models and protocols on small known cases, and the
Instacart importer (on the shared real data when this machine has it)."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from recommender import cooccurrence
from recommender.catalog import DataError, as_strings, compact_lines
from recommender.evaluation import components, metrics
from recommender.evaluation.harness import (
    Fold,
    Shortlist,
    completion_metrics,
    completion_queries,
    run_protocols,
    weight_grid,
)
from recommender.evaluation.splits import basket_ranks, make_split, ranked_lines
from recommender.importers.instacart import load_instacart

SHARED_INSTACART = Path(__file__).resolve().parents[3] / "shared" / "data" / "instacart"


def test_ranking_metrics_on_a_worked_example():
    ranked = [4, 2, 9, 7]
    assert metrics.recall(ranked, {2, 7, 5}, 2) == pytest.approx(1 / 3)
    assert metrics.recall(ranked, {2, 7, 5}, 4) == pytest.approx(2 / 3)
    assert metrics.hit(ranked, {9}, 2) == 0.0 and metrics.hit(ranked, {9}, 3) == 1.0
    ideal = 1 + 1 / np.log2(3)
    assert metrics.ndcg(ranked, {4, 9}, 10) == pytest.approx((1 + 1 / np.log2(4)) / ideal)
    assert metrics.recall(ranked, set(), 10) is None and metrics.mean([None, 1.0, 0.0]) == 0.5
    scores = np.array([[0.1, 0.9, 0.5, 0.9], [3.0, 1.0, 2.0, 0.0]])
    assert metrics.top_k(scores, 3).tolist() == [[1, 3, 2], [0, 2, 1]]


def test_ease_matches_its_closed_form_and_never_scores_an_item_from_itself():
    x = sp.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [0, 1, 1], [1, 0, 1]], dtype=np.float32))
    b = cooccurrence.ease(cooccurrence.gram(cooccurrence.co_counts(x), np.arange(3)), lam=0.5)
    gram = (x.T @ x).toarray() + 0.5 * np.eye(3)
    p = np.linalg.inv(gram)
    assert np.allclose(np.diag(b), 0)
    assert np.allclose(b, np.where(np.eye(3) == 1, 0, -p / np.diag(p)), atol=1e-5)


def test_weight_grid_covers_the_simplex():
    grid = weight_grid(("a", "b", "c"), 0.5)
    assert len(grid) == 6 and all(sum(w.values()) == pytest.approx(1) for w in grid)


ORDERS = pd.DataFrame([  # user, basket, seq, product
    ("u1", "b1", 1, "milk"), ("u1", "b1", 1, "bread"), ("u1", "b2", 2, "milk"), ("u1", "b3", 3, "milk"),
    ("u1", "b3", 3, "eggs"), ("u2", "b4", 1, "tea"), ("u2", "b5", 2, "tea"), ("u2", "b6", 3, "jam"),
    ("u3", "b7", 1, "tea"),
], columns=["user_id", "basket_id", "seq", "product_id"])
POSITION = {p: i for i, p in enumerate(["milk", "bread", "eggs", "tea", "jam"])}


def test_leave_last_basket_out_split():
    ranked = basket_ranks(ORDERS)
    test = make_split(ranked, POSITION, holdout=1, decay=0.5)
    assert test.users == ["u1", "u2"]                            # u3 has no history before a last basket
    assert test.targets == [{POSITION["milk"], POSITION["eggs"]}, {POSITION["jam"]}]
    assert test.train.shape[0] == 4                               # b1, b2, b4, b5: no user's last basket
    milk = test.history[0, POSITION["milk"]]
    assert milk == pytest.approx(1 + 0.5)                         # b2 (latest history) 1, b1 one step back 0.5
    validation = make_split(ranked, POSITION, holdout=2, decay=0.5)
    assert validation.targets[0] == {POSITION["milk"]} and validation.train.shape[0] == 2   # b1, b4


LINES = pd.DataFrame([  # basket, shopper, product, time: b2 and b10 at one time, b4 dated by its first line
    ("b1", "u1", "milk", "2026-01-01"), ("b1", "u1", "bread", "2026-01-01"), ("b4", "u1", "eggs", "2026-01-05"),
    ("b10", "u1", "milk", "2026-01-03"), ("b2", "u1", "tea", "2026-01-03"), ("b4", "u1", "milk", "2026-01-02"),
    ("b5", "u2", "tea", "2026-01-01"), ("b5", "u2", "tea", "2026-01-01"), ("b6", "u2", "jam", None),
    ("b7", "", "tea", "2026-01-01"),
], columns=["basket_id", "user_id", "product_id", "timestamp"]).astype({"timestamp": "datetime64[ns]"})


@pytest.mark.parametrize("compact,zone", [(False, None), (True, None), (True, "Europe/Paris")],
                         ids=["strings", "categories", "time zone"])
def test_ranked_lines_number_each_shoppers_baskets_by_time_then_basket_id(compact, zone):
    lines = LINES.assign(timestamp=LINES["timestamp"].dt.tz_localize(zone)) if zone else LINES
    lines = compact_lines(lines) if compact else lines
    ranked = ranked_lines(lines, POSITION)
    baskets = ranked.drop_duplicates("basket_id")
    by_basket = baskets.set_index(as_strings(baskets["basket_id"]))
    # u1: b1 (Jan 1), b4 (its first line Jan 2), then b10 before b2 (same time, "b10" < "b2" as text)
    assert by_basket["seq"].to_dict() == {"b1": 1, "b4": 2, "b10": 3, "b2": 4, "b5": 1}
    assert by_basket["back"].to_dict() == {"b1": 3, "b4": 2, "b10": 1, "b2": 0, "b5": 0}
    assert len(ranked) == 7            # b5's tea once; b6 (no time) and b7 (no shopper) are nobody's history
    assert list(as_strings(ranked["product_id"])) == ["milk", "bread", "eggs", "milk", "tea", "milk", "tea"]
    if compact:   # the ids stay categories: no line's id was made a string to rank it
        assert all(isinstance(ranked[c].dtype, pd.CategoricalDtype) for c in ("user_id", "basket_id", "product_id"))


def test_completion_never_suggests_the_cart_and_counts_ties_against_the_method():
    split = make_split(basket_ranks(ORDERS), POSITION, holdout=1, decay=0.5)
    queries, hidden = completion_queries(split)
    assert queries.items.shape[0] == 1 and len(hidden) == 1       # only u1's last basket has 2+ items
    flat = np.zeros((1, len(POSITION)), dtype=np.float32)         # a method with no opinion
    result = completion_metrics(flat, queries, hidden)
    assert result["in_cart_share"] == 0.0 and result["mrr"] == pytest.approx(1 / 4)


def _planted_histories(users: int = 60, seed: int = 3) -> pd.DataFrame:
    """Each user repeats a favourite and buys the partner of what is in the basket."""
    rng = np.random.default_rng(seed)
    pairs = [(f"a{i}", f"b{i}") for i in range(10)]
    rows = []
    for u in range(users):
        favourite = f"fav{u % 7}"
        for seq in range(1, 7):
            a, b = pairs[rng.integers(len(pairs))]
            basket = f"u{u}-{seq}"
            rows += [(f"u{u}", basket, seq, p) for p in (favourite, a, b)]
            rows.append((f"u{u}", basket, seq, f"noise{rng.integers(40)}"))
    return pd.DataFrame(rows, columns=["user_id", "basket_id", "seq", "product_id"])


def test_protocols_find_planted_structure_and_the_blend_is_tuned_on_validation():
    orders = _planted_histories()
    ids = sorted(orders["product_id"].unique())
    position = {p: i for i, p in enumerate(ids)}
    rng = np.random.default_rng(0)
    embeddings = rng.normal(size=(len(ids), 8)).astype(np.float32)
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    ranked = basket_ranks(orders)
    val, test = make_split(ranked, position, 2, 0.9), make_split(ranked, position, 1, 0.9)
    settings = components.ModelSettings(knn_shrinkage=1.0)
    out = run_protocols(
        [Fold(val, components.fit(val.train, settings))],
        Fold(test, components.fit(test.train, settings)),
        embeddings,
        step=0.25,
        settings=settings,
    )
    nb = out["next_basket"]["methods"]
    assert nb["buy_again"]["recall@10_repeat"] > 0.9  # favourites come back
    assert nb["blend"]["recall@10"] >= max(nb["popularity"]["recall@10"], nb["content"]["recall@10"])
    bc = out["basket_completion"]["methods"]
    assert bc["item_knn"]["hit@10"] > 0.5 and bc["popularity"]["hit@10"] < bc["item_knn"]["hit@10"]
    assert all(m["in_cart_share"] == 0.0 for m in bc.values())
    assert sum(out["basket_completion"]["weights"].values()) == pytest.approx(1)


def test_instacart_importer_rejects_bad_rows_with_reasons(tmp_path):
    (tmp_path / "products.csv").write_text("product_id,product_name,aisle_id,department_id\n1,Milk,5,2\n2,Tea,6,3\n")
    (tmp_path / "aisles.csv").write_text("aisle_id,aisle\n5,milk\n6,tea\n")
    (tmp_path / "departments.csv").write_text("department_id,department\n2,dairy\n3,beverages\n")
    (tmp_path / "lines.csv").write_text(
        "order_id,user_id,order_number,product_id\n10,7,1,1\n10,7,1,99\n11,7,x,2\n12,,2,2\n13,7,2,2\n"
    )
    histories = load_instacart(tmp_path, "lines.csv")
    assert histories.items.set_index("id").loc["1", "category"] == "milk"
    assert histories.orders[["basket_id", "product_id"]].values.tolist() == [["10", "1"], ["13", "2"]]
    reasons = sorted(pd.concat(histories.report.rejected)["reject_reason"])
    assert reasons == [
        "basket order (order_number/timestamp) missing",
        "missing user or basket id",
        "product_id not in the products",
    ]
    (tmp_path / "aisles.csv").write_text("id,name\n")
    with pytest.raises(DataError, match=r"aisles.csv: missing required column\(s\) \['aisle_id', 'aisle'\]"):
        load_instacart(tmp_path, "lines.csv")


@pytest.mark.skipif(not SHARED_INSTACART.exists(), reason="the shared Instacart data is not on this machine")
def test_real_instacart_sample_imports_completely():
    histories = load_instacart(SHARED_INSTACART)
    assert len(histories.items) == 49_688 and histories.report.rejected_count == 0
    assert histories.orders["user_id"].nunique() == 593 and histories.orders["basket_id"].nunique() == 15_183


def test_user_knn_scores_what_similar_shoppers_buy_never_from_oneself():
    population = sp.csr_matrix(np.array([[1, 1, 0, 0], [1, 1, 1, 0], [0, 0, 0, 1]], dtype=np.float32))
    scores = components.user_knn(population, population, np.arange(3), k=1)
    assert scores[0, 2] > 0 and scores[0, 3] == 0  # shopper 0's one neighbour is shopper 1
    assert scores[2].sum() == 0  # shopper 2 shares nothing with anyone


def test_shortlist_ranks_like_the_full_catalog_and_keeps_the_cart_out():
    rng = np.random.default_rng(1)
    matrices = {n: components.normalise(rng.random((20, 400)).astype(np.float32) ** 8) for n in components.COMPONENTS}
    cart = sp.csr_matrix((np.ones(20), (np.arange(20), rng.integers(400, size=20))), shape=(20, 400))
    shortlist = Shortlist.of(matrices, depth=60, exclude=cart)
    for weights in weight_grid(components.COMPONENTS, 0.5):
        full = components.blend(matrices, weights)
        full[cart.nonzero()] = -np.inf
        assert (shortlist.top(weights, 10) == metrics.top_k(full, 10)).all()


def test_completion_is_also_reported_per_cart_size():
    from recommender.evaluation.completion import by_cart_size
    report = by_cart_size([2, 5, 9, 30, 40], [True, False, True, False, False])
    assert report == {"1-5": {"hit_rate": 0.5, "baskets": 2}, "6-15": {"hit_rate": 1.0, "baskets": 1},
                      "16+": {"hit_rate": 0.0, "baskets": 2}}
