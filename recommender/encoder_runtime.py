"""The build's encoder: all-MiniLM-L6-v2 exported to OpenVINO (and, for `openvino-int8`, quantised to
8 bits on the shop's own product texts), checked against the torch reference before it embeds anything.

The int8 recipe (make bench-embed): NNCF's post-training static quantisation with its transformer
preset, calibrated on a few hundred of the shop's texts, except the six feed-forward output
projections (`layer.N.output.dense`, whose inputs after GELU have the widest range), which stay in
float: quantising them too cost the worst Instacart name cosine 0.977 for 5 % more speed. A later
build keeps the model it served (so unchanged products keep their vectors) while the new texts pass
the check, and calibrates afresh when they do not; a model that still fails is not served.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import random
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .artefacts import ENCODER
from .config import EmbeddingSettings
from .embeddings import MODEL_MAX_TOKENS, Encoder, model_path

log = logging.getLogger(__name__)

MODEL_FILE = "model.xml"   # the served IR in an artefacts' encoder folder (weights beside it, model.bin)
KEEP_FP32 = r".*layer\.\d+\.output\.dense.*"
SEED = 7


@dataclass
class PreparedEncoder:
    encoder: Encoder
    model_dir: Path | None    # the IR to ship with the artefacts (None: torch)
    key: str                  # vectors made by another key are not reused
    report: dict = field(default_factory=dict)


def served_encoder(directory: Path, manifest: dict) -> Encoder:
    """The encoder a build's vectors came from, for the service's queries."""
    built = manifest.get("embedding") or {}
    served, max_tokens = built.get("served", "torch"), built.get("max_tokens", MODEL_MAX_TOKENS)
    if served == "torch":
        return Encoder(max_tokens)
    return Encoder.openvino(directory / ENCODER / MODEL_FILE, served, max_tokens)


def export_fp32(directory: Path) -> Path:
    """The PyTorch weights converted to an OpenVINO IR with dynamic batch and length."""
    import openvino as ov
    import torch
    from transformers import AutoModel, AutoTokenizer

    path = str(model_path())
    bert = AutoModel.from_pretrained(path).eval()
    example = AutoTokenizer.from_pretrained(path)(["a product name", "another one"], padding=True,
                                                  return_tensors="pt")
    with torch.no_grad(), warnings.catch_warnings():
        # Tracing warns that the mask's padding test is fixed at the example's value: BERT's keys
        # and queries are the same tokens, so it is the same for every input.
        warnings.simplefilter("ignore")
        model = ov.convert_model(bert, example_input=dict(example))
    directory.mkdir(parents=True, exist_ok=True)
    ov.save_model(model, directory / MODEL_FILE, compress_to_fp16=False)
    return directory / MODEL_FILE


def quantise(fp32_file: Path, calibration: Sequence[str], reference: Encoder, directory: Path) -> Path:
    """An 8-bit copy of the IR, its activation ranges measured on `calibration` (one text per sample,
    as single-item batches have no padding to skew them)."""
    import nncf
    import openvino as ov

    nncf.set_log_level(logging.WARNING)   # its per-node notes and progress bars would bury the build's own
    samples = [{"input_ids": np.array([ids], dtype=np.int64), "attention_mask": np.ones((1, len(ids)), np.int64),
                "token_type_ids": np.zeros((1, len(ids)), np.int64)} for ids in reference.tokens(calibration)]
    model = nncf.quantize(ov.Core().read_model(str(fp32_file)), nncf.Dataset(samples),
                          model_type=nncf.ModelType.TRANSFORMER, preset=nncf.QuantizationPreset.MIXED,
                          subset_size=len(samples), ignored_scope=nncf.IgnoredScope(patterns=[KEEP_FP32]))
    directory.mkdir(parents=True, exist_ok=True)
    ov.save_model(model, directory / MODEL_FILE, compress_to_fp16=False)
    return directory / MODEL_FILE


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine of two sets of unit vectors."""
    return (a * b).sum(axis=1)


def check(candidate: Encoder, reference: Encoder, texts: Sequence[str], batch_size: int) -> dict:
    """How close the candidate's vectors are to the reference's on these (some) texts."""
    sims = cosines(candidate.encode(texts, batch_size), reference.encode(texts, batch_size))
    worst = int(np.argmin(sims))
    return {"texts": len(texts), "min_cosine": round(float(sims.min()), 4),
            "p1_cosine": round(float(np.percentile(sims, 1)), 4), "mean_cosine": round(float(sims.mean()), 5),
            "worst_text": texts[worst]}


