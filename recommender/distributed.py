"""The build's basket-line steps on Dask (`recommender.build.engine: dask`), for order histories that
outgrow one machine.

What grows with the lines runs as Dask tasks, each calling the single-machine functions on its
part, so the artefacts are the ones `engine: local` writes:
- reading and validating the interaction files, a task per file (importers.generic);
- the co-counts (cooccurrence.co_counts), per partition of lines shuffled by basket, summed in a
  tree; popularity and the table are read from them;
- the shoppers' histories (evaluation.splits.shopper_histories), per partition shuffled by shopper;
- the incremental build's state (every basket id, each shopper's latest basket).
What grows with the catalog (vectors, index, fitting the table from the co-counts) stays with the
build's process, and so does the quality check, on a sample of shoppers of at most
`build.check_lines` lines (all of them when there are fewer).
"""
from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from dask.distributed import Client, Future, LocalCluster

from . import cooccurrence
from .catalog import INTERACTION_COLUMNS, DataError, ImportReport
from .config import BuildEngine, Settings
from .evaluation.splits import ranked_lines, shopper_histories, shoppers_drawn
from .history import ShopperHistories
from .importers.generic import read_interactions

KEPT = pd.DataFrame({"basket_id": pd.Series(dtype=object), "user_id": pd.Series(dtype=object),
                     "product_id": pd.Series(dtype=object), "timestamp": pd.Series(dtype="datetime64[ns]"),
                     "quantity": pd.Series(dtype=float)})


