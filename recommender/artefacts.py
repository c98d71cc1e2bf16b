"""What `build` writes to models/recommender/ and the service loads, with its manifest."""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np
import pandas as pd
import scipy.sparse as sp
import yaml

from .catalog import CATALOG_COLUMNS
from .config import IndexSettings
from .history import ShopperHistories
from .rows import CsrRows, NpyRows
from .vector_index import load_index, save_index

CATALOG, EMBEDDINGS, INDEX, POPULARITY, POPULAR_JSON, MANIFEST = (
    "catalog.parquet", "embeddings.npy", "index.faiss", "popularity.npy", "popular.json", "manifest.json",
)
# The co-purchase matrix as its three CSR arrays: a cart reads only its items' rows (rows.py), and at
# a million products the matrix is ~0.8 GB.
COOCCURRENCE = {"indptr": "cooccurrence.indptr.npy", "indices": "cooccurrence.indices.npy",
                "data": "cooccurrence.data.npy"}
# Each product's content neighbours (rows, scores), found by the build: one row read per cart item.
NEIGHBOURS = {"rows": "content_neighbours.rows.npy", "scores": "content_neighbours.scores.npy"}
SOURCE_COUPONS = "source_coupons.yml"
# The query encoder must be the one the product vectors came from: the build's OpenVINO model is
# shipped with them (encoder_runtime.py).
ENCODER = "encoder"
# Each known shopper's own purchases (history.py): a CSR of decayed weights, basket counts beside it.
HISTORY = {"indptr": "history.indptr.npy", "indices": "history.indices.npy", "data": "history.weights.npy",
           "counts": "history.counts.npy", "shoppers": "history.shoppers.json"}
# What the next incremental build starts from (BuildState); the service never reads it.
STATE = "build_state"
STATE_CO = {"indptr": "co.indptr.npy", "indices": "co.indices.npy", "data": "co.data.npy"}
STATE_BASKETS, STATE_SHOPPERS = "baskets.parquet", "shoppers.parquet"
# The files an incremental build replaces; it hard-links every other one from the last build.
FOLDED = {*COOCCURRENCE.values(), POPULARITY, POPULAR_JSON, MANIFEST, STATE, *HISTORY.values()}


@dataclass
class BuildState:
    """The basket side of a build, kept so that new baskets can be added without the old ones."""
    co: sp.csr_matrix          # items x items co-counts of every basket built (cooccurrence.co_counts)
    baskets: pd.Series         # every basket id built: a new line of one of these is not folded in
    latest: pd.Series          # shopper id -> time of their latest basket built


def write_state(directory: Path, state: BuildState) -> None:
    folder = Path(directory) / STATE
    folder.mkdir(parents=True, exist_ok=True)
    for part, name in STATE_CO.items():
        np.save(folder / name, getattr(state.co, part))
    pd.DataFrame({"basket_id": state.baskets.astype(str)}).to_parquet(folder / STATE_BASKETS, index=False)
    state.latest.rename("latest").rename_axis("user_id").reset_index().to_parquet(folder / STATE_SHOPPERS,
                                                                                  index=False)


def read_state(directory: Path, n_items: int) -> BuildState:
    folder = Path(directory) / STATE
    co = sp.csr_matrix(tuple(np.load(folder / STATE_CO[part]) for part in ("data", "indices", "indptr")),
                       shape=(n_items, n_items))
    shoppers = pd.read_parquet(folder / STATE_SHOPPERS)
    return BuildState(co, pd.read_parquet(folder / STATE_BASKETS)["basket_id"],
                      shoppers.set_index("user_id")["latest"])


@dataclass
class Artefacts:
    catalog: pd.DataFrame          # CATALOG_COLUMNS (+ text_hash when written by the build)
    embeddings: np.ndarray | NpyRows   # float32, unit length, row i = catalog row i (read per row when loaded)
    index: faiss.Index
    similarity: sp.csr_matrix | CsrRows   # co-purchase, items x items
    neighbour_rows: np.ndarray | NpyRows     # items x k content neighbours (vector_index.neighbour_table)
    neighbour_scores: np.ndarray | NpyRows
    popularity: np.ndarray         # share of baskets per item
    manifest: dict
    histories: ShopperHistories    # known shoppers' purchases (none for a shop without shopper ids)
    coupons: list[dict] = field(default_factory=list)   # the data source's own coupons (rules)
    encoder_dir: Path | None = None   # the OpenVINO model the vectors came from (None: torch)


def write(directory: Path, art: Artefacts, state: BuildState | None = None, popular_top: int = 50) -> None:
    """Write to a temporary folder, then swap it in, so a reader never sees half a build."""
    directory = Path(directory)
    tmp = _fresh(directory)
    np.save(tmp / EMBEDDINGS, art.embeddings)
    save_index(art.index, tmp / INDEX)
    np.save(tmp / NEIGHBOURS["rows"], art.neighbour_rows)
    np.save(tmp / NEIGHBOURS["scores"], art.neighbour_scores)
    (tmp / SOURCE_COUPONS).write_text(yaml.safe_dump({"coupons": art.coupons}, sort_keys=False))
    if art.encoder_dir is not None:
        shutil.copytree(art.encoder_dir, tmp / ENCODER, dirs_exist_ok=True)
    art.catalog.to_parquet(tmp / CATALOG, index=False)
    _write_baskets_side(tmp, art.catalog, art.similarity, art.popularity, art.histories, state, art.manifest,
                        popular_top)
    _swap(tmp, directory)


