"""Order histories: who bought what, basket after basket. What the evaluation harness reads.

Built from any source: Instacart (its own importer) or a shop `Dataset` (baskets ordered by time).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..catalog import Dataset, ImportReport, as_strings


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
        return cls.validated(items, orders_of(tx), ImportReport(source=dataset.report.source))


def orders_of(lines: pd.DataFrame) -> pd.DataFrame:
    """Basket lines (user_id, basket_id, product_id, timestamp) as orders: user_id, basket_id, seq
    (each user's baskets numbered by time), product_id."""
    first = lines.groupby("basket_id")["timestamp"].transform("min")
    orders = pd.DataFrame(
        {
            "user_id": as_strings(lines["user_id"]),
            "basket_id": as_strings(lines["basket_id"]),
            "when": first,
            "product_id": as_strings(lines["product_id"]),
        }
    )
    rank = orders.drop_duplicates("basket_id").sort_values(["user_id", "when", "basket_id"])
    rank["seq"] = rank.groupby("user_id").cumcount() + 1
    return orders.merge(rank[["basket_id", "seq"]], on="basket_id")[["user_id", "basket_id", "seq", "product_id"]]
