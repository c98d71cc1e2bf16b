import tracemalloc

import pandas as pd
import pytest

from recommender.catalog import ID_COLUMNS, DataError, as_strings, compact_lines, join_lines, positions_in
from recommender.importers.completejourney import (
    catalog_from_frames,
    clean_label,
    coupon_values,
    coupons_from_frames,
    covered,
    merge_twins,
)
from recommender.importers.generic import load_generic
from recommender.importers.tables import read_table
from tests.fixture_shop import write_shop


def test_fixture_shop_imports_cleanly(tmp_path):
    dataset = load_generic(*write_shop(tmp_path))
    assert dataset.report.rejected_count == 0
    assert len(dataset.catalog) == 27 and dataset.catalog["id"].is_unique
    assert dataset.interactions["product_id"].isin(dataset.catalog["id"]).all()


def test_bad_rows_are_rejected_with_reasons_and_good_rows_kept(tmp_path):
    (tmp_path / "c.csv").write_text(
        "id,title,price,stock\n"
        "p1,Salsa,2.99,5\n"
        ",No id,1.00,1\n"
        "p2,,1.00,1\n"
        "p3,Bad price,abc,1\n"
        "p4,Negative,-1,1\n"
        "p1,Duplicate,3.00,1\n"
        "p5,Bad stock,1.00,many\n"
        "007,Leading zeros,1.50,\n")
    (tmp_path / "i.csv").write_text(
        "basket_id,product_id,quantity\n"
        "b1,p1,2\nb1,007,\nb2,ghost,1\n,p1,1\nb3,p1,0\n")
    dataset = load_generic(tmp_path / "c.csv", tmp_path / "i.csv")
    assert list(dataset.catalog["id"]) == ["p1", "007"]           # ids stay text: no lost zeros
    assert dataset.catalog.loc[1, "stock"] == -1                  # unknown stock is explicit
    reasons = pd.concat(dataset.report.rejected).groupby("table")["reject_reason"].apply(list).to_dict()
    assert sorted(reasons["catalog"]) == sorted([
        "missing id", "missing title", "price missing, not a number or negative",
        "price missing, not a number or negative", "duplicate id (first one kept)",
        "stock not a non-negative number"])
    assert sorted(reasons["interactions"]) == sorted([
        "product_id not in the catalog", "missing basket_id", "quantity not a positive number"])
    assert len(dataset.interactions) == 2 and dataset.interactions["quantity"].tolist() == [2, 1]


def _shop_with_timestamps(folder, stamps):
    (folder / "c.csv").write_text("id,title,price\np1,Salsa,2.99\np2,Chips,1.99\n")
    rows = "".join(f"b{i},p{1 + i % 2},{stamp}\n" for i, stamp in enumerate(stamps))
    (folder / "i.csv").write_text("basket_id,product_id,timestamp\n" + rows)
    return folder / "c.csv", folder / "i.csv"


def test_day_first_dates_are_never_guessed(tmp_path):
    """"01/02/2011" is February in a British export and January in an American one."""
    catalog, lines = _shop_with_timestamps(tmp_path, ["01/12/2010 08:26", "13/01/2011 09:00", "2011-01-14 10:00"])
    with pytest.raises(DataError, match=r"2 of 3 timestamps are not ISO 8601 \(first: '01/12/2010 08:26'; "
                       r"'%d/%m/%Y %H:%M' reads 2; '%m/%d/%Y %H:%M' reads 1\)"):
        load_generic(catalog, lines)
    dataset = load_generic(catalog, lines, timestamp_format="%d/%m/%Y %H:%M")
    assert [str(t.date()) for t in dataset.interactions["timestamp"]] == ["2010-12-01", "2011-01-13"]
    reasons = pd.concat(dataset.report.rejected)["reject_reason"].tolist()
    assert reasons == ["timestamp does not match %d/%m/%Y %H:%M"]   # the ISO line, said, not silently kept


def test_iso_timestamps_and_missing_ones_need_no_format(tmp_path):
    catalog, lines = _shop_with_timestamps(tmp_path, ["2011-01-14 10:00", "2011-01-14T11:30:00", ""])
    dataset = load_generic(catalog, lines)
    assert dataset.interactions["timestamp"].notna().tolist() == [True, True, False]


