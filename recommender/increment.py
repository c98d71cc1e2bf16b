"""Incremental builds: new baskets folded into the last build without recomputing it.

A shop that adds a file of basket lines a day (`recommender.generic.interactions` a folder), and
the checkouts the service records, change only what baskets make: the co-purchase table,
popularity and the shoppers' histories. The rest (catalog, vectors, index, content neighbours) is
the last build's, and so are the quality check's figures and the blend weights and decay it
chose: those are measured again by the next full build, which runs whenever the catalog, a
setting or an old file changes (or `--force`).

What makes the fold exact rather than approximate:
- co-counts add up (cooccurrence.co_counts), so the table refitted from old + new counts is the
  one a full build would fit on all baskets;
- a history weight is a sum of decay**(baskets since), so a shopper's old weights times
  decay**(their new baskets) plus the new baskets' own terms is the full build's row. That holds
  only when every new basket is later than the shopper's built ones; when one is not, the fold
  stops and a full build runs.
A line of a basket already built is not folded in (its pairs with the old lines are not in the
new counts); it is reported, and the next full build reads it.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import artefacts, cooccurrence
from .artefacts import BuildState
from .catalog import ImportReport, as_strings, first_lines, key_labels, sort_keys
from .config import CoPurchaseSettings
from .evaluation.splits import history_matrices, ranked_lines
from .history import ShopperHistories


class NotIncremental(Exception):
    """The new baskets cannot be folded in exactly: a full build must run (the message says why)."""


@dataclass(frozen=True)
class Inputs:
    """What a build is made from, as the manifest records it: `base` hashes everything but the
    basket lines, which are the interaction files (by digest) and the checkouts up to `up_to_seq`."""
    base: str
    files: dict[str, str]
    up_to_seq: int


def why_full(previous: dict | None, now: Inputs, directory: Path) -> str | None:
    """Why this build cannot fold new baskets into the last one; None when it can."""
    if previous is None:
        return "there is no earlier build"
    before = previous.get("inputs")
    if not before or not (directory / artefacts.STATE).is_dir():
        return "the last build kept no basket state (it predates incremental builds, or held baskets out)"
    if before["base"] != now.base:
        return "the catalog, the source or a setting changed"
    changed = sorted(f for f, digest in before["files"].items() if now.files.get(f) != digest)
    if changed:
        return f"{len(changed)} interaction file(s) built before changed or went away (e.g. {changed[0]})"
    if now.up_to_seq < before["up_to_seq"]:
        return "the service's checkout log is older than the last build's"
    return None


def basket_times(lines: pd.DataFrame) -> pd.DataFrame:
    """Each basket of a known shopper (lines with a shopper and a time), indexed by basket id:
    user_id, its first line's shopper, and `when`, its earliest line's time (as
    importers.histories.orders_of dates it). Worked out on integer keys, without a copy of the
    lines (at 200M lines a copy is 4.4 GB) or a string per line."""
    known = lines["user_id"].ne("").to_numpy() & lines["timestamp"].notna().to_numpy()
    basket, user = sort_keys(lines["basket_id"]), sort_keys(lines["user_id"])
    stamps = lines["timestamp"].array   # naive or with a time zone: as int64 either way, not copied
    when = stamps.asi8
    if not known.all():
        basket, user, when = basket[known], user[known], when[known]
    baskets, first = first_lines(basket)
    earliest = np.full(int(baskets[-1]) + 1 if len(baskets) else 0, np.iinfo(np.int64).max)
    np.minimum.at(earliest, basket, when)
    index = pd.Index(key_labels(lines["basket_id"], baskets), name="basket_id")
    times = pd.DatetimeIndex(earliest[baskets].view(f"M8[{stamps.unit}]"))
    return pd.DataFrame({"user_id": key_labels(lines["user_id"], user[first]),
                         "when": times.tz_localize("UTC").tz_convert(stamps.tz) if stamps.tz else times},
                        index=index)


def latest_baskets(lines: pd.DataFrame, times: pd.DataFrame | None = None) -> pd.Series:
    """Shopper id -> the time of their latest basket (`times`: basket_times(lines), when already made)."""
    times = basket_times(lines) if times is None else times
    if times.empty:
        return pd.Series(dtype="datetime64[ns]", name="latest").rename_axis("user_id")
    return times.groupby("user_id")["when"].max().rename("latest")


def state_of(lines: pd.DataFrame, co: sp.csr_matrix) -> BuildState:
    return BuildState(co, as_strings(pd.Series(lines["basket_id"].unique())), latest_baskets(lines))


def not_yet_built(lines: pd.DataFrame, state: BuildState, report: ImportReport) -> pd.DataFrame:
    """The lines whose basket is new; the others are reported as rejected."""
    built = as_strings(lines["basket_id"]).isin(set(state.baskets))
    if built.any():
        report.rejected.append(lines[built].assign(
            table="interactions", reject_reason="basket already built (the next full build reads it)"))
    return lines[~built].reset_index(drop=True)


def check_order(times: pd.DataFrame, latest: pd.Series) -> None:
    """Every new basket (`times`: basket_times of the new lines) must be later than its shopper's
    built ones, else NotIncremental."""
    if times.empty or latest.empty:
        return
    early = times[times["when"] <= times["user_id"].map(latest)]
    if len(early):
        basket, row = next(iter(early.iterrows()))
        raise NotIncremental(f"{len(early)} new basket(s) are not later than their shopper's built ones (e.g. "
                             f"basket {basket} of shopper {row['user_id']} at {row['when']}); a full build orders them")


def folded_histories(old: ShopperHistories, lines: pd.DataFrame, positions: dict[str, int],
                     forgotten: set[str]) -> ShopperHistories:
    """The histories after `lines` (all later than each shopper's built baskets): old weights
    times decay**(the shopper's new baskets), plus decay**(baskets since) for each new one."""
    ranked = ranked_lines(lines, positions)
    if ranked is None:   # no new line names a shopper: every row as it was, read to be written again
        shape = (len(old), len(positions))
        rows = (old.weights.indices[:], np.asarray(old.weights.indptr))
        return ShopperHistories.of(old.shoppers, sp.csr_matrix((old.weights.data[:], *rows), shape=shape),
                                   sp.csr_matrix((old.counts[:].astype(np.float32), *rows), shape=shape), old.decay)
    ranked = ranked[~ranked["user_id"].isin(forgotten)]
    decay = old.decay
    new_users, new_weights, new_counts = history_matrices(ranked, positions, decay)
    new_weights, new_counts = new_weights.tocoo(), new_counts.tocoo()
    users = sorted(set(old.shoppers) | set(new_users))
    at = {u: i for i, u in enumerate(users)}
    steps = ranked.groupby("user_id", observed=True)["back"].max().add(1).reindex(old.shoppers).fillna(0).to_numpy()
    scale = np.power(np.float32(decay), steps.astype(np.float32))
    indptr = np.asarray(old.weights.indptr)
    old_rows = np.repeat(np.arange(len(old.shoppers)), np.diff(indptr))
    old_to_new = np.array([at[u] for u in old.shoppers], dtype=np.int64)
    new_to_new = np.array([at[u] for u in new_users], dtype=np.int64)
    rows = np.concatenate([old_to_new[old_rows], new_to_new[new_weights.row]])
    cols = np.concatenate([old.weights.indices[:], new_weights.col])
    weights = np.concatenate([old.weights.data[:] * scale[old_rows], new_weights.data]).astype(np.float32)
    counts = np.concatenate([old.counts[:], new_counts.data]).astype(np.float32)
    shape = (len(users), len(positions))
    return ShopperHistories.of(users, sp.csr_matrix((weights, (rows, cols)), shape=shape),
                               sp.csr_matrix((counts, (rows, cols)), shape=shape), decay)


@dataclass
class Folded:
    similarity: sp.csr_matrix
    popularity: np.ndarray
    histories: ShopperHistories
    state: BuildState
    baskets: int          # new baskets folded in
    timings: dict[str, float]


def fold(lines: pd.DataFrame, state: BuildState, histories: ShopperHistories | None, positions: dict[str, int],
         model: str, copurchase: CoPurchaseSettings, forgotten: set[str]) -> Folded:
    """New basket lines (validated, none of a built basket) folded into the last build's state.
    `histories`: the last build's, None when it served none (the next full build may)."""
    times = basket_times(lines)
    check_order(times, state.latest)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    baskets = cooccurrence.basket_matrix(lines, positions)
    co = state.co + cooccurrence.co_counts(baskets)
    co.sort_indices()
    total = len(state.baskets) + baskets.shape[0]
    timings["cooccurrence_s"] = time.perf_counter() - started
    started = time.perf_counter()
    similarity = cooccurrence.fit_table(co, copurchase, model)
    timings["refit_s"] = time.perf_counter() - started
    started = time.perf_counter()
    folded = (folded_histories(histories, lines, positions, forgotten) if histories is not None
              else ShopperHistories.empty(len(positions)))
    timings["histories_s"] = time.perf_counter() - started
    latest = pd.concat([state.latest, latest_baskets(lines, times)]).groupby(level=0).max().rename("latest")
    new_state = BuildState(co, pd.concat([state.baskets, as_strings(pd.Series(lines["basket_id"].unique()))],
                                         ignore_index=True), latest.rename_axis("user_id"))
    return Folded(similarity, cooccurrence.popularity(co, total), folded, new_state, baskets.shape[0], timings)
