"""Intent classifier: logistic regression over normalised n-gram counts plus MiniLM sentence vectors.

Rasa's own LogisticRegressionClassifier fixes C=1 and feeds raw counts, so long messages swamp
the dense sentence vector. On our NLU data (5-fold cross-validation, scikit-learn directly) this
variant scored intent F1 0.94, DIET on the same features 0.82 and count features alone 0.83.

Each ranked intent also carries `nearest_example`: the cosine between the message's MiniLM vector
and the closest training example of that intent (nearest_examples.py), for the fallback classifier.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from .nearest_examples import NEAREST, NearestExamples


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SentenceIntentClassifier(LogisticRegressionClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**LogisticRegressionClassifier.get_default_config(), "C": 10.0, "max_iter": 3000}

    def __init__(self, config: dict[str, Any], name: str, model_storage: ModelStorage, resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf = LogisticRegression(C=float(self.config["C"]), max_iter=int(self.config["max_iter"]),
                                      tol=self.config["tol"], class_weight="balanced",
                                      random_state=self.config["random_state"], solver=self.config["solver"])
        self.examples: NearestExamples | None = None

    def train(self, training_data: TrainingData) -> Resource:
        featurised = [m for m in training_data.intent_examples if self._has_features(m)]
        if featurised:
            self.examples = NearestExamples.of(np.vstack([self._sentence_vector(m) for m in featurised]),
                                               [m.get("intent") for m in featurised])
        return super().train(training_data)   # fits, then persist() saves both

    def persist(self) -> None:
        super().persist()
        if self.examples is not None:
            with self._model_storage.write_to(self._resource) as folder:
                self.examples.save(folder)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> SentenceIntentClassifier:
        component = super().load(config, model_storage, resource, execution_context, **kwargs)
        try:
            with model_storage.read_from(resource) as folder:
                component.examples = NearestExamples.load(folder)
        except ValueError:   # nothing stored: the untrained component super() made
            component.examples = None
        return component

    def process(self, messages: list[Message]) -> list[Message]:
        """Messages with nothing to featurise (empty, only spaces) get no intent: the fallback answers."""
        featurised = [m for m in messages if self._has_features(m)]
        if featurised:
            super().process(featurised)
            if self.examples is not None:
                for message in featurised:
                    self._add_nearest(message)
        for message in messages:
            if not self._has_features(message):
                message.set("intent", {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set("intent_ranking", [], add_to_output=True)
        return messages

    def _add_nearest(self, message: Message) -> None:
        closeness = self.examples.similarity(self._sentence_vector(message))
        for entry in [message.get("intent"), *message.get("intent_ranking")]:
            entry[NEAREST] = closeness.get(entry["name"], 0.0)

    @staticmethod
    def _sentence_vector(message: Message) -> np.ndarray:
        return message.get_dense_features(attribute=TEXT)[1].features.reshape(-1)

    @staticmethod
    def _has_features(message: Message) -> bool:
        return bool(message.get_sparse_features(attribute=TEXT)[1]) and bool(
            message.get_dense_features(attribute=TEXT)[1]
        )

    def _create_X(self, messages: list[Message]) -> csr_matrix:
        rows = []
        for message in messages:
            sparse = message.get_sparse_features(attribute=TEXT)[1]  # [1]: sentence-level features
            dense = message.get_dense_features(attribute=TEXT)[1]
            rows.append(
                hstack(
                    [
                        normalize(csr_matrix(sparse.features)) if sparse else csr_matrix((1, 0)),
                        csr_matrix(dense.features) if dense else csr_matrix((1, 0)),
                    ]
                )
            )
        return vstack(rows).tocsr()
