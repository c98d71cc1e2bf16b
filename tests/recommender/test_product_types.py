"""Product types for a catalog without categories: clusters of real embeddings, named by words."""
import numpy as np

from recommender.embeddings import Encoder
from recommender.product_types import attribute_words, cluster, cluster_count, infer_product_types, name_clusters

YOGURTS = ["Greek Yogurt Blueberry", "Organic Greek Yogurt Plain", "Vanilla Yogurt Cups", "Strawberry Yogurt",
           "Low Fat Yogurt Peach", "Whole Milk Yogurt", "Coconut Yogurt", "Honey Greek Yogurt"]
SOAPS = ["Lemon Dish Soap", "Dish Soap Original", "Free & Clear Dish Soap", "Lavender Hand Soap",
         "Hand Soap Refill", "Foaming Hand Soap", "Antibacterial Dish Soap", "Bar Soap Oatmeal"]


def test_a_cluster_is_named_by_the_head_noun_its_titles_share():
    titles = YOGURTS + SOAPS
    names = name_clusters(titles, np.array([0] * len(YOGURTS) + [1] * len(SOAPS)))
    assert names == ["Yogurt"] * len(YOGURTS) + ["Soap"] * len(SOAPS)


def test_attribute_words_and_variants_do_not_name_a_type():
    titles = ["Organic Apples Gala", "Organic Apples Fuji", "Organic Bananas", "Organic Apples Honeycrisp"]
    not_types = attribute_words({"organic": r"\borganic\b", "gluten free": "x"})
    assert not_types == {"organic", "gluten", "free"}
    names = name_clusters(titles, np.zeros(4, dtype=int), frozenset(not_types))
    assert names == ["Apples"] * 4   # the word most titles share, written as the catalog writes it


def test_clusters_with_the_same_name_are_one_type():
    titles = ["Vanilla Candle", "Lavender Candle", "Candle Jar Large", "Pillar Candle", "Tea Light Candle"]
    assert set(name_clusters(titles, np.array([0, 0, 1, 1, 1]))) == {"Candle"}


def test_real_embeddings_separate_yogurt_from_soap():
    titles = YOGURTS + SOAPS
    embeddings = Encoder().encode(titles)
    assignment = cluster(embeddings, 2)
    assert len(set(assignment[: len(YOGURTS)])) == 1 and len(set(assignment[len(YOGURTS):])) == 1
    assert assignment[0] != assignment[-1]
    inferred = infer_product_types(titles, embeddings)
    assert inferred.clusters == cluster_count(len(titles)) and all(inferred.names)
    assert set(inferred.names[: len(YOGURTS)]).isdisjoint(inferred.names[len(YOGURTS):])