@contextlib.contextmanager
def cluster(engine: BuildEngine):
    """A client of the configured scheduler, or of a local cluster of worker processes (closed after)."""
    # Dask logs every peer-to-peer shuffle's start and end as a warning: routine here, not a problem.
    logging.getLogger("distributed.shuffle._scheduler_plugin").setLevel(logging.ERROR)
    if engine.scheduler:
        try:
            client = Client(engine.scheduler, timeout=f"{engine.connect_timeout_s}s")
        except (OSError, TimeoutError) as exc:
            raise DataError(f"recommender.build.scheduler: cannot reach the Dask scheduler at {engine.scheduler} "
                            f"({exc})") from exc
        with client:
            yield client
        return
    with LocalCluster(n_workers=engine.workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as local, Client(local) as client:
        yield client


def describe(client: Client, engine: BuildEngine) -> dict:
    return {"engine": "dask", "scheduler": engine.scheduler or "local cluster",
            "workers": len(client.scheduler_info()["workers"])}


def _shared(client: Client, value: object) -> Future:
    """`value` on every worker, as one future. Scattered bare, a dict would become a future per key:
    a graph of the catalog's size that the scheduler spent minutes ordering at 100k products."""
    return client.scatter([value], broadcast=True)[0]


@dataclass
class Lines:
    frame: dd.DataFrame        # every validated line, held by the workers
    count: int
    report: ImportReport       # rows read, kept and rejected, as the local import reports them


def _read_file(path: Path, known_ids: pd.Series, settings: Settings) -> tuple[pd.DataFrame, ImportReport]:
    report = ImportReport(source=str(path))
    kept = read_interactions([path], known_ids, report, settings.generic_timestamp_format, settings.generic_columns,
                             settings.generic_sheet)
    return _conform(kept), report


def _conform(lines: pd.DataFrame) -> pd.DataFrame:
    """The columns and types every partition shares (Dask checks them against KEPT)."""
    out = lines[INTERACTION_COLUMNS].astype({"basket_id": object, "user_id": object, "product_id": object,
                                             "quantity": float})
    out["timestamp"] = pd.to_datetime(out["timestamp"]).astype("datetime64[ns]")
    return out


def read_lines(client: Client, files: list[Path], known_ids: pd.Series, settings: Settings,
               extra: pd.DataFrame, report: ImportReport) -> Lines:
    """The files' lines read and validated by the workers, a task per file, plus `extra` (the
    service's checkouts, already validated); kept in the workers' memory. Each file's rows are
    counted into `report`."""
    ids = _shared(client, known_ids)
    parts = [dask.delayed(_read_file, nout=2)(path, ids, settings) for path in files]
    frame = dd.from_delayed([p[0] for p in parts] + [dask.delayed(_conform)(extra)], meta=KEPT, verify_meta=False)
    frame = client.persist(frame)
    for part in client.compute([p[1] for p in parts], sync=True):
        report.add(part)
    return Lines(frame, int(frame.shape[0].compute()), report)


def sample(lines: Lines, limit: int) -> pd.DataFrame:
    """The quality check's lines, drawn as the local build draws them (splits.shoppers_drawn)."""
    if lines.count <= limit:
        return lines.frame.compute().reset_index(drop=True)
    share = limit / lines.count
    return lines.frame.map_partitions(shoppers_drawn, share, meta=KEPT).compute().reset_index(drop=True)


def _part_counts(part: pd.DataFrame, positions: dict[str, int]) -> tuple[sp.csr_matrix, int]:
    baskets = cooccurrence.basket_matrix(part, positions)
    return cooccurrence.co_counts(baskets), baskets.shape[0]


def _add(a: tuple[sp.csr_matrix, int], b: tuple[sp.csr_matrix, int]) -> tuple[sp.csr_matrix, int]:
    return a[0] + b[0], a[1] + b[1]


def co_counts(client: Client, lines: Lines, positions: dict[str, int]) -> tuple[sp.csr_matrix, int]:
    """The co-counts of every basket and how many baskets there are: a partition's baskets are whole
    after the shuffle, so the partitions' counts add up to the whole's."""
    at = _shared(client, positions)
    by_basket = lines.frame[["basket_id", "product_id"]].shuffle("basket_id")
    parts = [dask.delayed(_part_counts)(p, at) for p in by_basket.to_delayed()]
    while len(parts) > 1:   # a tree, so no worker sums them all
        parts = [dask.delayed(_add)(*parts[i:i + 2]) if i + 1 < len(parts) else parts[i]
                 for i in range(0, len(parts), 2)]
    co, baskets = client.compute(parts[0]).result()
    co = co.tocsr().astype(np.float32)
    co.sort_indices()
    return co, baskets


def basket_ids(lines: Lines) -> pd.Series:
    return pd.Series(lines.frame["basket_id"].unique().compute().astype(str).to_numpy())


def latest_baskets(lines: Lines) -> pd.Series:
    """As increment.latest_baskets, grouped by the workers."""
    frame = lines.frame
    known = frame[frame["user_id"].ne("") & frame["timestamp"].notnull()]
    baskets = known.groupby("basket_id").agg({"user_id": "first", "timestamp": "min"})
    latest = baskets.groupby("user_id")["timestamp"].max().compute()
    return pd.to_datetime(latest).rename("latest").rename_axis("user_id")


def _part_histories(part: pd.DataFrame, positions: dict[str, int], decay: float,
                    forgotten: set[str]) -> tuple[list[str], sp.csr_matrix, sp.csr_matrix]:
    ranked = ranked_lines(part, positions)
    n = len(positions)
    if ranked is None:
        return [], sp.csr_matrix((0, n), dtype=np.float32), sp.csr_matrix((0, n), dtype=np.float32)
    made = shopper_histories(ranked[~ranked["user_id"].isin(forgotten)], positions, decay)
    shape = (len(made), n)
    weights = sp.csr_matrix((np.asarray(made.weights.data), np.asarray(made.weights.indices), made.weights.indptr),
                            shape=shape)
    counts = sp.csr_matrix((np.asarray(made.counts), np.asarray(made.weights.indices), made.weights.indptr),
                           shape=shape)
    return made.shoppers, weights, counts


def histories(client: Client, lines: Lines, positions: dict[str, int], decay: float,
              forgotten: set[str]) -> ShopperHistories:
    """Every shopper's history: a shopper's lines are in one partition after the shuffle, so each
    partition makes whole rows, stacked here in the order the local build writes them."""
    at = _shared(client, positions)
    by_shopper = lines.frame.shuffle("user_id")
    parts = client.compute([dask.delayed(_part_histories)(p, at, decay, forgotten) for p in by_shopper.to_delayed()],
                           sync=True)
    shoppers = [s for users, _, _ in parts for s in users]
    order = np.argsort(np.array(shoppers, dtype=object), kind="stable")
    weights = sp.vstack([w for _, w, _ in parts]).tocsr()[order]
    counts = sp.vstack([c for _, _, c in parts]).tocsr()[order]
    return ShopperHistories.of([shoppers[i] for i in order], weights, counts, decay)
