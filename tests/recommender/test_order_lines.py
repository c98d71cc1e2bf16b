"""A shop's own order-lines export (CSV and Excel), with the traps real exports hold."""
import dataclasses
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from recommender.build import build
from recommender.catalog import DataError
from recommender.config import load_settings
from recommender.engine import Recommender, SearchFilters
from recommender.importers.order_lines import LineRules, load_order_lines
from tests import fixture_export as export

FORMAT = "%d/%m/%Y %H:%M"
DEMO_COUPONS = Path(__file__).resolve().parents[2] / "shop" / "data" / "coupons.yml"
RULES = LineRules(not_products=export.NOT_PRODUCTS, cancelled_baskets=export.CANCELLED)


@pytest.fixture(scope="module")
def lines():
    return export.export_lines()


@pytest.fixture(scope="module")
def csv_export(tmp_path_factory, lines):
    return export.write_export_csv(tmp_path_factory.mktemp("export") / "orders.csv", lines)


def _reasons(dataset) -> dict[str, int]:
    return pd.concat(dataset.report.rejected).groupby("reject_reason").size().to_dict()


def test_day_first_dates_stop_the_import_until_the_format_is_said(csv_export):
    with pytest.raises(DataError) as error:
        load_order_lines(csv_export, export.COLUMNS, rules=RULES)
    message = str(error.value)
    assert "timestamps are not ISO 8601 (first: '01/12/2025 " in message
    # which format fits is said, with counts: every date reads day-first, fewer month-first
    fits = {f: int(n.replace(",", "")) for f, n in re.findall(r"'([^']+)' reads ([\d,]+)", message)}
    assert fits["%d/%m/%Y %H:%M"] == len(export.export_lines()) > fits["%m/%d/%Y %H:%M"]
    assert "recommender.generic.timestamp_format" in message


def test_every_line_that_is_not_a_purchase_is_rejected_with_its_reason(csv_export, lines):
    dataset = load_order_lines(csv_export, export.COLUMNS, FORMAT, RULES)
    cancelled = sum(line["InvoiceNo"].startswith("C") for line in lines)
    not_products = sum(line["StockCode"] in ("POST", "M") for line in lines)
    returns = sum(int(line["Quantity"]) < 0 and not line["InvoiceNo"].startswith("C") for line in lines)
    free = sum(float(line["UnitPrice"]) == 0 for line in lines)
    assert cancelled and not_products and returns and free
    assert _reasons(dataset) == {
        "cancelled order (basket id matches cancelled_baskets)": cancelled,
        "not a product (id matches not_products): postage, fee or adjustment": not_products,
        "return or correction (negative quantity)": returns,
        "price missing, zero or negative (free line or adjustment)": free,
    }
    kept = len(lines) - cancelled - not_products - returns - free
    assert dataset.report.rows_kept["order lines"] == kept == len(dataset.interactions)
    assert set(dataset.catalog["id"]) == set(export.PRODUCTS)   # no POST, no M, no C-anything
    assert not dataset.interactions["basket_id"].str.startswith("C").any()


def test_dates_are_read_day_first_and_none_is_lost(csv_export, lines):
    dataset = load_order_lines(csv_export, export.COLUMNS, FORMAT, RULES)
    assert dataset.interactions["timestamp"].notna().all()
    first = dataset.interactions[dataset.interactions["basket_id"] == "536365"]["timestamp"].iloc[0]
    assert (first.year, first.month, first.day) == (2025, 12, 1)
    thirteenth = [line for line in lines if line["InvoiceDate"].startswith("13/12/2025")][0]
    row = dataset.interactions[dataset.interactions["basket_id"] == thirteenth["InvoiceNo"]]["timestamp"].iloc[0]
    assert (row.month, row.day) == (12, 13)


def test_a_products_title_and_price_follow_the_stated_rule(csv_export):
    dataset = load_order_lines(csv_export, export.COLUMNS, FORMAT, RULES)
    catalog = dataset.catalog.set_index("id")
    lantern, new_price = export.PRICE_RISE
    assert catalog.loc[lantern, "price"] == new_price                 # the latest line's price
    assert catalog.loc["21001", "title"] == "WHITE CERAMIC TEACUP"     # one misspelt line does not rename it
    assert catalog.loc["21003", "title"] == "ROSE PRINT TEAPOT"
    rules = dataset.report.rules
    assert rules["products"] == len(export.PRODUCTS)
    assert rules["products_with_several_prices"] == 1 and rules["products_with_several_titles"] == 1
    listed = dataset.report.disagreements.set_index("product_id")
    assert set(listed.index) == {lantern, "21001"}
    assert listed.loc[lantern, "lowest_price"] == 6.45 and listed.loc[lantern, "chosen_price"] == new_price


def test_guests_lines_keep_no_customer(csv_export):
    dataset = load_order_lines(csv_export, export.COLUMNS, FORMAT, RULES)
    guest = dataset.interactions[dataset.interactions["basket_id"] == "536365"]   # invoice 0: a guest
    assert (guest["user_id"] == "").all()


def test_a_workbook_imports_exactly_as_the_csv_does(tmp_path, csv_export, lines):
    workbook = export.write_export_xlsx(tmp_path / "orders.xlsx", lines)
    from_csv = load_order_lines(csv_export, export.COLUMNS, FORMAT, RULES)
    from_xlsx = load_order_lines(workbook, export.COLUMNS, FORMAT, RULES)
    assert sorted(from_xlsx.catalog["id"]) == sorted(export.PRODUCTS)      # 21001, not 21001.0
    pd.testing.assert_frame_equal(from_xlsx.catalog.sort_values("id").reset_index(drop=True),
                                  from_csv.catalog.sort_values("id").reset_index(drop=True))
    pd.testing.assert_frame_equal(from_xlsx.interactions, from_csv.interactions, check_dtype=False)
    assert _reasons(from_xlsx) == _reasons(from_csv)


