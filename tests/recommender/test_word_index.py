"""The index of the words in products' names and types that exclusions are looked up in."""
import numpy as np
import pandas as pd

from recommender.word_index import WordIndex

TEXTS = pd.Series(["Potato Chips, 8 oz Potato Chips", "Chipotle Salsa Salsa", "Soup: Chicken Noodle Soups",
                   "Tortilla Chips Tortilla Chips", "Chicken Breast Poultry"], index=[10, 11, 12, 13, 14])


def test_a_prefix_finds_every_word_that_starts_with_it_in_catalog_order():
    index = WordIndex.of(TEXTS)
    assert index.starting_with("chip").tolist() == [True, True, False, True, False]   # chips, chipotle
    assert index.starting_with("soup").tolist() == [False, False, True, False, False]
    assert not index.starting_with("zucchini").any() and index.starting_with("zucchini").shape == (5,)


def test_words_of_a_phrase_are_found_together_in_any_order():
    index = WordIndex.of(TEXTS)
    both = index.starting_with("chicken") & index.starting_with("soup")
    assert np.flatnonzero(both).tolist() == [2]


def test_a_label_shortening_of_a_word_is_found_but_a_real_word_is_not_one():
    index = WordIndex.of(pd.Series(["Cookies Choc Chip", "Pine Nuts", "Chocolate Milk", "Veg Soup"]))
    real = frozenset({"pine", "chocolate", "nuts"})
    assert index.abbreviations_of("chocolate", real) == ["choc"]
    assert index.abbreviations_of("pineapple", real) == []     # "pine" is a word of its own
    assert index.abbreviations_of("vegetable", real) == []     # three letters are too few to tell
    assert index.abbreviations_of("choc", real) == []          # a word is not its own shortening


def test_a_word_itself_in_any_number_is_not_a_longer_word_that_starts_with_it():
    from recommender.mentions import singular
    index = WordIndex.of(TEXTS)
    assert index.naming("chip", singular).tolist() == [True, False, False, True, False]   # not chipotle
    assert index.naming("soup", singular).tolist() == [False, False, True, False, False]
    assert not index.naming("chick", singular).any()
