"""Order histories: who bought what, basket after basket. What the evaluation harness reads.

Built from any source: Instacart (its own importer) or a shop `Dataset` (baskets ordered by time).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..catalog import Dataset, ImportReport, as_strings, first_lines, rank_in, sort_keys


@dataclass
class OrderHistories:
    items: pd.DataFrame    # id, title, category, department: one row per product, unique ids
    orders: pd.DataFrame   # user_id, basket_id, seq (basket order within the user), product_id
    report: ImportReport

    @classmethod
    def validated(cls, items: pd.DataFrame, orders: pd.DataFrame, report: ImportReport) -> OrderHistories:
        report.rows_read["items"], report.rows_read["order_lines"] = len(items), len(orders)
        bad_items = items["id"].eq("") | items["id"].duplicated() | items["title"].isna()
        if bad_items.any():
            report.rejected.append(
                items[bad_items].assign(table="items", reject_reason="missing title or bad/duplicate id")
            )
        items = items[~bad_items].reset_index(drop=True)
        reasons = pd.Series("", index=orders.index)
        reasons[~orders["product_id"].isin(set(items["id"]))] = "product_id not in the products"
        reasons[orders["seq"].isna()] = "basket order (order_number/timestamp) missing"
        reasons[orders["user_id"].eq("") | orders["basket_id"].eq("")] = "missing user or basket id"
        if (reasons != "").any():
            report.rejected.append(orders[reasons != ""].assign(table="orders", reject_reason=reasons[reasons != ""]))
        orders = orders[reasons == ""].drop_duplicates(["basket_id", "product_id"]).reset_index(drop=True)
        report.rows_kept["items"], report.rows_kept["order_lines"] = len(items), len(orders)
        return cls(items, orders, report)

    @classmethod
    def from_dataset(cls, dataset: Dataset) -> OrderHistories:
        tx = dataset.interactions
        if tx["user_id"].isna().all() or tx["timestamp"].isna().all():
            raise ValueError("this dataset has no user ids or timestamps: it has no order histories")
        items = dataset.catalog[["id", "title", "category", "department"]].fillna("")
        orders = orders_of(tx)
        for column in ("user_id", "basket_id", "product_id"):   # the harness reads them as text
            orders[column] = as_strings(orders[column])
        return cls.validated(items, orders, ImportReport(source=dataset.report.source))


def orders_of(lines: pd.DataFrame) -> pd.DataFrame:
    """Basket lines (user_id, basket_id, product_id, timestamp) as orders: user_id, basket_id, seq
    (each user's baskets numbered by time, then basket id), product_id, the lines in their order.
    A basket is its first line's shopper's and is dated by its earliest line. Worked out on integer
    keys (`sort_keys`): compact lines' ids stay categories, none is made a string."""
    basket, user = sort_keys(lines["basket_id"]), sort_keys(lines["user_id"])
    earliest = lines["timestamp"].groupby(basket).transform("min")
    # times as int64 (with a time zone or not), undated baskets last
    when = np.where(earliest.isna().to_numpy(), np.iinfo(np.int64).max, getattr(earliest.array, "asi8", earliest))
    seq = place_among_own_baskets(basket, user, lambda baskets, first: (baskets, when[first])) + 1
    return pd.DataFrame({"user_id": lines["user_id"].array, "basket_id": lines["basket_id"].array,
                         "seq": seq, "product_id": lines["product_id"].array})


def place_among_own_baskets(basket: np.ndarray, user: np.ndarray,
                            order_by: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, ...]]) -> np.ndarray:
    """Per line, its basket's place (0, 1, ...) among its shopper's baskets (a basket is its first
    line's shopper's). `order_by(basket keys, each basket's first line)` gives np.lexsort's keys,
    the last the most significant, for the baskets of one shopper. Integer keys (`sort_keys`)."""
    baskets, first = first_lines(basket)
    owner = user[first]
    order = np.lexsort((*order_by(baskets, first), owner))
    owners = owner[order]
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]]) if len(owners) else np.zeros(0, dtype=np.int64)
    place = np.empty(len(first), dtype=np.int64)
    place[order] = np.arange(len(owners)) - np.repeat(starts, np.diff(np.r_[starts, len(owners)]))
    return place[rank_in(basket, baskets)]
