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


@dataclass
class Split:
    train: sp.csr_matrix        # training baskets x items (binary)
    users: list[str]
    history: sp.csr_matrix      # users x items: past purchases, a basket `steps` back weighted decay**steps
    seen: sp.csr_matrix         # users x items: 1 where the user bought the item before
    targets: list[set[int]]     # per user, the items of the basket to predict


def basket_ranks(orders: pd.DataFrame) -> pd.DataFrame:
    """Orders with `back`: 0 for a user's last basket, 1 for the one before, ..."""
    baskets = orders.drop_duplicates("basket_id")[["user_id", "basket_id", "seq"]]
    baskets = baskets.assign(back=baskets.groupby("user_id")["seq"].rank(method="first", ascending=False)
                             .astype(int) - 1)
    return orders.merge(baskets[["basket_id", "back"]], on="basket_id")


def make_split(ranked: pd.DataFrame, position: dict[str, int], holdout: int, decay: float,
               min_history: int = 1) -> Split:
    n_items = len(position)
    item = ranked["product_id"].map(position).to_numpy()
    past = ranked["back"].to_numpy() >= holdout
    basket_codes, basket_rows = np.unique(ranked["basket_id"].to_numpy()[past], return_inverse=True)
    train = sp.csr_matrix((np.ones(past.sum(), np.float32), (basket_rows, item[past])),
                          shape=(len(basket_codes), n_items))
    train.data[:] = 1.0
    depth = ranked.groupby("user_id")["back"].max()
    users = sorted(depth.index[depth >= holdout - 1 + min_history])
    user_row = {u: i for i, u in enumerate(users)}
    rows = ranked["user_id"].map(user_row)
    mine = rows.notna().to_numpy()
    hist = mine & past
    steps = ranked["back"].to_numpy()[hist] - holdout
    history = sp.csr_matrix((decay ** steps.astype(np.float32), (rows[hist].astype(int), item[hist])),
                            shape=(len(users), n_items))
    seen = history.copy()
    seen.data[:] = 1.0
    is_target = mine & (ranked["back"].to_numpy() == holdout - 1)
    targets: list[set[int]] = [set() for _ in users]
    for r, i in zip(rows[is_target].astype(int), item[is_target]):
        targets[r].add(int(i))
    return Split(train, users, history, seen, targets)