def model_key(settings: EmbeddingSettings, model_dir: Path | None) -> str:
    """What the vectors depend on: the runtime's weights (the quantised model's own bytes) and the cap."""
    digest = hashlib.sha256()
    digest.update(f"{settings.max_tokens}".encode())
    if model_dir is None:
        digest.update(b"torch")
    else:
        for name in (MODEL_FILE, "model.bin"):
            digest.update((model_dir / name).read_bytes())
    return digest.hexdigest()[:16]


def sample(texts: Sequence[str], n: int, salt: int = 0) -> list[str]:
    """Up to n distinct texts, drawn the same way every run."""
    distinct = sorted(set(texts))
    return random.Random(SEED + salt).sample(distinct, min(n, len(distinct)))


def check_sample(texts: Sequence[str], n: int) -> list[str]:
    """Up to n distinct texts to check a model on: the longest quarter of them, then a random draw.
    An int8 model drifts most on long texts, which a random draw from short product names misses
    (calibrated on texts of up to 40 tokens, on an AMD EPYC with AVX2 but no AVX-512: worst cosine 0.992 at 64
    tokens, 0.989 at 128, 0.945 at 200)."""
    distinct = sorted(set(texts))
    if len(distinct) <= n:
        return distinct
    longest = sorted(distinct, key=len, reverse=True)[:n // 4]
    rest = sorted(set(distinct) - set(longest))
    return longest + random.Random(SEED + 1).sample(rest, n - len(longest))


def prepare(settings: EmbeddingSettings, catalog_texts: Sequence[str], new_texts: Callable[[str], list[str]],
            previous_dir: Path | None, work_dir: Path) -> PreparedEncoder:
    """The encoder this build embeds with.

    `new_texts(key)` lists the texts still to embed when vectors made with `key` are reused;
    `previous_dir` is the last build's encoder folder, kept when it is the same runtime and passes.
    The check compares the candidate with torch on up to `check_texts` of those texts; a quantised
    model below `min_cosine` is recalibrated on this catalog, and if it still fails the build
    embeds with the unquantised export instead (and says so)."""
    if settings.backend == "torch":
        return PreparedEncoder(Encoder(settings.max_tokens), None, model_key(settings, None),
                               {"backend": "torch", "served": "torch", "model": "sentence-transformers",
                                "precision": "f32"})
    reference = functools.cache(lambda: Encoder(settings.max_tokens))   # torch loads only if something is checked
    shutil.rmtree(work_dir, ignore_errors=True)
    fp32_dir, int8_dir = work_dir / "fp32", work_dir / "int8"
    report: dict = {"backend": settings.backend, "reference": "torch fp32"}
    candidates: list[tuple[str, Path, str]] = []   # (runtime, folder, how it was made)
    if previous_dir is not None and (previous_dir / MODEL_FILE).exists():
        candidates.append((settings.backend, previous_dir, "kept from the last build"))
    if settings.backend == "openvino-int8":
        candidates.append(("openvino-int8", int8_dir, "calibrated"))
    candidates.append(("openvino", fp32_dir, "exported"))
    for runtime, folder, how in candidates:
        if how != "kept from the last build":
            if not (fp32_dir / MODEL_FILE).exists():
                export_fp32(fp32_dir)
            if runtime == "openvino-int8":
                calibration = sample(catalog_texts, settings.calibration_texts)
                quantise(fp32_dir / MODEL_FILE, calibration, reference(), int8_dir)
                report["calibration_texts"] = len(calibration)
        encoder = Encoder.openvino(folder / MODEL_FILE, runtime, settings.max_tokens)
        key = model_key(settings, folder)
        todo = check_sample(new_texts(key), settings.check_texts)
        checked = check(encoder, reference(), todo, settings.batch_size) if todo else {"texts": 0}
        passed = checked["texts"] == 0 or checked["min_cosine"] >= settings.min_cosine
        report.setdefault("tried", []).append({"runtime": runtime, "model": how, "precision": encoder.precision,
                                               **checked, "passed": passed})
        log.info("encoder %s (%s) on %d texts: worst cosine to torch %s, %s", runtime, how, checked["texts"],
                 checked.get("min_cosine", "-"), "passed" if passed else "failed")
        if passed or runtime == "openvino":   # the last resort: torch's network, at float precision
            report.update({"served": runtime, "model": how, "precision": encoder.precision, "check": checked})
            if not passed:
                log.warning("the OpenVINO export differs from torch (min cosine %s): serving it anyway",
                            checked["min_cosine"])
            return PreparedEncoder(encoder, folder, key, report)
    raise AssertionError("unreachable: the fp32 export is always the last candidate")
