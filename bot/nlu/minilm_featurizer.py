"""Rasa NLU component: MiniLM sentence embeddings as dense sentence features for DIET."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from .minilm import OPENVINO_MODEL, RUNTIMES, MiniLM
from .spelling import corrected_text


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class MiniLMFeaturizer(DenseFeaturizer, GraphComponent):
    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(), "model_dir": "models/minilm", "runtime": "openvino"}

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        folder = Path(config["model_dir"])
        if config["runtime"] not in RUNTIMES:
            raise InvalidConfigException(f"MiniLMFeaturizer runtime must be one of {', '.join(RUNTIMES)}, "
                                         f"got {config['runtime']!r}")
        needed = folder / (OPENVINO_MODEL if config["runtime"] == "openvino" else "model.safetensors")
        if not needed.exists():
            raise InvalidConfigException(f"MiniLM model not found at {needed}: run `make minilm` (make train does).")

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        self._model = MiniLM(Path(config["model_dir"]), config["runtime"])

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> MiniLMFeaturizer:
        return cls(config, execution_context.node_name)

    def _featurize(self, messages: list[Message]) -> None:
        with_text = [m for m in messages if m.get(TEXT)]
        if not with_text:
            return
        for message, vector in zip(with_text, self._model.encode([corrected_text(m) for m in with_text])):
            self.add_features_to_message(sequence=None, sentence=vector[None, :], attribute=TEXT, message=message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        self._featurize(messages)
        return messages
