"""Leave-last-basket-out splits of order histories, for next-basket and basket-completion tests.

holdout=1 (test): each user's last basket is the target, every earlier basket is history and
training data. holdout=h > 1 (validation): the h-th basket from the end is the target and the
later ones are not used at all, so weights tuned on validation never see a test basket.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..catalog import as_strings, parts_by_id, positions_in, sort_keys
from ..history import ShopperHistories, decayed
from ..importers.histories import orders_of, place_among_own_baskets


@dataclass
class Split:
    train: sp.csr_matrix        # training baskets x items (binary)
    users: list[str]
    history: sp.csr_matrix      # users x items: past purchases, a basket `steps` back weighted decay**steps
    seen: sp.csr_matrix         # users x items: 1 where the user bought the item before
    targets: list[set[int]]     # per user, the items of the basket to predict


def basket_ranks(orders: pd.DataFrame) -> pd.DataFrame:
    """Orders with `back`: 0 for a user's last basket (highest seq), 1 for the one before, ...;
    worked out on integer keys, as `orders_of` numbers them."""
    basket, user = sort_keys(orders["basket_id"]), sort_keys(orders["user_id"])
    seq = orders["seq"].to_numpy()
    # latest first; a tie in the order met
    back = place_among_own_baskets(basket, user, lambda baskets, first: (first, -seq[first]))
    return orders.reset_index(drop=True).assign(back=back)


def ranked_lines(interactions: pd.DataFrame, position: dict[str, int]) -> pd.DataFrame | None:
    """A shop's basket lines as ranked orders (`basket_ranks`), only those of a shopper with a time
    and a product in `position`; None when no line has both (no one's history to learn)."""
    lines = interactions.dropna(subset=["user_id", "timestamp"])
    lines = lines[(positions_in(lines["product_id"], position) >= 0) & lines["user_id"].ne("").to_numpy()]
    if lines.empty:
        return None
    return basket_ranks(orders_of(lines).drop_duplicates(["basket_id", "product_id"]))


@dataclass
class HeldOut:
    """A split's shoppers, their history lines and their targets, before any decay weighs the lines:
    what choosing the decay reads for each candidate (make_split's history, without its baskets)."""
    users: list[str]
    rows: np.ndarray            # per history line, the shopper's row
    items: np.ndarray
    steps: np.ndarray           # baskets between the line's and the target
    targets: list[set[int]]
    n_items: int

    def history(self, decay: float) -> sp.csr_matrix:
        return decayed(self.rows, self.items, self.steps, decay, (len(self.users), self.n_items))


def held_out(ranked: pd.DataFrame, position: dict[str, int], holdout: int, min_history: int = 1) -> HeldOut:
    item = positions_in(ranked["product_id"], position)
    back = ranked["back"].to_numpy()
    depth = ranked.groupby("user_id", observed=True)["back"].max()
    users = sorted(depth.index[depth >= holdout - 1 + min_history])
    rows = positions_in(ranked["user_id"], {u: i for i, u in enumerate(users)})
    mine = rows >= 0
    hist = mine & (back >= holdout)
    is_target = mine & (back == holdout - 1)
    targets: list[set[int]] = [set() for _ in users]
    for r, i in zip(rows[is_target].tolist(), item[is_target].tolist()):
        targets[r].add(i)
    return HeldOut(users, rows[hist], item[hist], back[hist] - holdout, targets, len(position))


def make_split(ranked: pd.DataFrame, position: dict[str, int], holdout: int, decay: float,
               min_history: int = 1) -> Split:
    item = positions_in(ranked["product_id"], position)
    past = ranked["back"].to_numpy() >= holdout
    basket_rows, basket_codes = pd.factorize(sort_keys(ranked["basket_id"])[past])
    train = sp.csr_matrix((np.ones(past.sum(), np.float32), (basket_rows, item[past])),
                          shape=(len(basket_codes), len(position)))
    train.data[:] = 1.0
    held = held_out(ranked, position, holdout, min_history)
    history = held.history(decay)
    seen = history.copy()
    seen.data[:] = 1.0
    return Split(train, held.users, history, seen, held.targets)


def history_matrices(ranked: pd.DataFrame, position: dict[str, int],
                     decay: float) -> tuple[list[str], sp.csr_matrix, sp.csr_matrix]:
    """Every shopper in `ranked` (sorted), with their whole history: decayed weights and basket counts.
    The split above with nothing held out, without the basket matrix a split also builds."""
    rows, users = pd.factorize(ranked["user_id"], sort=True)
    item = positions_in(ranked["product_id"], position)
    back = ranked["back"].to_numpy()
    shape = (len(users), len(position))
    return list(users), decayed(rows, item, back, decay, shape), decayed(rows, item, back, 1.0, shape)


def shopper_histories(ranked: pd.DataFrame, position: dict[str, int], decay: float) -> ShopperHistories:
    """Every shopper's whole history as the service serves it."""
    return ShopperHistories.of(*history_matrices(ranked, position, decay), decay)


def histories_by_parts(lines: pd.DataFrame, position: dict[str, int], decay: float, parts: int,
                       forgotten: frozenset[str] | set[str] = frozenset()) -> ShopperHistories:
    """shopper_histories of all `lines` but the forgotten shoppers', made for one range of shoppers
    (in id order, about a `parts`-th of the lines) at a time: ranking the lines then holds a
    `parts`-th of them at once, which at 50M lines was the build's peak. Each range's shoppers
    come sorted and the ranges follow one another, so the parts stack into the histories made at
    once, in the same order, without reordering millions of rows."""
    made: list[ShopperHistories] = []
    for some in parts_by_id(lines, "user_id", parts):
        ranked = ranked_lines(some[~some["user_id"].isin(forgotten)] if forgotten else some, position)
        if ranked is not None:
            made.append(ShopperHistories.of(*history_matrices(ranked, position, decay), decay))
        del ranked
    return ShopperHistories.stacked(made, len(position), decay)


def shoppers_drawn(lines: pd.DataFrame, share: float) -> pd.DataFrame:
    """The lines of about `share` of the shoppers (a guest's basket counts as one shopper), drawn by
    a hash of who they are, so that every run, and every part of the lines on a cluster, draws the
    same shoppers and each drawn shopper keeps every basket."""
    if share >= 1:
        return lines
    who = pd.util.hash_pandas_object(lines["user_id"], index=False).to_numpy().copy()
    guest = lines["user_id"].eq("").to_numpy()
    if guest.any():
        who[guest] = pd.util.hash_pandas_object("basket " + as_strings(lines["basket_id"][guest]), index=False)
    return lines[who % 1_000_000 < share * 1_000_000]


def check_sample(lines: pd.DataFrame, limit: int) -> pd.DataFrame:
    """What the build's quality check reads: all the lines up to `limit`, else the shoppers drawn
    to make about that many (its figures are estimates; their cost would otherwise grow with every
    line a shop ever sold)."""
    if len(lines) <= limit:
        return lines
    return shoppers_drawn(lines, limit / len(lines)).reset_index(drop=True)
