"""The shop's fallback classifier on Rasa's own Message objects, with config.yml's settings."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.fallback import PRODUCT_QUESTION, ShopFallbackClassifier
from bot.nlu.nearest_examples import NEAREST

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def classifier() -> ShopFallbackClassifier:
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    settings = next(c for c in pipeline if c["name"].endswith("ShopFallbackClassifier"))
    config = {**ShopFallbackClassifier.get_default_config(), **{k: v for k, v in settings.items() if k != "name"}}
    return ShopFallbackClassifier(config)


def parsed(classifier: ShopFallbackClassifier, text: str, ranking: list[tuple]) -> Message:
    """`ranking`: (intent, confidence) or (intent, confidence, closeness to its nearest example)."""
    intents = [{"name": n, "confidence": c, **({NEAREST: rest[0]} if rest else {})} for n, c, *rest in ranking]
    message = Message(data={"text": text, "intent": dict(intents[0]), "intent_ranking": intents})
    return classifier.process([message])[0]


def test_a_product_question_the_classifier_put_out_of_scope_is_a_search(classifier):
    message = parsed(classifier, "do you sell lawn mowers?",
                     [("out_of_scope", 0.33), ("search_products", 0.30), ("ask_deals", 0.11)])
    assert message.get("intent") == {"name": "search_products", "confidence": 0.30}
    assert message.get(PRODUCT_QUESTION) is True
    assert [i["name"] for i in message.get("intent_ranking")][:2] == ["search_products", "out_of_scope"]


def test_other_low_confidence_messages_still_fall_back(classifier):
    message = parsed(classifier, "lawn mowers are loud", [("out_of_scope", 0.33), ("search_products", 0.30)])
    assert message.get("intent")["name"] == "nlu_fallback" and not message.get(PRODUCT_QUESTION)
    search = parsed(classifier, "lawn mowers", [("search_products", 0.31), ("out_of_scope", 0.20)])
    assert search.get("intent")["name"] == "search_products"   # the lower bar for a search
    marks = parsed(classifier, "???", [("search_products", 0.34), ("affirm", 0.11)])
    assert marks.get("intent")["name"] == "nlu_fallback"        # but only for something with a word in it
    smiley = parsed(classifier, ":)", [("affirm", 0.93, 0.95), ("greet", 0.02)])
    assert smiley.get("intent")["name"] == "nlu_fallback"       # no "yes" to an offer without a word


def test_an_unsure_message_close_to_a_known_example_keeps_its_intent(classifier):
    near = classifier.component_config["near_example"]
    assert near is not None and classifier.component_config["threshold"] > 0.35

    def decided(ranking: list[tuple[str, float, float]]) -> str:
        return parsed(classifier, "basket?", ranking).get("intent")["name"]

    assert decided([("show_cart", 0.35, near + 0.01), ("complete_cart", 0.15, 0.4)]) == "show_cart"
    assert decided([("show_cart", 0.35, near - 0.01), ("complete_cart", 0.15, 0.4)]) == "nlu_fallback"
    assert decided([("out_of_scope", 0.35, 0.95), ("help", 0.15, 0.4)]) == "nlu_fallback"


def test_a_list_that_says_nothing_of_a_cart_is_a_search(classifier):
    listed = parsed(classifier, "I need eggs, milk and bread", [("inform_cart", 0.54), ("search_products", 0.38)])
    assert listed.get("intent") == {"name": "search_products", "confidence": 0.38}
    assert [i["name"] for i in listed.get("intent_ranking")] == ["search_products", "inform_cart"]
    for text in ("I have eggs, milk and bread", "my basket has eggs and milk", "I've grabbed eggs and milk"):
        told = parsed(classifier, text, [("inform_cart", 0.54), ("search_products", 0.38)])
        assert told.get("intent")["name"] == "inform_cart", text
    # only when a search is the next likeliest meaning
    other = parsed(classifier, "eggs and milk please", [("inform_cart", 0.54), ("add_to_cart", 0.38)])
    assert other.get("intent")["name"] == "inform_cart"


@pytest.mark.parametrize("text", ["my eggs arrived broken", "the milk was sour", "the chicken smelled off",
                                  "the strawberries came all mouldy"])
def test_a_delivered_product_that_went_wrong_is_a_return_whatever_it_names(classifier, text):
    message = parsed(classifier, text, [("search_products", 0.53), ("order_status", 0.09), ("return_order", 0.01)])
    assert message.get("intent") == {"name": "return_order", "confidence": 0.01}


@pytest.mark.parametrize("text", ["crushed tomatoes", "broken rice", "sour cream", "is the shop open?"])
def test_a_product_named_for_its_state_is_still_a_search(classifier, text):
    message = parsed(classifier, text, [("search_products", 0.77), ("return_order", 0.01)])
    assert message.get("intent")["name"] == "search_products"