@pytest.mark.parametrize("columns,problem", [
    ({**export.COLUMNS, "basket_id": "Invoice"}, r"names \['Invoice'\] \(for \['basket_id'\]\), not in the file"),
    ({**export.COLUMNS, "invoice": "InvoiceNo"}, r"maps \['invoice'\], which Cartwise does not use"),
    ({k: v for k, v in export.COLUMNS.items() if k != "price"}, r"missing required column\(s\) \['price'\]"),
])
def test_a_wrong_column_mapping_names_the_column(csv_export, columns, problem):
    with pytest.raises(DataError, match=problem):
        load_order_lines(csv_export, columns, FORMAT, RULES)


def test_the_evaluation_reads_the_shops_own_export(tmp_path, csv_export, monkeypatch):
    """`make evaluate DATASET=shop`: the order histories of whatever cartwise.yml points at."""
    from recommender.evaluation.__main__ import load

    config = tmp_path / "cartwise.yml"
    config.write_text(f"""recommender:
  source: generic
  generic: {{order_lines: {csv_export}, columns: {json.dumps(export.COLUMNS)}, timestamp_format: '{FORMAT}',
            not_products: '{export.NOT_PRODUCTS}', cancelled_baskets: '{export.CANCELLED}'}}
""")
    monkeypatch.setenv("CARTWISE_CONFIG", str(config))
    histories, texts = load("shop", tmp_path)
    assert len(texts) == len(histories.items) == len(export.PRODUCTS)
    assert histories.orders["user_id"].nunique() == 40   # the customers; guests' invoices name no one
    assert not histories.orders["basket_id"].str.startswith("C").any()


def test_the_build_reads_the_export_from_cartwise_yml(tmp_path, lines):
    """README's walkthrough: a British shop's workbook, and only cartwise.yml changes (currency,
    the mapping, the date format and the two line rules)."""
    workbook = export.write_export_xlsx(tmp_path / "orders.xlsx", lines)
    config = tmp_path / "cartwise.yml"
    config.write_text(f"""currency: GBP
recommender:
  source: generic
  generic:
    order_lines: {workbook}
    columns: {json.dumps(export.COLUMNS)}
    timestamp_format: '{FORMAT}'
    not_products: '{export.NOT_PRODUCTS}'
    cancelled_baskets: '{export.CANCELLED}'
  models_dir: {tmp_path / 'models'}
  coupons_file: {DEMO_COUPONS}
  state_db: {tmp_path / 'recommender.db'}
""")
    settings = load_settings(config)
    manifest = build(settings)
    assert manifest["items"] == len(export.PRODUCTS)
    imported = manifest["import"]
    assert imported["rejected_by_reason"]["order lines: cancelled order (basket id matches cancelled_baskets)"] > 0
    assert sum(imported["rejected_by_reason"].values()) == imported["rejected"]
    assert imported["product_fields"]["price"] == "the latest line's unit price"
    rejects = pd.read_csv(imported["rejects_file"], dtype=str)
    assert {"POST", "M"} <= set(rejects["product_id"])
    fields = pd.read_csv(imported["product_fields"]["listed_in"], dtype=str)
    assert set(fields["product_id"]) == {export.PRICE_RISE[0], "21001"}
    # the shop's currency: "under 5 pounds" is a price; the demo's dollar coupons are not offered
    engine = Recommender.load(settings)
    found = engine.search("cushion under 5 pounds", SearchFilters(), k=5)
    assert found.filters.max_price == 5.0 and found.items
    assert engine.product(found.items[0][0])["title"] == "CUSHION INNER 45CM"
    assert all(engine.product(row)["price"] <= 5.0 for row, _ in found.items)
    assert "WELCOME5" not in engine.coupons
    # no category column: every product gets an inferred type, listed for the owner ...
    types = manifest["product_types"]
    assert types["inferred"] and types["types"] >= 2
    listed = pd.read_csv(types["listed_in"], dtype=str)
    assert len(listed) == len(export.PRODUCTS) and listed["category"].notna().all()
    # ... who corrects some in a file of their own: the next build takes them
    fixes = tmp_path / "types.csv"
    fixes.write_text("id,category\n22010,Candles\n22011,Candles\nNOPE,Candles\n")
    variant = dataclasses.replace(settings, generic_product_types=fixes)
    rebuilt = build(variant)
    assert rebuilt["input_fingerprint"] != manifest["input_fingerprint"]   # a changed input: not skipped
    assert rebuilt["product_types"]["corrected"] == 2 and rebuilt["product_types"]["corrections_not_in_catalog"] == 1
    catalog = pd.read_parquet(settings.models_dir / "catalog.parquet").set_index("id")
    assert catalog.loc[["22010", "22011"], "category"].tolist() == ["Candles", "Candles"]
    assert catalog.loc["21003", "category"] == listed.set_index("id").loc["21003", "category"]
    # a changed reading setting is a changed input too
    assert build(dataclasses.replace(settings, generic_not_products="(POST)$"))["input_fingerprint"] != \
        rebuilt["input_fingerprint"]
