"""One price vocabulary for the search and the bot's refine."""
import pytest

from cartwise.price_words import price_order


@pytest.mark.parametrize("text,kind,words", [
    ("which one is the cheapest?", "price", "cheapest"),
    ("cheap cereal", "price", "cheap"),
    ("lowest priced coffee", "price", "lowest priced"),
    ("which is the cheapest per nappy?", "unit_price", "cheapest per nappy"),   # per unit before price
    ("best value paper towels", "unit_price", "best value"),
    ("lowest price per pound of beef", "unit_price", "lowest price per pound"),
    ("most bang for my buck", "unit_price", "most bang for my buck"),
    ("the cheapest per cent of fat", "price", "cheapest"),                       # "per cent" is no unit
])
def test_the_order_a_shopper_asks_for_and_its_words(text, kind, words):
    found = price_order(text)
    assert found is not None and (found[0], found[1].group(0).lower()) == (kind, words)


@pytest.mark.parametrize("text", ["cheaper", "anything cheaper?", "something less pricey", "cheapskate gifts"])
def test_cheaper_than_shown_asks_for_no_order(text):
    assert price_order(text) is None
