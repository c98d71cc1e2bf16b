"""Needs and occasions: which queries are needs, how their candidates are scored and spread."""
from __future__ import annotations

import re

import numpy as np
import pytest

from cartwise.config import load as load_file
from recommender.config import load_settings
from recommender.spread import closest_words, is_need, key_words, need_scores, spread_order


@pytest.fixture(scope="module")
def cues() -> list[re.Pattern[str]]:
    return [re.compile(p, re.I) for p in load_settings().needs]


@pytest.mark.parametrize("text", ["ingredients for tacos", "what do we need for a barbecue", "movie night",
                                  "baking cookies with the kids", "a pancake breakfast", "snacks for a road trip",
                                  "my cat needs stuff", "a hangover kit", "what can I make for dinner",
                                  "any ideas for a bbq"])
def test_the_shops_cues_read_occasions_and_meals_as_needs(cues, text):
    assert is_need(text, cues)


@pytest.mark.parametrize("text", ["ground coffee", "bbq sauce", "party cups", "dinner rolls", "chips for the kids",
                                  "biscuits for tea", "birthday candles", "cat food"])
def test_a_product_type_is_not_a_need(cues, text):
    assert not is_need(text, cues)


def test_a_bad_need_pattern_fails_at_start_with_its_place(tmp_path):
    text = load_file().path.read_text().replace("    needs:\n", "    needs:\n      - '(unclosed'\n", 1)
    (tmp_path / "cartwise.yml").write_text(text)
    with pytest.raises(Exception, match=r"recommender\.search\.needs\[0\]"):
        load_settings(tmp_path / "cartwise.yml")


def test_what_the_anchor_is_bought_with_lifts_a_product_that_is_far_from_the_words():
    relevance = np.array([0.60, 0.40, 0.35])
    bought = np.array([0.0, 0.0, 8.0])   # ground beef, bought with taco shells
    assert np.argmax(need_scores(relevance, bought, 0.3)) == 2
    assert np.argmax(need_scores(relevance, bought, 0.0)) == 0
    assert need_scores(relevance, np.zeros(3), 0.3).tolist() == relevance.tolist()


def test_the_first_places_hold_one_of_each_type_then_the_rest_by_score():
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    types = np.array([1, 1, 1, 2, 3, 2])   # three taco shells, two salsas, a cheese
    assert spread_order(scores, types, first=3, per_type=1).tolist() == [0, 3, 4, 1, 2, 5]
    assert spread_order(scores, types, first=3, per_type=2).tolist() == [0, 1, 3, 2, 4, 5]


def test_with_too_few_types_the_page_is_filled_from_the_best_left():
    order = spread_order(np.array([0.9, 0.8, 0.7]), np.array([5, 5, 5]), first=3, per_type=1)
    assert order.tolist() == [0, 1, 2]


def test_each_product_is_said_to_be_for_the_word_of_the_need_nearest_it():
    words = ["birthday", "party"]
    word_vectors = np.array([[1.0, 0.0], [0.0, 1.0]])
    products = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.5]])   # candles, a party tray, a cake
    assert closest_words(products, words, word_vectors) == ["birthday", "party", "birthday"]


def test_the_words_a_product_can_be_for_are_those_near_the_whole_need_in_meaning():
    words = ["bring", "potluck", "party"]
    vectors = np.array([[0.6, 0.8], [1.0, 0.0], [0.9, 0.436]])
    kept, kept_vectors = key_words(words, vectors, np.array([1.0, 0.0]), within=0.2)
    assert kept == ["potluck", "party"] and kept_vectors.shape == (2, 2)   # "bring": 0.6, 0.4 under "potluck"
