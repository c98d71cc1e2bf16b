"""Rasa's FallbackClassifier with a lower bar for intents whose mistakes are cheap.

A search for the wrong words costs the shopper one "nothing like that here" answer; a dead end
("Sorry, I didn't get that") for a product they named costs the sale. So a message whose top
intent is one of `lenient_intents` is kept from `lenient_threshold` up, while every other intent
(cancel an order, apply a coupon, ...) still needs `threshold`. Both were chosen on the validation
part of tests/nlu_heldout (see `make nlu-heldout`). A message without a letter or digit ("???",
":)", a thumbs-up) is the fallback at any confidence: it names nothing to search for, and a smiley
read as "yes" would confirm whatever the bot had just offered (an order's cancellation); the
fallback's buttons ask in words.

A message matching one of `product_questions` ("do you sell ...?") goes to `product_question_intent`
when that is the likeliest meaning other than declining, at any confidence (see
`product_questions.py`).

A message read as telling the cart (`cart_statement_intent`) whose words say nothing of a cart
(`cart_words`) is a shopping list: `product_question_intent` takes the top place when it is the next
likeliest meaning, and the usual bars apply to it.

A message with the wording of one of `intent_patterns` (intent -> patterns) is that intent at any
confidence: "my eggs arrived broken" is a return, though the product it names pulls the classifier
towards a search (0.53).

A message whose top intent has a training example within `near_example` cosine of it (the intent
classifier's `nearest_example`) keeps that intent below the threshold: it says what a known
example says, however the classifier spread its confidence. "Out of scope" is not kept this way,
so an unsure shopper still gets the "Did you mean" buttons rather than a refusal.
"""
from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from .nearest_examples import NEAREST, near_known_example
from .product_questions import cart_not_stated, compile_patterns, holds_a_word, search_instead, worded_intent

PRODUCT_QUESTION = "product_question"   # set on a message sent to an intent by its wording


def _ranked(message: Message) -> tuple[list[dict], list[tuple[str, float]]]:
    """The message's intent ranking, and its (intent, confidence) pairs."""
    ranking = message.data.get(INTENT_RANKING_KEY) or []
    return ranking, [(r.get(INTENT_NAME_KEY), r.get(PREDICTED_CONFIDENCE_KEY) or 0.0) for r in ranking]


def _put_first(message: Message, ranking: list[dict], chosen: dict) -> None:
    """The message is `chosen`'s intent by its wording, at its own confidence (the reason it won is
    recorded beside it), and no fallback will take it."""
    message.data[INTENT] = dict(chosen)
    message.data[INTENT_RANKING_KEY] = [chosen] + [r for r in ranking if r is not chosen]
    message.set(PRODUCT_QUESTION, True)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ShopFallbackClassifier(FallbackClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**FallbackClassifier.get_default_config(), "lenient_intents": [], "lenient_threshold": 1.0,
                "near_example": None,
                "product_questions": [], "product_question_intent": "search_products",
                "cart_statement_intent": None, "cart_words": None, "intent_patterns": {}}

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._product_questions = compile_patterns(self.component_config["product_questions"])
        self._intent_patterns = {intent: compile_patterns(ps)
                                 for intent, ps in (self.component_config["intent_patterns"] or {}).items()}
        words = self.component_config["cart_words"]
        self._cart_words = re.compile(words, re.I) if words else None

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._product_question_to_search(message)
            self._shopping_list_to_search(message)
            self._worded_intent(message)
        return super().process(messages)

    def _worded_intent(self, message: Message) -> None:
        intent = worded_intent(message.get(TEXT) or "", self._intent_patterns)
        if intent is None:
            return
        ranking, _ = _ranked(message)
        _put_first(message, ranking, next((r for r in ranking if r.get(INTENT_NAME_KEY) == intent),
                                          {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 0.0}))

    def _shopping_list_to_search(self, message: Message) -> None:
        target = self.component_config["product_question_intent"]
        ranking, pairs = _ranked(message)
        if cart_not_stated(message.get(TEXT) or "", pairs, self.component_config["cart_statement_intent"],
                           self._cart_words, target):
            message.data[INTENT] = dict(ranking[1])
            message.data[INTENT_RANKING_KEY] = [ranking[1], ranking[0], *ranking[2:]]

    def _product_question_to_search(self, message: Message) -> None:
        target = self.component_config["product_question_intent"]
        ranking, pairs = _ranked(message)
        if not search_instead(message.get(TEXT) or "", pairs, self._product_questions, target):
            return
        _put_first(message, ranking, next(r for r in ranking if r.get(INTENT_NAME_KEY) == target))

    def _should_fallback(self, message: Message) -> bool:
        if message.get(PRODUCT_QUESTION):
            return False
        if not holds_a_word(message.get(TEXT) or ""):   # ":)" is no "yes" to "cancel the order?"
            return True
        intent = message.data.get(INTENT) or {}
        if (intent.get(INTENT_NAME_KEY) in self.component_config["lenient_intents"]
                and (intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= self.component_config["lenient_threshold"]):
            return False
        if near_known_example(intent.get(INTENT_NAME_KEY), intent.get(NEAREST), self.component_config["near_example"]):
            return False
        return super()._should_fallback(message)