def test_a_folder_of_files_is_validated_file_by_file_and_counted_whole(tmp_path):
    catalog, _ = _shop_with_timestamps(tmp_path, [])
    folder = tmp_path / "orders"
    folder.mkdir()
    (folder / "day1.csv").write_text("basket_id,product_id,timestamp\nb1,p1,2011-01-14\nb1,ghost,2011-01-14\n")
    (folder / "day2.csv").write_text("basket_id,product_id,timestamp\nb2,p2,2011-01-15\n,p1,2011-01-15\n"
                                     "b3,p1,2011-01-16\n")
    dataset = load_generic(catalog, folder)
    assert dataset.interactions["basket_id"].tolist() == ["b1", "b2", "b3"]
    assert dataset.report.rows_read["interactions"] == 5 and dataset.report.rows_kept["interactions"] == 3
    assert sorted(pd.concat(dataset.report.rejected)["reject_reason"]) == ["missing basket_id",
                                                                          "product_id not in the catalog"]
    # Each file's ids became categories, and the files' differing categories were joined as such.
    assert all(isinstance(dataset.interactions[c].dtype, pd.CategoricalDtype) for c in ID_COLUMNS)
    assert dataset.interactions["product_id"].tolist() == ["p1", "p2", "p1"]
    (folder / "day3.csv").write_text("basket_id,product_id,timestamp\nb4,p1,01/12/2010 08:26\n")
    with pytest.raises(DataError, match=r"^day3\.csv: interactions: 1 of 1 timestamps are not ISO 8601"):
        load_generic(catalog, folder)


def test_missing_required_column_is_a_clear_error(tmp_path):
    (tmp_path / "c.csv").write_text("id,name\n1,Salsa\n")
    (tmp_path / "i.csv").write_text("basket_id,product_id\n")
    with pytest.raises(DataError, match=r"catalog: missing required column\(s\) \['title', 'price'\]"):
        load_generic(tmp_path / "c.csv", tmp_path / "i.csv")


@pytest.mark.parametrize("name,content,problem", [
    ("missing.csv", None, "file not found"),
    ("catalog.json", "x", "unsupported file type"),
    ("catalog.xlsx", "x", "cannot be read as a workbook"),
    ("broken.parquet", "not parquet", "cannot be read"),
])
def test_unreadable_files_are_clear_errors(tmp_path, name, content, problem):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(DataError, match=problem):
        read_table(path)


def test_parquet_is_accepted(tmp_path):
    catalog, interactions = write_shop(tmp_path)
    pd.read_csv(catalog, dtype=str).to_parquet(tmp_path / "c.parquet")
    pd.read_csv(interactions, dtype=str).to_parquet(tmp_path / "i.parquet")
    assert len(load_generic(tmp_path / "c.parquet", tmp_path / "i.parquet").catalog) == 27


def test_complete_journey_labels_become_readable():
    assert clean_label("FRZN ICE - CRUSHED/CUBED") == "Frozen Ice - Crushed/Cubed"
    assert clean_label("MEXICAN SAUCESSALSAPICANTEE") == "Mexican Sauces/Salsa/Picante"
    assert clean_label(None) == ""


def test_complete_journey_catalog_prices_brands_and_twins():
    products = pd.DataFrame({
        "product_id": [1, 2, 3], "manufacturer_id": [69, 69, 5], "department": ["GROCERY"] * 3,
        "brand": ["Private", "Private", "National"], "product_category": ["SNACKS"] * 3,
        "product_type": ["TORTILLA/NACHO CHIPS", "TORTILLA/NACHO CHIPS", "PREMIUM"],
        "package_size": ["13 OZ", "13 OZ", None]})
    tx = pd.DataFrame({
        "product_id": [1, 1, 2, 3], "basket_id": [10, 11, 12, 13], "quantity": [1, 2, 1, 1],
        "sales_value": [2.0, 5.0, 2.5, 4.0], "retail_disc": [0.5, 1.0, 0.0, 0.0],
        "coupon_match_disc": [0.0, 0.0, 0.0, 0.0], "week": [1, 2, 3, 4]})
    catalog = catalog_from_frames(products, tx, min_baskets=1)
    first = catalog.set_index("id").loc["1"]
    assert first["title"] == "Tortilla/Nacho Chips, 13 oz" and first["brand"] == "Store brand"
    assert first["price"] == 2.75                    # median of 2.50 and 3.00 shelf prices
    assert catalog.set_index("id").loc["3", "title"] == "Snacks - Premium"
    fuel = catalog_from_frames(products.assign(product_id=[1, 2, 4]), tx.assign(product_id=[1, 1, 2, 4],
                               quantity=[1, 2, 1, 40_000]), min_baskets=1)
    assert "4" not in set(fuel["id"])               # $4.00 for 40,000 "units": not a shelf price
    kept, mapping = merge_twins(catalog, pd.Series({"1": 2, "2": 1, "3": 1}))
    assert list(kept["id"]) == ["1", "3"] and mapping["2"] == "1"


