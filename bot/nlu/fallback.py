"""Rasa's FallbackClassifier with a lower bar for intents whose mistakes are cheap.

A search for the wrong words costs the shopper one "nothing like that here" answer; a dead end
("Sorry, I didn't get that") for a product they named costs the sale. So a message whose top
intent is one of `lenient_intents` is kept from `lenient_threshold` up, while every other intent
(cancel an order, apply a coupon, ...) still needs `threshold`. Both were chosen on the validation
part of tests/nlu_heldout (see `make nlu-heldout`).
"""
from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ShopFallbackClassifier(FallbackClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**FallbackClassifier.get_default_config(), "lenient_intents": [], "lenient_threshold": 1.0}

    def _should_fallback(self, message: Message) -> bool:
        intent = message.data.get(INTENT) or {}
        if (intent.get(INTENT_NAME_KEY) in self.component_config["lenient_intents"]
                and (intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= self.component_config["lenient_threshold"]):
            return False
        return super()._should_fallback(message)
