"""Co-purchase similarity and the blend, on small hand-made data."""
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from recommender.blend import (
    NO_SCORES,
    USUAL_ITEMS,
    blend,
    collaborative_scores,
    content_scores,
    cooccurrence_scores,
    history_scores,
    reason_text,
)
from recommender.catalog import compact_lines, positions_in
from recommender.config import BlendWeights
from recommender.cooccurrence import (
    basket_co_counts,
    basket_matrix,
    co_counts,
    ease_similarity,
    item_similarity,
    popularity,
    top_k_per_row,
)
from recommender.rows import CsrRows


def baskets(rows):
    lines = [(f"b{i}", pid) for i, items in enumerate(rows) for pid in items]
    return pd.DataFrame(lines, columns=["basket_id", "product_id"])


POS = {"chips": 0, "salsa": 1, "milk": 2, "cereal": 3, "rare": 4}


def test_items_bought_together_are_most_similar():
    data = baskets([["chips", "salsa"]] * 20 + [["milk", "cereal"]] * 20 + [["chips", "milk"]] * 3)
    sim = item_similarity(co_counts(basket_matrix(data, POS)), neighbours=10, shrinkage=1)
    assert sim[0, 1] > sim[0, 2] > 0
    assert sim[0, 0] == 0                      # an item is not its own neighbour


def test_shrinkage_damps_pairs_seen_in_few_baskets():
    data = baskets([["chips", "salsa"]] * 50 + [["milk", "rare"]] * 2)
    raw = item_similarity(co_counts(basket_matrix(data, POS)), neighbours=10, shrinkage=0)
    shrunk = item_similarity(co_counts(basket_matrix(data, POS)), neighbours=10, shrinkage=10)
    assert raw[2, 4] == raw[0, 1] == 1.0       # without shrinkage both pairs look perfect
    assert shrunk[0, 1] > shrunk[2, 4]


def test_duplicate_lines_in_a_basket_count_once():
    data = baskets([["chips", "chips", "salsa"]])
    matrix = basket_matrix(data, POS)
    assert matrix.sum() == 2
    np.testing.assert_allclose(popularity(co_counts(matrix), matrix.shape[0])[:2], [1.0, 1.0])


@pytest.mark.parametrize("compact", [False, True], ids=["strings", "categories"])
def test_co_counts_made_a_range_of_baskets_at_a_time_are_the_counts_of_all(compact):
    rng = np.random.default_rng(4)
    rows = [list(rng.choice(list(POS), size=rng.integers(1, 5))) for _ in range(300)]
    data = compact_lines(baskets(rows)) if compact else baskets(rows)
    whole = co_counts(basket_matrix(data, POS))
    for parts in (1, 4, 1000):   # 1000: more parts than baskets
        counts, n = basket_co_counts(data, POS, parts)
        assert n == 300 and (counts != whole).nnz == 0 and counts.dtype == np.float32


def test_a_line_of_a_product_not_in_the_catalog_is_refused_with_a_count():
    data = baskets([["chips", "salsa"], ["chips", "caviar"], ["truffles"]])
    with pytest.raises(KeyError, match="2 basket line"):
        basket_matrix(data, POS)


def test_positions_in_maps_ids_whatever_order_the_positions_were_given_in():
    ids = pd.Series(["salsa", "caviar", "chips", None, "salsa"], dtype=object)
    assert positions_in(ids, {"salsa": 7, "chips": 2}).tolist() == [7, -1, 2, -1, 7]
    assert positions_in(pd.Series([], dtype="string"), POS).tolist() == []
    assert positions_in(ids, {}).tolist() == [-1] * 5


def test_top_k_keeps_the_largest_per_row():
    m = sp.csr_matrix(np.array([[0, 5, 1, 3], [2, 0, 0, 0]], dtype=np.float32))
    kept = top_k_per_row(m, 2).toarray()
    assert kept[0].tolist() == [0, 5, 0, 3] and kept[1].tolist() == [2, 0, 0, 0]


