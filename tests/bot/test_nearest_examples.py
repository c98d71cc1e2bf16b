"""Closeness to the nearest training example: computed, saved with the model and read back (the
fallback classifier's use of it is in test_fallback.py)."""
from __future__ import annotations

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix

from bot.nlu.intent_classifier import SentenceIntentClassifier
from bot.nlu.nearest_examples import NEAREST, NearestExamples, near_known_example


def test_each_intent_gets_the_cosine_of_its_closest_example():
    examples = NearestExamples.of(np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0], [-1.0, 0.0]]),
                                  ["show_cart", "greet", "show_cart", "greet"])
    closeness = examples.similarity(np.array([3.0, 0.0]))
    assert closeness == pytest.approx({"show_cart": 1.0, "greet": 0.0})
    assert examples.similarity(np.array([0.0, 1.0]))["show_cart"] == pytest.approx(2 ** -0.5)
    with pytest.raises(ValueError, match="3 vectors for 2 intents"):
        NearestExamples.of(np.zeros((3, 2)), ["a", "b"])


def test_the_examples_survive_saving_and_a_model_without_them_reads_as_none(tmp_path):
    examples = NearestExamples.of(np.array([[1.0, 0.0], [0.0, 1.0]]), ["affirm", "deny"])
    assert NearestExamples.load(tmp_path) is None
    examples.save(tmp_path)
    again = NearestExamples.load(tmp_path)
    assert again.intents == ("affirm", "deny")
    assert again.similarity(np.array([0.0, 5.0])) == pytest.approx({"affirm": 0.0, "deny": 1.0})


def test_declining_is_never_kept_for_closeness():
    assert near_known_example("show_cart", 0.61, 0.60)
    assert not near_known_example("show_cart", 0.59, 0.60)
    assert not near_known_example("out_of_scope", 0.99, 0.60)
    assert not near_known_example("show_cart", 0.99, None)   # not configured: the threshold alone decides


def _message(text: str, dense: list[float], intent: str | None = None) -> Message:
    message = Message(data={TEXT: text, **({"intent": intent} if intent else {})})
    message.add_features(Features(csr_matrix(np.ones((1, 2))), "sentence", TEXT, "counts"))
    message.add_features(Features(np.array([dense]), "sentence", TEXT, "minilm"))
    return message


def test_the_trained_classifier_ranks_with_closeness_and_keeps_it_in_the_saved_model(tmp_path):
    storage, resource = LocalModelStorage(tmp_path), Resource("intent_classifier")
    config = SentenceIntentClassifier.get_default_config()
    trained = SentenceIntentClassifier(config, "intent_classifier", storage, resource)
    trained.train(TrainingData([_message("basket please", [1.0, 0.0, 0.0], "show_cart"),
                                _message("show my basket", [0.9, 0.1, 0.0], "show_cart"),
                                _message("hello there", [0.0, 1.0, 0.0], "greet"),
                                _message("hi", [0.0, 0.9, 0.1], "greet")]))
    loaded = SentenceIntentClassifier.load(config, storage, resource, ExecutionContext(GraphSchema({}), "test"))
    [message] = loaded.process([_message("basket?", [1.0, 0.0, 0.0])])
    ranking = {r["name"]: r[NEAREST] for r in message.get("intent_ranking")}
    assert ranking == pytest.approx({"show_cart": 1.0, "greet": 0.0})
    assert message.get("intent")[NEAREST] == pytest.approx(ranking[message.get("intent")["name"]])
