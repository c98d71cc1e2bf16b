"""One order-lines export (invoice, product code, description, quantity, date, unit price,
customer): the shape most shop systems export, turned into a catalog and basket lines.

The export mixes more than purchases into its lines: cancelled invoices, returns (negative
quantities), postage, fees and manual adjustments. Each such line is rejected with its reason, by
rules the owner states (`LineRules`), so none of it teaches the co-purchase model. A product
appears on many lines, not always with the same description or price: its catalog fields are
chosen by a stated rule (`product_fields`), and every product where the lines disagreed is listed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..catalog import (
    CATALOG_COLUMNS,
    INTERACTION_COLUMNS,
    Dataset,
    ImportReport,
    readable_timestamps,
    reject_failing,
    require_columns,
    validate_catalog,
    validate_interactions,
)
from .tables import map_columns, read_table

PRODUCT_FIELDS = [c for c in CATALOG_COLUMNS if c != "id"]
LINE_COLUMNS = INTERACTION_COLUMNS + PRODUCT_FIELDS
REQUIRED_LINES = ["basket_id", "product_id", "title", "price"]
TABLE = "order lines"


@dataclass(frozen=True)
class LineRules:
    """Which lines are not purchases. Both are regular expressions matched at the start of the id
    (Python's re.match), e.g. not_products '(POST|DOT|M|BANK CHARGES)$', cancelled_baskets 'C'."""
    not_products: str | None = None        # product ids of postage, fees, discounts, adjustments
    cancelled_baskets: str | None = None   # basket (invoice) ids of cancelled orders

    def __post_init__(self) -> None:
        for name in ("not_products", "cancelled_baskets"):
            pattern = getattr(self, name)
            if pattern is not None:
                re.compile(pattern)   # a typo fails at start, not halfway through an import


def _matches(ids: pd.Series, pattern: str | None) -> pd.Series:
    if pattern is None:
        return pd.Series(False, index=ids.index)
    return ids.fillna("").str.match(pattern).astype(bool)


def product_fields(lines: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(catalog, disagreements): one row per product id from its lines.

    Title: the description most of its lines carry (a tie goes to the one seen last), because a
    one-off typo on a line should not rename the product. Price: the latest line's, because that
    is what the shop charges now. Other fields: the latest non-empty value. `disagreements` lists
    each product whose lines carried more than one title or price, with what was chosen."""
    # Oldest first, lines without a date before dated ones, file order among equals.
    ordered = lines.reset_index(drop=True).sort_values("timestamp", na_position="first", kind="stable")
    ordered = ordered.assign(_rank=np.arange(len(ordered)))
    latest = ordered.groupby("product_id", sort=False).tail(1).set_index("product_id")

    titled = ordered[ordered["title"].fillna("") != ""]
    votes = (titled.groupby(["product_id", "title"], sort=False)["_rank"].agg(["size", "max"])
             .reset_index().sort_values(["size", "max"]))
    title = votes.groupby("product_id", sort=False).tail(1).set_index("product_id")["title"]
    catalog = pd.DataFrame({"id": latest.index, "title": title.reindex(latest.index).to_numpy(),
                            "price": latest["price"].to_numpy()})
    for column in PRODUCT_FIELDS:
        if column in ("title", "price"):
            continue
        present = ordered[ordered[column].astype("string").fillna("") != ""]
        catalog[column] = present.groupby("product_id", sort=False)[column].last().reindex(latest.index).to_numpy()

    spread = ordered.groupby("product_id", sort=False).agg(
        lines=("_rank", "size"), titles=("title", "nunique"), prices=("price", "nunique"),
        lowest_price=("price", "min"), highest_price=("price", "max")).reindex(latest.index)
    varied = spread[(spread["titles"] > 1) | (spread["prices"] > 1)]
    disagreements = varied.assign(chosen_title=title.reindex(varied.index),
                                  chosen_price=latest["price"].reindex(varied.index)).reset_index()
    return catalog, disagreements


def load_order_lines(path: Path, columns: dict[str, str] | None = None, timestamp_format: str | None = None,
                     rules: LineRules = LineRules(), sheet: str | int | None = None) -> Dataset:
    report = ImportReport(source=f"order lines ({Path(path).name})")
    raw = map_columns(read_table(path, sheet), columns or {}, LINE_COLUMNS, TABLE)
    require_columns(raw, REQUIRED_LINES, TABLE)
    df = raw.reindex(columns=LINE_COLUMNS).copy()
    report.rows_read[TABLE] = len(df)
    for column in ("basket_id", "product_id", "user_id", "title"):
        df[column] = df[column].astype("string").str.strip()
    df["timestamp"], unreadable = readable_timestamps(df["timestamp"], timestamp_format, TABLE)
    quantity = pd.to_numeric(df["quantity"], errors="coerce")
    df["quantity"] = quantity.where(df["quantity"].notna(), 1)
    df["price"] = pd.to_numeric(df["price"], errors="coerce")
    checks = [
        (df["basket_id"].isna() | (df["basket_id"] == ""), "missing basket_id"),
        (df["product_id"].isna() | (df["product_id"] == ""), "missing product_id"),
        (_matches(df["basket_id"], rules.cancelled_baskets), "cancelled order (basket id matches cancelled_baskets)"),
        (_matches(df["product_id"], rules.not_products), "not a product (id matches not_products): postage, fee "
                                                          "or adjustment"),
        (df["quantity"] < 0, "return or correction (negative quantity)"),
        (df["quantity"].isna() | (df["quantity"] == 0), "quantity not a positive number"),
        (df["price"].isna() | (df["price"] <= 0), "price missing, zero or negative (free line or adjustment)"),
        (unreadable, f"timestamp does not match {timestamp_format}"),
    ]
    bad = reject_failing(df, checks, TABLE, report)
    lines = df[~bad]
    report.rows_kept[TABLE] = len(lines)

    catalog, disagreements = product_fields(lines)
    report.rules = {
        "title": "the description most of the product's lines carry (ties: the latest)",
        "price": "the latest line's unit price",
        "other fields": "the latest non-empty value",
        "products": len(catalog),
        "products_with_several_titles": int((disagreements["titles"] > 1).sum()) if len(disagreements) else 0,
        "products_with_several_prices": int((disagreements["prices"] > 1).sum()) if len(disagreements) else 0,
    }
    report.disagreements = disagreements
    catalog = validate_catalog(catalog, report)
    interactions = validate_interactions(lines[INTERACTION_COLUMNS], catalog["id"], report, timestamp_format)
    return Dataset(catalog=catalog, interactions=interactions, report=report)
