"""The basket side of the build beyond one full local build: a day's new baskets folded into the last
build give what a full build on all the baskets gives (anything that cannot be folded in exactly
makes a full build instead), and the build on a Dask cluster writes what the local build writes."""
import dataclasses
import json
import shutil

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

from recommender import artefacts, distributed
from recommender.build import build, shopper_state, with_recent
from recommender.catalog import DataError, ImportReport, key_ranges
from recommender.config import BuildEngine
from recommender.evaluation.splits import (
    check_sample,
    histories_by_parts,
    ranked_lines,
    shopper_histories,
)
from recommender.importers import load_dataset
from recommender.shopper_state import ShopperState
from tests.fixture_shop import write_shop


@pytest.fixture
def daily_shop(shop, tmp_path):
    """The fixture shop with its basket lines in a folder of daily files, the last tenth of the
    baskets held back as `later` (a DataFrame) to be added as a new day."""
    catalog, interactions = write_shop(tmp_path / "data")
    lines = pd.read_csv(interactions, dtype=str)
    interactions.unlink()
    days = tmp_path / "data" / "orders"
    days.mkdir()
    number = lines["basket_id"].str[1:].astype(int)
    lines[number < 540].to_csv(days / "2026-01-01.csv", index=False)
    models = tmp_path / "models"
    models.mkdir()
    for name in (artefacts.CATALOG, artefacts.EMBEDDINGS, artefacts.MANIFEST):   # reuse the fixture's vectors
        shutil.copy(shop[1].models_dir / name, models / name)
    shutil.copytree(shop[1].models_dir / artefacts.ENCODER, models / artefacts.ENCODER)
    settings = dataclasses.replace(shop[1], generic_catalog=catalog, generic_interactions=days, models_dir=models,
                                   state_db=tmp_path / "state.db")
    return settings, days, lines[number >= 540]


def served(settings):
    """What the service would load: the co-purchase table dense, popularity, and each shopper's
    (items, weights, counts) with items in catalog order."""
    art = artefacts.read(settings.models_dir, settings.index)
    n = len(art.catalog)
    dense = np.zeros((n, n), np.float32)
    for row in range(n):
        cols, values = art.similarity.row(row)
        dense[row, cols] = values
    return dense, np.asarray(art.popularity), by_shopper(art.histories)


def by_shopper(histories):
    rows = {}
    for shopper in histories.shoppers:
        items, weights, counts = histories.row(shopper)
        order = np.argsort(items)
        rows[shopper] = (items[order], weights[order], counts[order])
    return rows


def rebuilt_histories(settings, decay):
    """Every shopper's history as a full build makes it from all the lines, with this decay (a full
    build chooses the decay anew, so the fold's must be given)."""
    catalog = load_dataset(settings).catalog
    positions = {pid: i for i, pid in enumerate(catalog["id"])}
    lines = with_recent(load_dataset(settings).interactions, shopper_state(settings)[0], catalog["id"])
    return by_shopper(shopper_histories(ranked_lines(lines, positions), positions, decay))


def assert_same_histories(folded, full):
    assert folded.keys() == full.keys()
    for shopper, (items, weights, counts) in full.items():
        assert np.array_equal(folded[shopper][0], items)
        np.testing.assert_allclose(folded[shopper][1], weights, rtol=1e-5)
        assert np.array_equal(folded[shopper][2], counts)


