"""Typos read as the words the bot was trained on: "need choclate biscuts" is classified as "need chocolate biscuits".

Only the classifier's view changes: a corrected word becomes its token's lemma (which the count
featurisers read) and the MiniLM featuriser reads the text with those words replaced. The message's
own text is left as typed, so a search still gets the shopper's words (the recommender corrects
them against the catalog, `recommender/spelling.py`).

A word is corrected when it is not a training word and not a word the language model knows whole
(its WordPiece vocabulary holds real words: "chai", "brie" stay), it has 4 or more letters (three-letter
words are one edit from too many others: "lol" became a goodbye on the validation part), and one
edit (a letter deleted, added, changed, or two swapped) makes a training word; the most frequent
such word wins. The training words and their counts are learnt at `rasa train` and kept in the model.
"""
from __future__ import annotations

import json
import re
import string
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

WORD = re.compile(r"[a-z]+")
COUNTS_FILE = "word_counts.json"
MIN_LETTERS = 4
MAX_LETTERS = 20   # a longer "word" is noise, and its edits grow with its square (a 100,000-letter one hung Rasa)


def one_edit(word: str) -> set[str]:
    """Every string one deletion, swap of neighbours, change or insertion of a letter away."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in splits if b}
            | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
            | {a + c + b[1:] for a, b in splits if b for c in string.ascii_lowercase}
            | {a + c + b for a, b in splits for c in string.ascii_lowercase}) - {word}


def correction(word: str, counts: Mapping[str, int], known: frozenset[str]) -> str | None:
    """The training word a typo stands for, or None when the word is to be read as written."""
    word = word.lower()
    if not MIN_LETTERS <= len(word) <= MAX_LETTERS or not WORD.fullmatch(word) or word in counts or word in known:
        return None
    candidates = [w for w in one_edit(word) if w in counts]
    return max(candidates, key=lambda w: (counts[w], w)) if candidates else None


def word_counts(texts: Iterable[str]) -> Counter[str]:
    return Counter(w for text in texts for w in WORD.findall(text.lower()))


def respelled(text: str, replacements: Iterable[tuple[int, int, str]]) -> str:
    """`text` with the (start, end) spans replaced by their words."""
    out, at = [], 0
    for start, end, word in sorted(replacements):
        out += [text[at:start], word]
        at = end
    return "".join(out + [text[at:]])


def corrected_text(message: Message) -> str:
    """The message's text with the corrections its tokens carry (what the classifier should read)."""
    text = message.get(TEXT) or ""
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    return respelled(text, [(t.start, t.end, t.lemma) for t in tokens if t.lemma != t.text])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class TypoNormaliser(GraphComponent):
    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"model_dir": "models/minilm"}   # its vocab.txt: the words the language model knows whole

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if not (Path(config["model_dir"]) / "vocab.txt").exists():
            raise InvalidConfigException(f"TypoNormaliser needs MiniLM's vocab.txt in {config['model_dir']}: "
                                         "run `make minilm` (make train does).")

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 counts: Mapping[str, int] | None = None) -> None:
        self.validate_config(config)
        self._storage, self._resource = model_storage, resource
        self.counts = dict(counts or {})
        vocab = Path(config["model_dir"]) / "vocab.txt"
        self.known = frozenset(w for w in vocab.read_text(encoding="utf-8").splitlines() if WORD.fullmatch(w))

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> TypoNormaliser:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> TypoNormaliser:
        with model_storage.read_from(resource) as folder:
            counts = json.loads((folder / COUNTS_FILE).read_text())
        return cls(config, model_storage, resource, counts)

    def train(self, training_data: TrainingData) -> Resource:
        self.counts = dict(word_counts(m.get(TEXT) or "" for m in training_data.intent_examples))
        with self._storage.write_to(self._resource) as folder:
            (folder / COUNTS_FILE).write_text(json.dumps(self.counts, sort_keys=True))
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data   # training words are the dictionary: nothing there is a typo

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            for token in message.get(TOKENS_NAMES[TEXT]) or []:
                word = correction(token.text, self.counts, self.known)
                if word:
                    token.lemma = word
        return messages
