"""`python -m recommender.evaluation`: the full offline evaluation on real data, with a report.

    python -m recommender.evaluation --dataset instacart --dataset completejourney --out results/eval
    python -m recommender.evaluation --dataset shop      # the shop cartwise.yml points at

Writes <out>/<dataset>/results.json, report.md and recall_vs_k.png per dataset. Embeddings are
cached in models/eval/ by text, so a second run does not encode again.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import platform
import shutil
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

from cartwise.config import PROJECT_ROOT

from .. import encoder_runtime
from ..catalog import DataError, product_text
from ..config import EmbeddingSettings, load_settings
from ..embeddings import BACKENDS, Encoder
from ..importers.histories import OrderHistories
from . import components, report
from .content_search import run_content_search
from .harness import DECAYS, VALIDATION_HOLDOUTS, Fold, run_protocols, tune_decay
from .splits import basket_ranks, make_split

log = logging.getLogger("recommender.evaluation")
DEFAULT_INSTACART = PROJECT_ROOT.parent / "shared" / "data" / "instacart"


def load(name: str, instacart_dir: Path) -> tuple[OrderHistories, list[str]]:
    """Order histories and the text embedded for each item."""
    if name == "instacart":
        from ..importers.instacart import load_instacart
        histories = load_instacart(instacart_dir)
        return histories, list(histories.items["title"])      # the aisle is held out for protocol 3
    if name == "completejourney":
        from ..importers.completejourney import load_completejourney
        histories = OrderHistories.from_dataset(load_completejourney(load_settings().cj_min_baskets))
        return histories, [product_text(r) for r in histories.items.to_dict("records")]
    if name == "shop":   # whatever cartwise.yml's recommender.source names: a shop's own export
        from ..importers import load_dataset
        histories = OrderHistories.from_dataset(load_dataset(load_settings()))
        return histories, [product_text(r) for r in histories.items.to_dict("records")]
    raise DataError(f"unknown dataset {name!r}: use instacart, completejourney or shop")


class EmbeddingCache:
    """Vectors by text hash in one .npz per dataset and runtime; only texts not seen before are encoded.
    An OpenVINO runtime's model is kept beside them (encoder_runtime.prepare chooses and checks it), so
    search queries are encoded as the items were."""

    def __init__(self, folder: Path, name: str, settings: EmbeddingSettings):
        self.settings, self.folder = settings, folder
        self.stem = f"{name}-{settings.backend}-{settings.max_tokens}"
        self.path, self.model_dir = folder / f"{self.stem}-embeddings.npz", folder / f"{self.stem}-encoder"
        self.key, self.vectors, self.report = "", {}, {}
        self._encoder: Encoder | None = None
        if self.path.exists():
            data = np.load(self.path)
            self.key = str(data["key"])
            self.vectors = dict(zip(data["hashes"], data["vectors"]))

    def encoder(self) -> Encoder:
        if self._encoder is None:
            raise RuntimeError("EmbeddingCache.embed chooses the encoder: call it first")
        return self._encoder

    def embed(self, texts: list[str]) -> np.ndarray:
        hashes = [hashlib.sha1(t.encode()).hexdigest() for t in texts]

        def new_texts(key: str) -> list[str]:
            return [t for t, h in zip(texts, hashes) if key != self.key or h not in self.vectors]

        work = self.folder / f"{self.stem}-work"
        prepared = encoder_runtime.prepare(self.settings, texts, new_texts,
                                        self.model_dir if self.model_dir.exists() else None, work)
        if prepared.model_dir is not None and prepared.model_dir != self.model_dir:
            shutil.rmtree(self.model_dir, ignore_errors=True)
            shutil.copytree(prepared.model_dir, self.model_dir)
        shutil.rmtree(work, ignore_errors=True)
        if prepared.key != self.key:
            self.key, self.vectors = prepared.key, {}
        self._encoder, self.report = prepared.encoder, prepared.report
        todo = sorted({t for t, h in zip(texts, hashes) if h not in self.vectors})
        step = self.settings.batch_size * 8
        for start in tqdm(range(0, len(todo), step), desc="embedding items", unit="batch", disable=not todo):
            chunk = todo[start:start + step]
            for text, vector in zip(chunk, self._encoder.encode(chunk, self.settings.batch_size)):
                self.vectors[hashlib.sha1(text.encode()).hexdigest()] = vector
        if todo:
            self.folder.mkdir(parents=True, exist_ok=True)
            np.savez(self.path, key=np.array(self.key), hashes=np.array(list(self.vectors)),
                     vectors=np.stack(list(self.vectors.values())))
        return np.stack([self.vectors[h] for h in hashes]).astype(np.float32)


def evaluate_dataset(name: str, args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    histories, texts = load(name, args.instacart_dir)
    log.info(histories.report.summary())
    embedding = load_settings().embedding
    if args.backend:
        embedding = replace(embedding, backend=args.backend)
    cache = EmbeddingCache(args.cache_dir, name, embedding)
    embeddings = cache.embed(texts)
    position = {pid: i for i, pid in enumerate(histories.items["id"])}
    ranked = basket_ranks(histories.orders)
    decay, by_decay = tune_decay(ranked, position, DECAYS, VALIDATION_HOLDOUTS)
    log.info("buy-again decay %s (validation Recall@10 by decay: %s)", decay, by_decay)
    settings = components.ModelSettings(decay=decay, ease_lambda=args.ease_lambda)
    folds = []
    for holdout in (1, *VALIDATION_HOLDOUTS):
        split = make_split(ranked, position, holdout=holdout, decay=settings.decay)
        folds.append(Fold(split, components.fit(split.train, settings)))
    log.info("%s: %d items, %d users, fitting on %d baskets for the test", name, len(position),
             len(folds[0].split.users), folds[0].split.train.shape[0])
    results = run_protocols(folds[1:], folds[0], embeddings, args.step, settings)
    if name == "instacart":
        results["content_search"] = run_content_search(texts, list(histories.items["category"]), embeddings,
                                                       lambda q: cache.encoder().encode(q))
    results["dataset"] = {"name": name, "items": len(position), "users_tested": len(folds[0].split.users),
                          "order_lines": len(histories.orders), "source": histories.report.source}
    results["embedding"] = cache.report
    results["settings"] = {**asdict(settings), "weight_grid_step": args.step, "validation_recall@10_by_decay": by_decay}
    results["machine"] = (
        f"{platform.machine()}, {__import__('os').cpu_count()} cores, Python {platform.python_version()}"
    )
    results["seconds"] = round(time.perf_counter() - started, 1)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Evaluate the recommender on real order histories.")
    parser.add_argument(
        "--dataset", action="append", choices=["instacart", "completejourney", "shop"],
        help="repeatable; shop: the data cartwise.yml's recommender.source names "
             "(a shop's own export); default: instacart and completejourney"
    )
    parser.add_argument("--instacart-dir", type=Path, default=DEFAULT_INSTACART)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "results" / "eval")
    parser.add_argument("--cache-dir", type=Path, default=PROJECT_ROOT / "models" / "eval")
    parser.add_argument(
        "--step",
        type=float,
        default=0.2,
        help="coarse blend weight grid step (weights sum to 1), refined by 0.05 moves",
    )
    parser.add_argument("--ease-lambda", type=float, default=200.0)
    parser.add_argument("--backend", choices=BACKENDS,
                        help="the encoder runtime (default: cartwise.yml's recommender.embedding.backend)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for name in args.dataset or ["instacart", "completejourney"]:
        try:
            results = evaluate_dataset(name, args)
        except DataError as exc:
            print(f"evaluation of {name} failed: {exc}", file=sys.stderr)
            return 2
        folder = args.out / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "results.json").write_text(json.dumps(results, indent=2))
        report.write(folder, results)
        print(report.tables(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
