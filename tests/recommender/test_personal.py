"""Signed-in shoppers: their own history in the service, as the evaluation scores it.

The fixture shop gives each of its 40 shoppers habits (half of their baskets are one planted
pattern, most hold their favourite product), so "buy it again" has a known answer and history has
something to add to the blend.
"""
import csv
import json
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recommender import artefacts
from recommender.build import build
from recommender.engine import Recommender
from recommender.evaluation.completion import COLLABORATIVE_SHARES
from recommender.evaluation.splits import ranked_lines, shopper_histories
from recommender.history import buy_again_lists
from tests.fixture_shop import PATTERNS, favourite
from tests.processes import SERVICE_TOKEN
from tests.recommender.test_service import call, post


def baskets_with(shop, shopper: str) -> Counter:
    """How many of this shopper's baskets held each product, read from the shop's own CSV."""
    with open(shop[1].generic_interactions) as fh:
        lines = {(row["basket_id"], row["product_id"]) for row in csv.DictReader(fh) if row["user_id"] == shopper}
    return Counter(product for _, product in lines)


def test_buy_again_lists_the_shoppers_habit_with_true_counts(service, shop):
    status, body = post(service, "/buy-again", {"shopper_id": "u3", "k": 5})
    assert status == 200 and body["known"] is True
    counts = baskets_with(shop, "u3")
    ids = [item["id"] for item in body["items"]]
    assert len(ids) == 5 and {*PATTERNS[3], favourite(3)} == set(ids[:4])   # coffee, filters, creamer; diapers
    for item in body["items"]:
        assert item["times_bought"] == counts[item["id"]] and item["reason_kind"] == "buy_again"
        assert item["reason"] == f"You've bought this {counts[item['id']]} times"


def test_buy_again_is_the_evaluations_buy_again(service, shop):
    """One code path: every shopper's list over HTTP is the evaluation's buy-again ranking."""
    settings = shop[1]
    manifest = artefacts.read_manifest(settings.models_dir)
    catalog = pd.read_parquet(settings.models_dir / artefacts.CATALOG, columns=["id"])
    position = {pid: i for i, pid in enumerate(catalog["id"])}
    interactions = pd.read_csv(settings.generic_interactions, dtype=str).assign(
        timestamp=lambda f: pd.to_datetime(f["timestamp"]))
    histories = shopper_histories(ranked_lines(interactions, position), position, manifest["personal"]["decay"])
    ids, w = catalog["id"].to_numpy(), histories.weights
    weights = sp.csr_matrix((w.data, w.indices, w.indptr), shape=(len(histories), len(ids)))
    for shopper, expected in zip(histories.shoppers, buy_again_lists(weights, 10)):
        status, body = post(service, "/buy-again", {"shopper_id": shopper, "k": 10})
        assert status == 200 and [item["id"] for item in body["items"]] == list(ids[expected]), shopper


def test_buy_again_leaves_out_the_cart_and_knows_no_guest(service):
    status, body = post(service, "/buy-again", {"shopper_id": "u3", "k": 5})
    top = body["items"][0]["id"]
    status, body = post(service, "/buy-again", {"shopper_id": "u3", "k": 5, "cart": [{"id": top}]})
    assert status == 200 and top not in [item["id"] for item in body["items"]]
    for stranger in ("u999", "guest:u3", "U3"):
        status, body = post(service, "/buy-again", {"shopper_id": stranger, "k": 5})
        assert status == 200 and body == {"known": False, "history_off": False, "items": []}


def test_buy_again_refuses_bad_requests(service):
    for bad, code in (({"k": 5}, 400), ({"shopper_id": "", "k": 5}, 400), ({"shopper_id": "u3", "k": 0}, 400),
                      ({"shopper_id": 3}, 400), ({"shopper_id": "u3", "k": 500}, 422),
                      ({"shopper_id": "u3", "cart": [{"id": "x"}] * 201}, 422)):
        status, body = post(service, "/buy-again", bad)
        assert status == code and body["error"], bad