def test_a_new_days_baskets_and_checkouts_are_folded_in_as_a_full_build_would_make_them(daily_shop, tmp_path):
    settings, days, later = daily_shop
    first = build(settings)
    assert first["full_build"]["because"].startswith("the last build kept no basket state")
    assert first["increments"] == [] and first["baskets"] == 540

    later.to_csv(days / "2026-01-24.csv", index=False)
    ShopperState(settings.state_db).add("u3", "web-1", ["chips-1", "salsa-2"])   # a checkout since
    folded = build(settings)
    step = folded["increments"][-1]
    assert step["files"] == [str(days / "2026-01-24.csv")] and step["checkouts"] == 1
    assert step["baskets"] == 61 and step["lines"] == len(later) + 2 and step["rejected"] == 0
    assert folded["full_build"] == first["full_build"]
    assert json.dumps(folded["metrics"]) == json.dumps(first["metrics"])   # NaN where a figure is undefined
    assert folded["baskets"] == 601 and folded["recent_baskets"]["up_to_seq"] == 2
    assert folded["personal"]["decay"] == first["personal"]["decay"]
    assert build(settings)["built_at"] == folded["built_at"]   # nothing new: nothing to do

    table, popularity, histories = served(settings)
    assert_same_histories(histories, rebuilt_histories(settings, folded["personal"]["decay"]))
    full_settings = dataclasses.replace(settings, models_dir=tmp_path / "full")
    shutil.copytree(settings.models_dir, full_settings.models_dir)
    full = build(full_settings, force=True)
    assert full["increments"] == [] and full["baskets"] == 601
    assert full["cooccurrence_model"] == folded["cooccurrence_model"]
    full_table, full_popularity, _ = served(full_settings)
    np.testing.assert_allclose(table, full_table, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(popularity, full_popularity, rtol=1e-6)


def test_what_cannot_be_folded_in_exactly_is_reported_or_rebuilt(daily_shop):
    settings, days, later = daily_shop
    build(settings)
    again = later.copy()
    again.loc[again.index[:2], "basket_id"] = "b17"   # a basket built yesterday: its pairs would be half counted
    again.to_csv(days / "2026-01-24.csv", index=False)
    step = build(settings)["increments"][-1]
    assert step["rejected"] == 2
    assert step["rejected_by_reason"] == {"interactions: basket already built (the next full build reads it)": 2}

    histories = served(settings)[2]
    guests = pd.DataFrame({"basket_id": ["g1", "g1"], "user_id": ["", ""], "product_id": ["milk-1", "cereal-1"],
                           "timestamp": ["2026-02-01T00:00:00"] * 2, "quantity": ["1", "1"]})
    guests.to_csv(days / "2026-01-24b.csv", index=False)   # a guest's basket: co-purchase learns, no history moves
    step = build(settings)["increments"][-1]
    assert step["baskets"] == 1 and step["lines"] == 2
    assert_same_histories(served(settings)[2], histories)

    early = pd.DataFrame({"basket_id": ["late-b"], "user_id": ["u1"], "product_id": ["milk-1"],
                          "timestamp": ["2026-01-02T00:00:00"], "quantity": ["1"]})
    early.to_csv(days / "2026-01-25.csv", index=False)   # dated before u1's later baskets
    manifest = build(settings)
    assert manifest["increments"] == []
    assert "not later than their shopper's built ones (e.g. basket late-b of shopper u1" in \
        manifest["full_build"]["because"]

    (days / "2026-01-01.csv").write_text((days / "2026-01-01.csv").read_text() + "b9999,u1,milk-1,2026-03-01,1\n")
    manifest = build(settings)
    assert manifest["increments"] == []
    assert manifest["full_build"]["because"].startswith("1 interaction file(s) built before changed")


def test_the_build_on_a_dask_cluster_writes_what_the_local_build_writes(daily_shop, tmp_path):
    """Two worker processes on loopback, the files read and validated by them, lines shuffled by
    basket and by shopper: the same table, popularity, histories, state and import report."""
    settings, days, later = daily_shop
    later.to_csv(days / "2026-01-24.csv", index=False)
    (days / "2026-01-25.csv").write_text("basket_id,user_id,product_id,timestamp,quantity\n"
                                         "b9000,u1,no-such-product,2026-02-01T00:00:00,1\n"
                                         "b9001,u2,milk-1,2026-02-01T00:00:00,0\n")
    ShopperState(settings.state_db).add("u3", "web-1", ["chips-1", "salsa-2"])
    local = build(settings)
    on_dask = dataclasses.replace(settings, models_dir=tmp_path / "dask",
                                  build=dataclasses.replace(settings.build, engine="dask", workers=2))
    shutil.copytree(settings.models_dir, on_dask.models_dir)
    manifest = build(on_dask, force=True)
    assert manifest["build_engine"] == {"engine": "dask", "scheduler": "local cluster", "workers": 2,
                                        "quality_check_lines": local["interactions"]}
    for key in ("items", "baskets", "interactions", "cooccurrence_model", "cooccurrence_pairs", "recent_baskets"):
        assert manifest[key] == local[key], key
    assert manifest["import"]["rejected_by_reason"] == local["import"]["rejected_by_reason"] == {
        "interactions: product_id not in the catalog": 1, "interactions: quantity not a positive number": 1}
    assert manifest["import"]["rows_read"] == local["import"]["rows_read"]
    assert json.dumps(manifest["metrics"]) == json.dumps(local["metrics"])
    assert manifest["personal"] == local["personal"]

    table, popularity, histories = served(settings)
    dask_table, dask_popularity, dask_histories = served(on_dask)
    np.testing.assert_allclose(dask_table, table, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dask_popularity, popularity, rtol=1e-6)
    assert_same_histories(dask_histories, histories)
    n = len(artefacts.read(settings.models_dir, settings.index).catalog)
    mine, theirs = artefacts.read_state(settings.models_dir, n), artefacts.read_state(on_dask.models_dir, n)
    assert (mine.co != theirs.co).nnz == 0
    assert sorted(mine.baskets) == sorted(theirs.baskets)
    same_unit = [state.latest.sort_index().astype("datetime64[ns]") for state in (mine, theirs)]
    pd.testing.assert_series_equal(*same_unit, check_index_type=False)


def test_a_shop_with_more_lines_than_the_check_reads_is_checked_on_whole_shoppers_drawn_alike(daily_shop):
    """Beyond build.check_lines, the quality check reads a hash-drawn share of the shoppers, each
    with every line (a guest's basket counts as a shopper); the Dask build draws the same ones from
    its partitions, and the table and histories still come from every line."""
    settings, days, _ = daily_shop
    guests = pd.read_csv(days / "2026-01-01.csv", dtype=str).head(300)
    guests.assign(user_id="", basket_id="g" + guests["basket_id"]).to_csv(days / "2026-01-02.csv", index=False)
    lines = load_dataset(settings).interactions
    limit = len(lines) // 3
    sample = check_sample(lines, limit)
    assert check_sample(lines, len(lines)) is lines
    assert 0.5 * limit < len(sample) < 1.5 * limit
    lines, sample = lines.astype({"user_id": str, "basket_id": str}), sample.astype({"user_id": str, "basket_id": str})
    who = lines["user_id"].where(lines["user_id"].ne(""), lines["basket_id"])
    drawn = set(sample["user_id"].where(sample["user_id"].ne(""), sample["basket_id"]))
    assert len(lines[who.isin(drawn)]) == len(sample)
    assert sample["user_id"].eq("").any() and sample["user_id"].ne("").any()

    parts = distributed.Lines(dd.from_pandas(lines, npartitions=4), len(lines), ImportReport(source="test"))
    pd.testing.assert_frame_equal(distributed.sample(parts, limit), sample, check_dtype=False)

    manifest = build(dataclasses.replace(settings, build=dataclasses.replace(settings.build, check_lines=limit)),
                     force=True)
    assert manifest["build_engine"] == {"engine": "local", "quality_check_lines": len(sample)}
    assert manifest["interactions"] == len(lines)
    served_to = artefacts.read(settings.models_dir, settings.index).histories.shoppers
    assert set(served_to) == set(lines.loc[lines["user_id"].ne(""), "user_id"]) > set(sample["user_id"]) - {""}


def test_histories_made_a_group_of_shoppers_at_a_time_are_the_histories_made_at_once(daily_shop):
    settings, _, _ = daily_shop
    dataset = load_dataset(settings)
    positions = {pid: i for i, pid in enumerate(dataset.catalog["id"])}
    lines = dataset.interactions
    whole = shopper_histories(ranked_lines(lines, positions), positions, 0.8)
    forgotten = {whole.shoppers[0]}
    in_parts = histories_by_parts(lines, positions, 0.8, parts=3, forgotten=forgotten)
    assert in_parts.shoppers == whole.shoppers[1:] and in_parts.decay == 0.8
    assert_same_histories(by_shopper(in_parts), {s: r for s, r in by_shopper(whole).items() if s not in forgotten})

    build(settings)   # and through the build: three groups of shoppers serve what one would
    at_once = by_shopper(artefacts.read(settings.models_dir, settings.index).histories)
    build(dataclasses.replace(settings, build=dataclasses.replace(settings.build, part_lines=len(lines) // 3)),
          force=True)
    assert_same_histories(by_shopper(artefacts.read(settings.models_dir, settings.index).histories), at_once)


def test_key_ranges_cover_every_key_once_and_share_the_lines():
    rng = np.random.default_rng(0)
    keys = np.r_[rng.integers(0, 1000, 100_000), np.full(5_000, 7), np.full(300, -1)]   # -1: no shopper
    ranges = key_ranges(keys, 4)
    assert ranges[0][0] == 0 and ranges[-1][1] == keys.max() + 1
    assert all(high == low for (_, high), (low, _) in zip(ranges, ranges[1:]))   # contiguous, none split
    per_range = [int(((keys >= low) & (keys < high)).sum()) for low, high in ranges]
    assert len(ranges) == 4 and sum(per_range) == 105_000 and max(per_range) < 1.1 * 105_000 / 4
    assert key_ranges(np.array([3, 3, 3]), 5) == [(0, 4)]     # one shopper: one range, however many parts
    assert key_ranges(np.array([], dtype=np.int64), 3) == [(0, 0)]


def test_a_scheduler_that_cannot_be_reached_is_named(daily_shop):
    settings, _, _ = daily_shop
    unreachable = dataclasses.replace(settings, build=BuildEngine(engine="dask", scheduler="tcp://127.0.0.1:9",
                                                                  connect_timeout_s=1))
    with pytest.raises(DataError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        build(unreachable, force=True)
