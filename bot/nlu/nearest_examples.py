"""How close a message's sentence vector comes to the training examples of each intent.

The classifier's confidence is spread over 30-odd intents, so a short or unusual but plain
message ("basket?", "drop me a line at ...") can top its intent at 0.3 and fall back. Closeness to
the nearest training example of that intent (cosine of MiniLM vectors) is a second witness that
does not depend on how the probability mass is spread: the fallback classifier accepts the top
intent when it is high (`near_example` in config.yml). Pure numpy: trained, saved and read here.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .product_questions import DECLINED

FILE = "nearest_examples.npz"
NEAREST = "nearest_example"   # the key each ranked intent carries its closeness under


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return rows / np.where(norms > 0, norms, 1.0)


@dataclass(frozen=True)
class NearestExamples:
    vectors: np.ndarray        # (examples, dims), unit length, grouped by intent
    intents: tuple[str, ...]   # one per group, in order
    starts: np.ndarray         # where each intent's group begins in `vectors`

    @classmethod
    def of(cls, vectors: np.ndarray, intents: Sequence[str]) -> NearestExamples:
        if len(vectors) != len(intents):
            raise ValueError(f"{len(vectors)} vectors for {len(intents)} intents")
        order = np.argsort(np.asarray(intents), kind="stable")
        labels = np.asarray(intents)[order]
        names, starts = np.unique(labels, return_index=True)
        return cls(_unit(np.asarray(vectors, dtype=np.float32)[order]), tuple(str(n) for n in names), starts)

    def similarity(self, vector: np.ndarray) -> dict[str, float]:
        """Each intent's highest cosine between `vector` and one of its training examples."""
        if not len(self.vectors):
            return {}
        cosines = self.vectors @ _unit(np.asarray(vector, dtype=np.float32).reshape(-1))
        return dict(zip(self.intents, (float(c) for c in np.maximum.reduceat(cosines, self.starts)), strict=True))

    def save(self, folder: Path) -> None:
        np.savez(folder / FILE, vectors=self.vectors, intents=np.asarray(self.intents), starts=self.starts)

    @classmethod
    def load(cls, folder: Path) -> NearestExamples | None:
        """None for a model trained before the examples were kept."""
        path = folder / FILE
        if not path.exists():
            return None
        with np.load(path, allow_pickle=False) as data:
            return cls(data["vectors"], tuple(str(n) for n in data["intents"]), data["starts"])


def near_known_example(intent: str | None, closeness: float | None, near_example: float | None) -> bool:
    """Whether the fallback keeps a low-confidence top intent for saying what one of its training
    examples says. Declining is never kept this way: an unsure shopper gets "Did you mean" buttons."""
    return near_example is not None and intent not in DECLINED and (closeness or 0.0) >= near_example