def test_a_signed_in_cart_gets_the_shoppers_own_habits(service):
    cart = [{"id": "pasta-1"}]
    status, guest = post(service, "/complete-cart", {"cart": cart, "k": 5})
    assert status == 200 and guest["personal"] is False and guest["weights"]["buy_again"] == 0
    status, mine = post(service, "/complete-cart", {"cart": cart, "k": 5, "shopper_id": "u3"})
    assert status == 200 and mine["personal"] is True and mine["weights"]["buy_again"] > 0
    habits = [item for item in mine["items"] if item["reason_kind"] == "buy_again"]
    assert favourite(3) in {item["id"] for item in habits} <= {*PATTERNS[3], favourite(3)}
    assert all(item["reason"].startswith("You've bought this") for item in habits)
    assert not any(item["reason_kind"] == "buy_again" for item in guest["items"])
    assert all(item["scores"]["collaborative"] == 0 for item in guest["items"])
    status, turn = post(service, "/cart", {"cart": cart, "k": 5, "shopper_id": "u3", "deals": False})
    assert status == 200 and turn["personal"] is True
    assert [s["id"] for s in turn["suggestions"]] == [item["id"] for item in mine["items"]]


def test_the_build_check_measures_signed_in_against_guest(shop):
    manifest = artefacts.read_manifest(shop[1].models_dir)
    check = manifest["metrics"]["personal"]
    assert check["cases"] > 20 and check["weights"] == manifest["personal"]["weights"]
    # HitRate@10 is near 1 for anyone in a 27-product shop; the rank of the hidden item tells them apart.
    assert check["signed_in"]["hit_rate"] >= check["guest"]["hit_rate"]
    assert check["signed_in"]["mrr"] > check["guest"]["mrr"]
    assert manifest["personal"]["shoppers"] == 40 and 0 < manifest["personal"]["weights"]["buy_again"] < 1
    # What goes with the shopper's usuals got its share chosen on the same validation baskets.
    assert check["collaborative_share"] in COLLABORATIVE_SHARES
    assert manifest["personal"]["weights"]["collaborative"] == check["collaborative_share"]
    assert set(map(float, check["validation_best_hit_rate_by_collaborative_share"])) == set(COLLABORATIVE_SHARES)


def test_what_goes_with_a_shoppers_usuals_is_scored_from_their_history(shop):
    """The collaborative component alone: the top suggestion is the product with the largest
    history-weighted co-purchase sum, computed here from the dense table."""
    engine = Recommender.load(shop[1])
    engine.personal_weights = replace(engine.personal_weights, cooccurrence=0, content=0, popularity=0, buy_again=0,
                                      collaborative=1, complements_first=0)
    items, weights, _ = engine.history("u3")
    sim = engine.art.similarity
    dense = sp.csr_matrix((np.asarray(sim.data), np.asarray(sim.indices), sim.indptr), shape=(len(engine.ids),) * 2)
    expected = np.asarray(dense[items].T @ weights).ravel()
    cart = [engine.position["pasta-1"]]
    expected[cart] = -1
    expected[~engine.available] = -1
    found = engine.suggest_for(cart, 5, "u3")
    top = found.suggestions[0]
    assert found.personal and top.position == int(np.argmax(expected)) and top.reason == "goes_with_usual"
    assert top.because_of in items.tolist()
    usual = engine.titles[top.because_of].split(",")[0].lower()
    assert found.reasons[0] == f"Goes with the {usual} you often buy"