def test_ease_table_covers_the_most_bought_items_with_their_best_positive_neighbours():
    data = baskets([["chips", "salsa"]] * 20 + [["milk", "cereal"]] * 20 + [["chips", "milk"]] * 3 + [["rare"]])
    table = ease_similarity(co_counts(basket_matrix(data, POS)), lam=1.0, max_items=4, neighbours=1)
    dense = table.toarray()
    assert table.shape == (5, 5)
    assert not dense[4].any() and not dense[:, 4].any()   # bought once: outside the 4 most bought
    assert (dense >= 0).all() and not np.diag(dense).any()
    assert table.getnnz(axis=1).tolist() == [1, 1, 1, 1, 0]
    assert dense[0].argmax() == 1 and dense[2].argmax() == 3   # chips -> salsa, milk -> cereal


def test_ease_table_of_a_shop_with_one_product_bought_is_empty():
    table = ease_similarity(co_counts(basket_matrix(baskets([["milk"]] * 3), POS)), lam=1.0, max_items=10, neighbours=5)
    assert table.shape == (5, 5) and table.nnz == 0


def _inputs():
    similarity = CsrRows.of(
        sp.csr_matrix(
            np.array(
                [[0, 0.9, 0.1, 0, 0.5], [0.9, 0, 0, 0, 0], [0.1, 0, 0, 0.8, 0], [0, 0, 0.8, 0, 0], [0.5, 0, 0, 0, 0]],
                dtype=np.float32,
            )
        )
    )
    content = (np.array([[0.95, 0.3, 0.2]]), np.array([[4, 1, 2]]))
    return similarity, content


def test_blend_excludes_cart_and_out_of_stock_and_gives_reasons():
    similarity, (c_scores, c_pos) = _inputs()
    cart = [0]
    available = np.array([True, True, True, True, False])
    out = blend(
        cart,
        cooccurrence_scores(cart, similarity),
        content_scores(cart, c_scores, c_pos),
        np.array([0.5, 0.2, 0.3, 0.1, 0.4]),
        available,
        BlendWeights(),
        k=3,
    )
    positions = [s.position for s in out]
    assert 0 not in positions and 4 not in positions
    assert positions[0] == 1 and out[0].reason == "bought_with" and out[0].because_of == 0
    assert all(0 <= s.cooccurrence <= 1 and 0 <= s.content <= 1 for s in out)
    assert reason_text(out[0], ["Salsa, 16 oz", "Chips"]) == "Often bought with your salsa"


def test_weights_decide_between_co_purchase_and_content():
    similarity, (c_scores, c_pos) = _inputs()
    cart, pop, avail = [0], np.zeros(5), np.ones(5, dtype=bool)
    cooc, content = cooccurrence_scores(cart, similarity), content_scores(cart, c_scores, c_pos)
    by_cf = blend(cart, cooc, content, pop, avail, BlendWeights(1, 0, 0), k=2)
    by_content = blend(cart, cooc, content, pop, avail, BlendWeights(0, 1, 0), k=2)
    assert by_cf[0].position == 1 and by_content[0].position == 4 and by_content[0].reason == "similar"


def test_same_category_candidates_are_damped():
    similarity, (c_scores, c_pos) = _inputs()
    cart, pop, avail = [0], np.zeros(5), np.ones(5, dtype=bool)
    cooc, content = cooccurrence_scores(cart, similarity), content_scores(cart, c_scores, c_pos)
    categories = np.array(["chips", "chips", "dip", "dip", "dip"])
    # The damping alone, without the first places kept for complements (tested below).
    plain = blend(cart, cooc, content, pop, avail, BlendWeights(1, 0, 0, 1.0, complements_first=0), 2, categories)
    damped = blend(cart, cooc, content, pop, avail, BlendWeights(1, 0, 0, 0.1, complements_first=0), 2, categories)
    assert plain[0].position == 1 and damped[0].position != 1


