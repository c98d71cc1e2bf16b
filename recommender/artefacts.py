"""What `build` writes to models/recommender/ and the service loads, with its manifest."""
from __future__ import annotations

import json
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


def write(directory: Path, art: Artefacts, popular_top: int = 50) -> None:
    """Write to a temporary folder, then swap it in, so a reader never sees half a build."""
    directory = Path(directory)
    tmp = directory.with_name(directory.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    art.catalog.to_parquet(tmp / CATALOG, index=False)
    np.save(tmp / EMBEDDINGS, art.embeddings)
    save_index(art.index, tmp / INDEX)
    for part, name in COOCCURRENCE.items():
        np.save(tmp / name, getattr(art.similarity, part))
    np.save(tmp / NEIGHBOURS["rows"], art.neighbour_rows)
    np.save(tmp / NEIGHBOURS["scores"], art.neighbour_scores)
    np.save(tmp / POPULARITY, art.popularity)
    for part in ("indptr", "indices", "data"):
        np.save(tmp / HISTORY[part], np.asarray(getattr(art.histories.weights, part)))
    np.save(tmp / HISTORY["counts"], np.asarray(art.histories.counts, dtype=np.int32))
    (tmp / HISTORY["shoppers"]).write_text(json.dumps({"decay": art.histories.decay,
                                                       "shoppers": art.histories.shoppers}))
    top = np.argsort(-art.popularity, kind="stable")[:popular_top]
    popular = art.catalog.iloc[top][["id", "title", "brand", "price", "size", "category"]].to_dict("records")
    (tmp / POPULAR_JSON).write_text(json.dumps(popular, indent=1))
    (tmp / SOURCE_COUPONS).write_text(yaml.safe_dump({"coupons": art.coupons}, sort_keys=False))
    if art.encoder_dir is not None:
        shutil.copytree(art.encoder_dir, tmp / ENCODER, dirs_exist_ok=True)
    (tmp / MANIFEST).write_text(json.dumps(art.manifest, indent=2, default=str))
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
        histories=_read_histories(directory),
        coupons=(yaml.safe_load((directory / SOURCE_COUPONS).read_text()) or {}).get("coupons") or [],
    )



def _read_histories(directory: Path) -> ShopperHistories:
    """Shoppers' rows read on demand, as the co-purchase rows are: at 100k shoppers the weights are
    hundreds of MB and a request needs one row."""
    meta = json.loads((directory / HISTORY["shoppers"]).read_text())
    indptr = np.load(directory / HISTORY["indptr"])
    if not indptr[-1]:
        return ShopperHistories.empty(0)
    weights = CsrRows(indptr, NpyRows(directory / HISTORY["indices"]), NpyRows(directory / HISTORY["data"]))
    return ShopperHistories(meta["shoppers"], weights, NpyRows(directory / HISTORY["counts"]), meta["decay"])