def authorised(service, path, body, token=SERVICE_TOKEN):
    request = urllib.request.Request(service + path, json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def record(service, body, token=SERVICE_TOKEN):
    if token is None:
        status, payload = call(service, "/baskets", body)
        return status, json.loads(payload)
    return authorised(service, "/baskets", body, token)


def test_a_checkout_counts_at_once_and_the_next_build_folds_it_in(service, shop, tmp_path):
    before = baskets_with(shop, "u5")
    basket = {"shopper_id": "u5", "basket_id": "order-90001", "product_ids": ["wine-1", "parm-1", "wine-1"]}
    assert record(service, basket, token=None)[0] == 401
    assert record(service, basket, token="wrong")[0] == 401
    assert record(service, {**basket, "product_ids": ["no-such"]})[0] == 422
    assert record(service, basket) == (200, {"recorded": True})
    assert record(service, basket) == (200, {"recorded": False})   # a retried checkout counts once
    status, body = post(service, "/buy-again", {"shopper_id": "u5", "k": 26})
    times = {item["id"]: item["times_bought"] for item in body["items"]}
    assert times["wine-1"] == before["wine-1"] + 1 and times["parm-1"] == before["parm-1"] + 1
    first = {"shopper_id": "brand-new", "basket_id": "order-90002", "product_ids": ["milk-1"]}
    assert record(service, first)[0] == 200
    status, body = post(service, "/buy-again", {"shopper_id": "brand-new", "k": 5})
    assert body["known"] and [(i["id"], i["reason"]) for i in body["items"]] == [
        ("milk-1", "You've bought this before")]

    # The next build reads the same checkouts: its history is what the service showed.
    rebuilt = replace(shop[1], models_dir=tmp_path / "models")
    manifest = build(rebuilt)
    assert manifest["recent_baskets"] == {"baskets": 2, "up_to_seq": 3}
    engine = Recommender.load(rebuilt)
    for shopper, k in (("u5", 26), ("brand-new", 5)):
        served = post(service, "/buy-again", {"shopper_id": shopper, "k": k})[1]["items"]
        listed = [(i["id"], i["times_bought"]) for i in served]
        folded = [(engine.ids[b.row], b.times) for b in engine.buy_again(shopper, k)]
        assert folded == listed, shopper


def test_a_shopper_can_stop_and_restart_the_use_of_their_history(service):
    status, about = post(service, "/shoppers/about", {"shopper_id": "u12"})
    assert status == 200 and about["history"] == "on" and about["known"] and about["products"] > 3
    stop = {"shopper_id": "u12", "use": False}
    assert authorised(service, "/shoppers/history", stop, token="wrong")[0] == 401
    assert authorised(service, "/shoppers/history", stop) == (200, {"use_history": False})
    cart = {"cart": [{"id": "pasta-1"}], "k": 5}
    assert post(service, "/complete-cart", {**cart, "shopper_id": "u12"})[1]["personal"] is False
    assert post(service, "/buy-again", {"shopper_id": "u12", "k": 5})[1] == {"known": False, "history_off": True,
                                                                             "items": []}
    assert post(service, "/shoppers/about", {"shopper_id": "u12"})[1]["history"] == "off"
    assert authorised(service, "/shoppers/history", {"shopper_id": "u12", "use": True}) == (200, {"use_history": True})
    assert post(service, "/complete-cart", {**cart, "shopper_id": "u12"})[1]["personal"] is True


def test_a_forgotten_shopper_is_a_guest_for_good_and_the_next_build_writes_no_history(service, shop, tmp_path):
    basket = {"shopper_id": "u13", "basket_id": "order-90100", "product_ids": ["milk-1"]}
    assert authorised(service, "/baskets", basket)[0] == 200
    assert authorised(service, "/shoppers/forget", {"shopper_id": "u13"}) == (
        200, {"baskets_removed": 1, "use_history": False})
    assert post(service, "/shoppers/about", {"shopper_id": "u13"})[1] == {
        "history": "forgotten", "known": False, "products": 0, "purchases": 0, "baskets_since_build": 0}
    assert post(service, "/buy-again", {"shopper_id": "u13", "k": 5})[1]["items"] == []
    assert authorised(service, "/shoppers/history", {"shopper_id": "u13", "use": True})[0] == 409   # stays forgotten
    rebuilt = replace(shop[1], models_dir=tmp_path / "models")
    build(rebuilt)
    histories = artefacts.read(rebuilt.models_dir, rebuilt.index).histories
    assert "u13" not in histories and "u12" in histories
