"""Instacart Online Grocery Shopping 2017 (order histories with product names), for evaluation.

Files: products.csv (product_id, product_name, aisle_id, department_id), aisles.csv,
departments.csv, and an order-lines table (order_id, user_id, order_number, product_id, ...).
Instacart has no prices or stock, so it cannot stock a shop; it is imported as order histories.
Rows naming an unknown product or missing an id are rejected with their reason, as elsewhere.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..catalog import ImportReport, require_columns
from .histories import OrderHistories
from .tables import read_table

ORDER_COLUMNS = ["order_id", "user_id", "order_number", "product_id"]


def load_instacart(folder: Path, orders_file: str = "order_lines_593_users.csv") -> OrderHistories:
    folder = Path(folder)
    products = read_table(folder / "products.csv")
    aisles = read_table(folder / "aisles.csv")
    departments = read_table(folder / "departments.csv")
    lines = read_table(folder / orders_file)
    require_columns(products, ["product_id", "product_name", "aisle_id", "department_id"], "products.csv")
    require_columns(aisles, ["aisle_id", "aisle"], "aisles.csv")
    require_columns(departments, ["department_id", "department"], "departments.csv")
    require_columns(lines, ORDER_COLUMNS, orders_file)
    report = ImportReport(source=f"instacart ({folder})")
    items = (products.merge(aisles, on="aisle_id", how="left").merge(departments, on="department_id", how="left")
             .rename(columns={"product_id": "id", "product_name": "title", "aisle": "category"}))
    items = items.assign(id=items["id"].astype(str).str.strip(), category=items["category"].fillna(""),
                         department=items["department"].fillna(""))[["id", "title", "category", "department"]]
    text = lambda column: lines[column].fillna("").astype(str).str.strip()
    orders = pd.DataFrame({
        "user_id": text("user_id"), "basket_id": text("order_id"),
        "seq": pd.to_numeric(lines["order_number"], errors="coerce"), "product_id": text("product_id"),
    })
    return OrderHistories.validated(items, orders, report)


def write_generic_shop(folder: Path, out: Path, orders_file: str = "order_lines_593_users.csv") -> tuple[Path, Path]:
    """Instacart as a shop in the generic format, to run the judged-search tooling on a second
    catalog: aisle as the product type, department as the description, each order a basket.
    Instacart publishes no prices, so 0.00 stands in: this shop is for benchmarks, never shoppers.
    Returns the (catalog, interactions) paths."""
    histories = load_instacart(folder, orders_file)
    out.mkdir(parents=True, exist_ok=True)
    catalog, interactions = out / "catalog.csv", out / "interactions.csv"
    items = histories.items
    pd.DataFrame({"id": items["id"], "title": items["title"], "category": items["category"],
                  "department": items["department"], "description": items["department"], "price": 0.0,
                  }).to_csv(catalog, index=False)
    orders = histories.orders
    pd.DataFrame({"basket_id": orders["basket_id"], "user_id": orders["user_id"],
                  "product_id": orders["product_id"]}).to_csv(interactions, index=False)
    return catalog, interactions


# The headers of `write_order_lines`' export, mapped as a shop owner would in cartwise.yml.
ORDER_LINES_COLUMNS = {"basket_id": "Order", "user_id": "Customer", "product_id": "Product code",
                       "title": "Product", "quantity": "Qty", "timestamp": "Ordered at", "price": "Unit price"}
ORDER_LINES_DATES = "%m/%d/%Y %H:%M"


def order_times(raw: pd.DataFrame) -> pd.Series:
    """Each order's time, by order_id. Instacart publishes no dates: an order's date is its shopper's
    own day count (days_since_prior_order summed from 2017-01-01, at the order's hour), so every
    shopper's orders keep their real order and spacing."""
    raw = raw.assign(order_number=pd.to_numeric(raw["order_number"]),
                     days=pd.to_numeric(raw["days_since_prior_order"]).fillna(0),
                     hour=pd.to_numeric(raw["order_hour_of_day"]).fillna(0))
    orders = raw.drop_duplicates("order_id").sort_values(["user_id", "order_number"])
    orders = orders.assign(day=orders.groupby("user_id")["days"].cumsum())
    when = (pd.Timestamp("2017-01-01") + pd.to_timedelta(orders["day"], unit="D")
            + pd.to_timedelta(orders["hour"], unit="h"))
    return pd.Series(when.to_numpy(), index=orders["order_id"].to_numpy())


def write_order_lines(folder: Path, out: Path, orders_file: str = "order_lines_593_users.csv",
                      lines: int | None = None) -> Path:
    """Instacart as one order-lines export (the shape of issue 19's shops): a line per product per
    order, American dates (`order_times`), no category column. Instacart publishes no prices: the unit
    price is a stand-in 1.00. `lines`: only the first this many (whole orders), for sizing."""
    folder = Path(folder)
    raw = read_table(folder / orders_file)
    products = read_table(folder / "products.csv")[["product_id", "product_name"]]
    dates = order_times(raw).dt.strftime(ORDER_LINES_DATES)
    export = raw.merge(products, on="product_id", how="left")
    export = pd.DataFrame({"Order": export["order_id"], "Customer": export["user_id"],
                           "Product code": export["product_id"], "Product": export["product_name"], "Qty": 1,
                           "Ordered at": export["order_id"].map(dates), "Unit price": "1.00"})
    if lines is not None:   # whole orders, in file order, up to `lines` lines
        sizes = export.groupby("Order", sort=False).size()
        export = export[export["Order"].isin(sizes.index[sizes.cumsum() <= lines])]
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".xlsx":
        export.to_excel(out, index=False, engine="xlsxwriter")
    else:
        export.to_csv(out, index=False)
    return out
