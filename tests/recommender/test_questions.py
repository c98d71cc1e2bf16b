"""What a product question asks that the product's record cannot answer."""
from __future__ import annotations

import pytest

from recommender.questions import unanswered


@pytest.mark.parametrize("question, names, left", [
    ("how many calories in the first one", ["Snack Crackers, 8 oz"], ("calories",)),
    ("is it wild caught?", ["Salmon Fillet"], ("wild", "caught")),
    ("is the salmon farmed?", ["Salmon Fillets"], ("farmed",)),   # the product's own name is no question
    ("what are the ingredients", [], ("ingredients",)),
])
def test_what_no_record_holds_is_left(question, names, left):
    assert unanswered(question, [], names) == left


@pytest.mark.parametrize("question", ["how much is the first one", "is it in stock?", "what size is it",
                                      "what brand is that", "how many are left", "tell me more about the second one",
                                      "is it any good", "is that the cheapest", "can you tell me about it",
                                      "what's the price per ounce", "what colour is it"])
def test_what_the_record_answers_leaves_nothing(question):
    assert unanswered(question, [], []) == ()


def test_an_attribute_asked_is_answered_elsewhere():
    assert unanswered("is it gluten free?", ["gluten free"], []) == ()
