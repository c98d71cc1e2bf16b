"""Typos corrected against the catalog's own words, and only typos."""
from __future__ import annotations

import pytest

from recommender.spelling import Speller, english_words

CATALOG = ["Power Strip | Household", "Cooked Ham | Deli", "Blended Juice | Juice",
           "Spaghetti Dry, 16 oz | Pasta", "Ground Coffee | Coffee",
           "Baby Diapers | Diapers", "Cereal | Cereal",
           "Strawberries | Berries", "Matches | Household", "Grapes | Fruit", "Hair Spray | Hair", "Cherries | Fruit"]
REAL_WORDS = {"grade", "chair"}   # words a tokenizer knows whole (it splits "matcha" and typos into pieces)


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller.of(CATALOG, REAL_WORDS)


@pytest.mark.parametrize("typed, meant", [("spagetti", "spaghetti"), ("coffe beans", "coffee beans"),
                                          ("diapres", "diapers"), ("cerael", "cereal"),
                                          ("strawbery jam", "strawberry jam"), ("GROUND COFFE", "GROUND coffee")])
def test_a_typo_becomes_the_catalog_word_it_is_one_edit_from(speller, typed, meant):
    assert speller.correct(typed) == meant


@pytest.mark.parametrize("text", ["sushi grade tuna", "office chair",   # real words, not typos of grape / hair
                                  "matcha",          # a catalog word plus a last letter: another word
                                  "lawn mower",      # "power" is one edit away, but typos keep the first letter
                                  "slow cooker", "blender",   # another ending, another word: not "cooked"
                                  "cheerios",        # two edits from cherries: too far for eight letters
                                  "tea", "pop",      # short words are left alone
                                  "kimchi", "spaghetti 16 oz, under $5!"])
def test_anything_else_is_left_as_it_was(speller, text):
    assert speller.correct(text) == text


def test_english_words_hold_real_words_and_not_the_typos_shoppers_make():
    english = english_words()
    assert {"decaffeinated", "yoghurt", "diapers", "cheesy"} <= english
    assert not {"spagetti", "diapres", "chese", "coffe", "shampo", "cerael"} & english


def test_words_kept_are_read_as_typed_and_the_rest_corrected(speller):
    assert speller.read("Cofee and cheery", keep=frozenset({"cheery"}))[1] == "coffee and cheery"
    assert speller.correct("cheery") == "cherry"