def write_folded(directory: Path, catalog: pd.DataFrame, similarity: sp.csr_matrix, popularity: np.ndarray,
                 histories: ShopperHistories, state: BuildState, manifest: dict, popular_top: int = 50) -> None:
    """An incremental build's output: what baskets make replaced (`catalog` is the last build's,
    for the popular list), every other file hard-linked from the last build."""
    directory = Path(directory)
    tmp = _fresh(directory)
    for path in directory.iterdir():
        if path.name in FOLDED:
            continue
        if path.is_dir():
            shutil.copytree(path, tmp / path.name, copy_function=os.link)
        else:
            os.link(path, tmp / path.name)
    _write_baskets_side(tmp, catalog, similarity, popularity, histories, state, manifest, popular_top)
    _swap(tmp, directory)


def _fresh(directory: Path) -> Path:
    tmp = directory.with_name(directory.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)   # a build that died half way
    tmp.mkdir(parents=True)
    return tmp


def _write_baskets_side(tmp: Path, catalog: pd.DataFrame, similarity: sp.csr_matrix, popularity: np.ndarray,
                        histories: ShopperHistories, state: BuildState | None, manifest: dict,
                        popular_top: int) -> None:
    """What baskets make: the co-purchase table, popularity, histories, the build state; then the manifest."""
    for part, name in COOCCURRENCE.items():
        np.save(tmp / name, getattr(similarity, part))
    np.save(tmp / POPULARITY, popularity)
    for part in ("indptr", "indices", "data"):
        np.save(tmp / HISTORY[part], np.asarray(getattr(histories.weights, part)))
    np.save(tmp / HISTORY["counts"], np.asarray(histories.counts, dtype=np.int32))
    (tmp / HISTORY["shoppers"]).write_text(json.dumps({"decay": histories.decay,
                                                       "shoppers": histories.shoppers}))
    top = np.argsort(-popularity, kind="stable")[:popular_top]
    popular = catalog.iloc[top][["id", "title", "brand", "price", "size", "category"]].to_dict("records")
    (tmp / POPULAR_JSON).write_text(json.dumps(popular, indent=1))
    if state is not None:
        write_state(tmp, state)
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str))


def _swap(tmp: Path, directory: Path) -> None:
    old = directory.with_name(directory.name + ".old")
    if directory.exists():
        directory.rename(old)
    tmp.rename(directory)
    if old.exists():
        shutil.rmtree(old)


def read_manifest(directory: Path) -> dict | None:
    path = Path(directory) / MANIFEST
    return json.loads(path.read_text()) if path.exists() else None


def read(directory: Path, index_settings: IndexSettings) -> Artefacts:
    directory = Path(directory)
    manifest = read_manifest(directory)
    if manifest is None:
        raise FileNotFoundError(f"{directory} has no {MANIFEST}: run `make build` first")
    catalog = pd.read_parquet(directory / CATALOG, columns=CATALOG_COLUMNS)   # text_hash is the build's only
    return Artefacts(
        catalog=catalog,
        # Read a row at a time: the service does not hold a second full copy beside the index's.
        embeddings=NpyRows(directory / EMBEDDINGS),
        index=load_index(directory / INDEX, index_settings),
        similarity=CsrRows(np.load(directory / COOCCURRENCE["indptr"]), NpyRows(directory / COOCCURRENCE["indices"]),
                           NpyRows(directory / COOCCURRENCE["data"])),
        neighbour_rows=NpyRows(directory / NEIGHBOURS["rows"]),
        neighbour_scores=NpyRows(directory / NEIGHBOURS["scores"]),
        popularity=np.load(directory / POPULARITY),
        manifest=manifest,
        histories=read_histories(directory),
        coupons=(yaml.safe_load((directory / SOURCE_COUPONS).read_text()) or {}).get("coupons") or [],
    )



def read_histories(directory: Path) -> ShopperHistories:
    """Shoppers' rows read on demand, as the co-purchase rows are: at 100k shoppers the weights are
    hundreds of MB and a request needs one row."""
    meta = json.loads((directory / HISTORY["shoppers"]).read_text())
    indptr = np.load(directory / HISTORY["indptr"])
    if not indptr[-1]:
        return ShopperHistories.empty(0)
    weights = CsrRows(indptr, NpyRows(directory / HISTORY["indices"]), NpyRows(directory / HISTORY["data"]))
    return ShopperHistories(meta["shoppers"], weights, NpyRows(directory / HISTORY["counts"]), meta["decay"])