def test_thin_cart_is_topped_up_with_popular_items():
    out = blend(
        [0], NO_SCORES, NO_SCORES, np.array([0.9, 0.1, 0.5, 0.7, 0.2]), np.ones(5, dtype=bool), BlendWeights(), 3
    )
    assert [s.position for s in out] == [3, 2, 4] and all(s.reason == "popular" for s in out)


def test_substitutes_never_take_the_first_places():
    """Item 1 (bought with the cart's item 0 most often) shares its category: a substitute. It may
    come after the complements, never before them, however strong its co-purchase score."""
    similarity, (c_scores, c_pos) = _inputs()
    cart, pop, avail = [0], np.array([0.5, 0.2, 0.3, 0.1, 0.4]), np.ones(5, dtype=bool)
    cooc, content = cooccurrence_scores(cart, similarity), content_scores(cart, c_scores, c_pos)
    categories = np.array([7, 7, 8, 9, 9])
    by_score = blend(cart, cooc, content, pop, avail, BlendWeights(1, 0, 0, 1.0, complements_first=0), 4, categories)
    assert by_score[0].position == 1   # without the rule the substitute is first
    first = blend(cart, cooc, content, pop, avail, BlendWeights(1, 0, 0, 1.0, complements_first=2), 4, categories)
    assert [s.position for s in first][:2] == [4, 2] and 1 in [s.position for s in first][2:]
    only_substitutes = blend(cart, cooc, content, pop, avail, BlendWeights(complements_first=5), 2,
                             np.array([7, 7, 7, 7, 7]))
    assert len(only_substitutes) == 2   # nothing else to show: the substitutes still come


def test_what_goes_with_a_shoppers_usuals_is_their_weighted_co_purchase_rows():
    """History: item 2 three times as heavy as item 1. Item 3 goes with 2 only, item 0 with both."""
    similarity, _ = _inputs()
    history = (np.array([1, 2]), np.array([1.0, 3.0]))
    found = collaborative_scores(history, similarity)
    assert found.candidates.tolist() == [0, 3] and np.allclose(found.values, [0.9 + 3 * 0.1, 3 * 0.8])
    assert found.source_of(3) == 2 and found.source_of(0) == 1   # the usual behind most of the score
    assert collaborative_scores(None, similarity) is NO_SCORES
    cart, pop, avail = [4], np.zeros(5), np.ones(5, dtype=bool)
    weights = BlendWeights(0.5, 0, 0, complements_first=0, collaborative=0.5)
    out = blend(cart, cooccurrence_scores(cart, similarity), NO_SCORES, pop, avail, weights, 2, None,
                history_scores(history), found)
    assert [s.position for s in out] == [0, 3] and out[0].reason == "bought_with"
    assert out[1].reason == "goes_with_usual" and out[1].because_of == 2 and out[1].collaborative == 1.0
    titles = ["Salsa", "Chips", "Tortillas, 8 ct", "Cheese", "Dip"]
    assert reason_text(out[1], titles) == "Goes with the tortillas you often buy"
    guest = blend(cart, cooccurrence_scores(cart, similarity), NO_SCORES, pop, avail, BlendWeights(1, 0, 0), 2, None,
                  history_scores(history), found)
    assert all(s.collaborative == 0 and s.reason != "goes_with_usual" for s in guest)   # a guest blend reads none


def test_only_a_shoppers_heaviest_purchases_count_as_their_usuals():
    n = USUAL_ITEMS + 10
    # Item i is bought with item n + i only; the shopper bought items 0..n-1, item 0 most.
    pairs = sp.coo_matrix((np.ones(n), (np.arange(n), n + np.arange(n))), shape=(2 * n, 2 * n))
    similarity = CsrRows.of((pairs + pairs.T).tocsr().astype(np.float32))
    found = collaborative_scores((np.arange(n), np.arange(n, 0, -1).astype(float)), similarity)
    assert found.candidates.tolist() == list(range(n, n + USUAL_ITEMS))