def test_complete_journey_coupons_take_their_value_from_real_redemptions():
    ts = pd.Timestamp
    coupons = pd.DataFrame({"coupon_upc": [111, 111, 222, 333], "product_id": [1, 2, 1, 9],
                            "campaign_id": [7, 7, 8, 7]})
    campaigns = pd.DataFrame({"campaign_id": [7, 8], "start_date": [ts("2017-03-01"), ts("2017-05-01")],
                              "end_date": [ts("2017-04-01"), ts("2017-06-01")]})
    redemptions = pd.DataFrame({"household_id": [5, 6, 5], "coupon_upc": [111, 111, 333], "campaign_id": [7, 7, 7],
                                "redemption_date": [ts("2017-03-02"), ts("2017-03-05"), ts("2017-03-02")]})
    tx = pd.DataFrame({"household_id": [5, 6, 6, 5], "product_id": [1, 2, 2, 9],
                       "coupon_disc": [0.5, 1.0, 0.0, 0.75],
                       "transaction_timestamp": [ts("2017-03-02 10:00"), ts("2017-03-05 12:00"),
                                                 ts("2017-03-09 12:00"), ts("2017-03-02 11:00")]})
    values = coupon_values(coupons, redemptions, tx)
    assert values.to_dict() == {111: 0.75, 333: 0.75}             # 222 was never redeemed: no known value
    catalog = pd.DataFrame({"id": ["1", "2"], "category": ["Yogurt", "Yogurt"], "brand": ["Brand 7", "Brand 7"]})
    rules = coupons_from_frames(coupons, campaigns, values, {"1": "1", "2": "1"}, catalog, year_shift=9)
    assert rules == [{   # 333 covers only product 9, which is not in the shop
        "code": "CJ111", "description": "$0.75 off Yogurt from Brand 7",
        "discount": {"amount": 0.75}, "applies_to": "matching", "conditions": {"items": {"product_ids": ["1"]}},
        "valid_from": "2026-03-01", "valid_until": "2026-04-01", "max_uses_per_shopper": 1}]


def test_a_coupon_over_many_kinds_says_so_not_only_the_commonest():
    assert covered(["Yogurt"], 1, "Brand 7") == "Yogurt from Brand 7"
    assert covered(["Yogurt"], 12, None) == "Yogurt (12 products)"
    assert covered(["Margarine", "Cheese"], 5, None) == "5 products: Margarine, Cheese"
    assert covered(["Margarine", "Cheese", "Butter", "Milk"], 409, None) == \
        "409 products: Margarine, Cheese and 2 more kinds"


def test_compact_lines_hold_the_same_ids_in_about_a_third_of_the_memory():
    """Ids repeat across lines (a basket's, a shopper's, a product's): as categories a line holds
    int32 codes. Lookups, joins with string lines (the shop's own checkouts) and comparisons agree."""
    n = 30_000
    lines = pd.DataFrame({"basket_id": [f"basket-{i // 10}" for i in range(n)],
                          "user_id": [f"shopper-{i // 200}" if i % 7 else "" for i in range(n)],
                          "product_id": [f"product-{i * 7 % 997}" for i in range(n)],
                          "timestamp": pd.Timestamp("2026-01-01"), "quantity": 1.0}).astype(
        {c: str for c in ID_COLUMNS})
    compact = compact_lines(lines)
    assert compact.memory_usage(deep=True).sum() < 0.4 * lines.memory_usage(deep=True).sum()
    assert compact["quantity"].dtype == "float32"   # the same whole counts in half the bytes
    pd.testing.assert_frame_equal(compact.astype({**{c: str for c in ID_COLUMNS}, "quantity": float}), lines)
    for column in ID_COLUMNS:
        pd.testing.assert_series_equal(as_strings(compact[column]), lines[column])
    positions = {f"product-{k}": k for k in range(0, 997, 2)}
    assert (positions_in(compact["product_id"], positions) == positions_in(lines["product_id"], positions)).all()
    assert (compact["user_id"].eq("") == lines["user_id"].eq("")).all()

    checkout = pd.DataFrame({"basket_id": ["checkout-1"], "user_id": ["new shopper"], "product_id": ["product-3"],
                             "timestamp": pd.Timestamp("2026-02-01"), "quantity": 1.0})
    joined = join_lines([compact, checkout.copy()])   # it takes the parts' columns
    assert all(isinstance(joined[c].dtype, pd.CategoricalDtype) for c in ID_COLUMNS)
    assert joined.astype({c: str for c in ID_COLUMNS}).equals(
        pd.concat([lines, checkout], ignore_index=True).astype({c: str for c in ID_COLUMNS}))


def test_joined_lines_keep_no_python_string_per_id():
    """At 200M lines a build holds 20M basket ids: as a Python string each (an object copy pandas
    makes when it validates categories) they alone took over a gigabyte. The joined lines hold
    numbers in numpy (traced here) and their ids' text in Arrow (not traced)."""
    n = 60_000
    parts = [pd.DataFrame({"basket_id": [f"basket-{part}-{i}" for i in range(n)],
                           "user_id": [f"shopper-{i % 500}" for i in range(n)],
                           "product_id": [f"product-{i % 997}" for i in range(n)],
                           "timestamp": pd.Timestamp("2026-01-01"), "quantity": 1.0})
             .astype({c: str for c in ID_COLUMNS}) for part in range(3)]
    tracemalloc.start()
    try:
        compacted = [compact_lines(p) for p in parts]
        joined = join_lines(compacted)
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(joined) == 3 * n and joined["basket_id"].nunique() == 3 * n
    assert all(part.columns.empty for part in compacted)   # taken column by column, not held twice
    assert held < 40 * len(joined)   # 12 bytes of codes, 16 of time and quantity, a line
