import pytest

from recommender.query_parser import parse_query


@pytest.mark.parametrize("query,text,lo,hi,brand", [
    ("gluten-free pasta under $5", "gluten-free pasta", None, 5.0, None),
    ("a gift for a coffee lover under $30", "a gift for a coffee lover", None, 30.0, None),
    ("coffee between 5 and 10 dollars", "coffee", 5.0, 10.0, None),
    ("chips $2-$4", "chips", 2.0, 4.0, None),
    ("store brand milk over 3", "milk", 3.0, None, "Store brand"),
    ("show me salsa", "salsa", None, None, None),
    ("cereal 12 oz", "cereal 12 oz", None, None, None),
    ("diapers from brand 764 less than 20.50", "diapers from", None, 20.5, "Brand 764"),
])
def test_constraints_are_split_from_the_need(query, text, lo, hi, brand):
    parsed = parse_query(query)
    assert (parsed.text, parsed.min_price, parsed.max_price, parsed.brand) == (text, lo, hi, brand)
