"""Sizes that do not fit their price are withheld rather than shown as facts."""
from __future__ import annotations

import numpy as np
import pandas as pd

from recommender.build import withhold_implausible_sizes
from recommender.plausibility import implausible_sizes, without_size
from recommender.query_parser import parse_size

CATALOG = pd.DataFrame({
    "title": ["Bananas, 40 lb", "Bananas, 8 oz", "Saffron, .05 oz", "Saffron, 1 oz", "Rice, 10 lb", "Rice, 2 lb",
              "Water"],
    "size": ["40 lb", "8 oz", ".05 oz", "1 oz", "10 lb", "2 lb", ""],
    "price": [1.01, 1.49, 9.99, 49.00, 8.99, 2.49, 0.99],
    "category": ["Bananas", "Bananas", "Spices", "Spices", "Rice", "Rice", "Water"],
})


def test_a_bulk_size_at_an_items_price_is_implausible_and_nothing_else_is():
    mask = implausible_sizes(CATALOG["price"].to_numpy(), [parse_size(s) for s in CATALOG["size"]],
                             CATALOG["category"].tolist())
    assert mask.tolist() == [True, False, False, False, False, False, False]


def test_a_lone_product_of_its_type_has_nothing_to_be_compared_with():
    assert not implausible_sizes(np.array([1.01]), [parse_size("40 lb")], ["Bananas"]).any()


def test_a_withheld_size_leaves_the_card_and_the_title():
    catalog, withheld = withhold_implausible_sizes(CATALOG.copy())
    assert withheld == ["Bananas, 40 lb at $1.01"]
    assert catalog.loc[0, ["title", "size"]].tolist() == ["Bananas", ""]
    assert catalog.loc[1:, "title"].tolist() == CATALOG.loc[1:, "title"].tolist()
    assert without_size("Tea, 20 ct", "16 oz") == "Tea, 20 ct"
