"""The recommender service as a client sees it: real process, real sockets."""
import json
import urllib.error
import urllib.request

import pytest
import yaml

from tests.processes import SERVICE_TOKEN


def call(url, path, body=None, method=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(url + path, data=data, method=method or ("POST" if data is not None else "GET"),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def post(url, path, body=None, raw=None):
    status, payload = call(url, path, body, raw=raw)
    return status, json.loads(payload)


def test_health(service):
    status, payload = call(service, "/health")
    body = json.loads(payload)
    assert status == 200 and body["status"] == "ok" and body["items"] == 27


def test_search_with_stated_price(service):
    status, body = post(service, "/search", {"query": "coffee under $9", "k": 3})
    assert status == 200 and body["filters"]["max_price"] == 9.0 and body["query_text"] == "coffee"
    assert body["items"] and all(item["price"] <= 9 for item in body["items"])
    assert body["items"][0]["image_url"].startswith(service + "/images/")


def test_search_reports_the_constraints_it_read(service):
    status, body = post(service, "/search", {"query": "ground coffee 12 oz", "k": 5})
    assert status == 200 and body["filters"]["size"] == "12 oz"
    assert body["filters"]["categories"] == ["Ground Coffee"]
    assert sorted(item["id"] for item in body["items"]) == ["coffee-1", "coffee-2"]
    status, body = post(service, "/search", {"query": "chips", "k": 5, "filters": {"size": "8 oz"}})
    assert status == 200 and sorted(item["id"] for item in body["items"]) == ["potato-1", "potato-2"]


def test_complete_cart_excludes_cart_with_reasons_and_scores(service):
    status, body = post(service, "/complete-cart", {"cart": [{"id": "chips-1", "qty": 2}, {"id": "salsa-1"}], "k": 4})
    assert status == 200
    ids = [item["id"] for item in body["items"]]
    assert len(ids) == 4 and not {"chips-1", "salsa-1", "gone-1"} & set(ids)
    first = body["items"][0]
    assert first["id"] in {"sour-1", "cheese-1"} and first["reason"].startswith("Often bought with your")
    assert set(first["scores"]) == {"blend", "cooccurrence", "content", "popularity", "buy_again",
                                   "collaborative"}
    assert body["weights"]["cooccurrence"] == 0.65


def test_empty_cart_gets_popular_items(service):
    status, body = post(service, "/complete-cart", {"cart": []})
    assert status == 200 and len(body["items"]) == 5 and body["items"][0]["reason_kind"] == "popular"


def test_coupon_statuses_and_math(service):
    cart = [{"id": "coffee-1", "qty": 2}, {"id": "filter-1", "qty": 1}, {"id": "wine-1", "qty": 1}]  # 33.46
    cases = {"SAVE10": ("valid", 3.35), "COFFEE20": ("valid", 3.60), "FIESTA2": ("not_applicable", 0),
             "OLD25": ("expired", 0), "SOON3": ("not_yet_valid", 0), "BOGUS9": ("unknown", 0)}
    for code, (expected, saving) in cases.items():
        status, body = post(service, "/coupons/validate", {"code": code.lower(), "cart": cart, "shopper_id": "t1"})
        assert status == 200 and (body["status"], body["saving"]) == (expected, saving), code


def test_redeeming_counts_toward_limits(service):
    cart = [{"id": "wine-1", "qty": 3}]
    status, body = post(
        service, "/coupons/redeem", {"code": "SAVE10", "cart": cart, "shopper_id": "s9", "order_id": "o1"}
    )
    assert status == 200 and body["recorded"] is True
    status, body = post(service, "/coupons/validate", {"code": "SAVE10", "cart": cart, "shopper_id": "s9"})
    assert body["status"] == "already_used"
    status, body = post(service, "/coupons/validate", {"code": "SAVE10", "cart": cart, "shopper_id": "other"})
    assert body["status"] == "valid"
    post(service, "/coupons/redeem", {"code": "ONCE1", "cart": cart, "shopper_id": "a"})
    status, body = post(service, "/coupons/redeem", {"code": "ONCE1", "cart": cart, "shopper_id": "b"})
    assert status == 409 and body["error"] == "exhausted"


def test_cart_deals_list_applicable_almost_and_suggestion_codes(service):
    status, body = post(
        service,
        "/cart",
        {"cart": [{"id": "chips-1"}], "shopper_id": "x", "k": 0, "suggestion_ids": ["coffee-2", "sour-1", "ghost"]},
    )
    assert status == 200 and body["suggestions"] == []
    deals = body["deals"]
    assert [c["code"] for c in deals["applicable"]] == ["FIESTA2"]
    assert any(c["code"] == "SAVE10" and c["shortfall"] == 26.51 for c in deals["almost"])
    assert deals["for_suggestions"] == {"coffee-2": ["COFFEE20"]}
    assert set(deals["described"]) == {"COFFEE20"} and deals["described"]["COFFEE20"]


def test_one_call_answers_a_cart_turn(service):
    """Priced lines in the bot's cart shape, unknown ids set aside, suggestions with reasons and the
    codes that apply to each: what /complete-cart and the coupon rules answer, in one call."""
    cart = [{"id": "chips-1", "qty": 2}, {"id": "ghost", "qty": 1}, {"id": "salsa-1"}, {"id": "chips-1"}]
    status, body = post(service, "/cart", {"cart": cart, "k": 4, "shopper_id": "x"})
    assert status == 200
    assert [(line["id"], line["qty"]) for line in body["cart"]["lines"]] == [("chips-1", 3), ("salsa-1", 1)]
    assert set(body["cart"]["lines"][0]) == {"id", "qty", "title", "price"}
    assert body["cart"]["unknown"] == ["ghost"]
    assert body["cart"]["total"] == round(sum(line["price"] * line["qty"] for line in body["cart"]["lines"]), 2)
    _, alone = post(service, "/complete-cart", {"cart": [{"id": "chips-1", "qty": 3}, {"id": "salsa-1"}], "k": 4})
    assert [(s["id"], s["reason"]) for s in body["suggestions"]] == [(s["id"], s["reason"]) for s in alone["items"]]
    for_suggestions = body["deals"]["for_suggestions"]
    assert all(s["coupons"] == for_suggestions.get(s["id"], []) for s in body["suggestions"])
    assert [c["code"] for c in body["deals"]["applicable"]] == ["FIESTA2"]


def test_a_cart_turn_without_deals_or_suggestions_only_prices_the_cart(service):
    status, body = post(service, "/cart", {"cart": [{"id": "milk-1", "qty": 2}], "k": 0, "deals": False})
    assert status == 200 and body["suggestions"] == [] and body["deals"] is None
    assert body["cart"]["lines"][0]["qty"] == 2 and body["cart"]["unknown"] == []


def test_other_sizes_of_a_product_own_type_in_stock_nearest_first(service):
    status, bigger = post(service, "/sizes", {"product_id": "chips-2", "direction": "bigger"})
    assert status == 200 and bigger["size"] == "9 oz"
    assert [p["id"] for p in bigger["items"]] == ["chips-1", "chips-3"]   # 13 oz, then 16 oz
    _, smaller = post(service, "/sizes", {"product_id": "chips-3", "direction": "smaller", "k": 1})
    assert [p["id"] for p in smaller["items"]] == ["chips-1"]
    _, salsa = post(service, "/sizes", {"product_id": "salsa-2", "direction": "bigger"})
    assert [p["id"] for p in salsa["items"]] == ["salsa-1"]   # the 16 oz out of stock is not offered
    _, none = post(service, "/sizes", {"product_id": "milk-1"})
    assert none == {"size": "1 gal", "items": []}


def test_resolve_mentions_over_http(service):
    status, body = post(service, "/resolve-mentions", {"text": "I have 2 bags of tortilla chips and salsa verde"})
    assert status == 200
    assert [(m["qty"], m["options"][0]["id"]) for m in body["mentions"]] == [(2, "chips-1"), (1, "salsa-2")]


@pytest.mark.parametrize(
    "path,body,raw,status,error",
    [
        ("/search", None, b'{"query": ', 400, "malformed_json"),
        ("/search", None, b"[1, 2]", 400, "invalid_request"),
        ("/search", {"query": 5}, None, 400, "invalid_request"),
        ("/search", {"query": "   "}, None, 400, "invalid_request"),
        ("/search", {"query": "tea", "k": 10_000}, None, 422, "too_many_results"),
        ("/search", {"query": "tea", "colour": "red"}, None, 400, "invalid_request"),
        ("/search", {"query": "tea", "filters": {"size": "huge"}}, None, 400, "invalid_request"),
        ("/complete-cart", {"cart": [{"id": "nope"}]}, None, 422, "unknown_products"),
        ("/complete-cart", {"cart": [{"id": "chips-1", "qty": 0}]}, None, 400, "invalid_request"),
        ("/complete-cart", {"cart": [{"id": "chips-1", "qty": "2"}]}, None, 400, "invalid_request"),
        ("/complete-cart", {"cart": [{"id": f"p{i}"} for i in range(201)]}, None, 422, "cart_too_large"),
        ("/complete-cart", {"cart": "chips"}, None, 400, "invalid_request"),
        ("/cart", {"cart": [{"id": "chips-1"}], "k": -1}, None, 400, "invalid_request"),
        ("/cart", {"cart": [{"id": "chips-1"}], "k": 51}, None, 422, "too_many_results"),
        ("/cart", {"cart": [{"id": f"p{i}"} for i in range(201)]}, None, 422, "cart_too_large"),
        ("/cart", {"cart": [{"id": "chips-1"}], "deals": "yes"}, None, 400, "invalid_request"),
        ("/similar", {"product_id": "nope"}, None, 404, "unknown_product"),
        ("/sizes", {"product_id": "nope"}, None, 404, "unknown_product"),
        ("/sizes", {"product_id": "chips-1", "direction": "wider"}, None, 400, "invalid_request"),
        ("/coupons/validate", {"code": "SAVE10", "cart": [{"id": "ghost"}]}, None, 422, "unknown_products"),
        ("/resolve-mentions", {"text": "x" * 3000}, None, 422, "text_too_long"),
        ("/nowhere", {}, None, 404, "not_found"),
    ],
)
def test_bad_input_gets_a_clear_4xx_and_the_service_keeps_serving(service, path, body, raw, status, error):
    got_status, got = post(service, path, body, raw=raw)
    assert (got_status, got["error"]) == (status, error) and got["message"]
    assert call(service, "/health")[0] == 200


def test_body_over_one_megabyte_is_refused(service):
    status, body = post(service, "/search", raw=json.dumps({"query": "a" * 2_000_000}).encode())
    assert status == 413 and body["error"] == "request_entity_too_large"


def test_metrics_count_requests_and_recommendations(service):
    post(service, "/complete-cart", {"cart": [{"id": "pasta-1"}], "k": 2})
    text = call(service, "/metrics")[1].decode()
    assert 'recommender_requests_total{route="/complete-cart",status="200"}' in text
    assert 'recommender_recommendations_served_total{kind="complete_cart"}' in text
    assert "recommender_request_seconds_bucket" in text


def test_openapi_documents_every_route(service):
    spec = yaml.safe_load(call(service, "/openapi.yaml")[1])
    served = {
        "/health",
        "/admin/reload",
        "/metrics",
        "/search",
        "/similar",
        "/sizes",
        "/cart",
        "/complete-cart",
        "/buy-again",
        "/baskets",
        "/shoppers/about",
        "/shoppers/history",
        "/shoppers/forget",
        "/coupons/validate",
        "/coupons/redeem",
        "/resolve-mentions",
        "/products/lookup",
        "/products/popular",
        "/products/{product_id}",
        "/images/{product_id}.svg",
    }
    assert served == set(spec["paths"])


def test_lookup_and_placeholder_image(service):
    status, body = post(service, "/products/lookup", {"ids": ["milk-1", "ghost"]})
    assert [p["id"] for p in body["items"]] == ["milk-1"] and body["unknown"] == ["ghost"]
    assert "asked" not in body and "marked" not in body["items"][0]
    # a question about them names attribute words: none is shown by any product here, so it can't be told
    status, asked = post(service, "/products/lookup", {"ids": ["milk-1"], "question": "is it organic and vegan?"})
    assert status == 200 and asked["asked"] == [{"attribute": "organic", "shop_marks_it": False},
                                                {"attribute": "vegan", "shop_marks_it": False}]
    assert asked["items"][0]["marked"] == [] and asked["unanswered"] == []
    status, asked = post(service, "/products/lookup", {"ids": ["milk-1"], "question": "any calcium in the milk?"})
    assert asked["unanswered"] == ["calcium"]   # "milk" names the product; calcium no record holds
    status, error = post(service, "/products/lookup", {"ids": ["milk-1"], "question": 5})
    assert status == 400 and error["error"] == "invalid_request"
    status, svg = call(service, "/images/milk-1.svg")
    assert status == 200 and svg.startswith(b"<svg") and b"Whole Milk" in svg


def test_workers_share_the_port_and_stop_with_the_parent(shop, tmp_path):
    import os
    import time

    from benchmarks.http_load import listeners
    from tests.processes import REC_PYTHON, free_port, start, stop

    config, _ = shop
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    parent = start(
        [str(REC_PYTHON), "-m", "recommender.service", "--port", str(port), "--workers", "2"],
        config,
        f"{url}/health",
        tmp_path / "workers.log",
    )
    try:
        deadline = time.monotonic() + 120
        while listeners(port) < 2 and time.monotonic() < deadline:
            time.sleep(0.3)
        assert listeners(port) == 2  # two processes, one port
        with open(f"/proc/{parent.pid}/task/{parent.pid}/children") as fh:
            workers = [int(pid) for pid in fh.read().split()]
        assert len(workers) == 1
        for _ in range(20):
            status, body = post(url, "/complete-cart", {"cart": [{"id": "chips-1", "qty": 1}], "k": 3})
            assert status == 200 and len(body["items"]) == 3
    finally:
        stop(parent)
    time.sleep(1)
    for pid in workers:  # the parent took its worker down
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_reload_swaps_in_a_new_build_while_requests_keep_being_answered(shop, tmp_path):
    """Load-then-swap: a rebuilt catalog is served after /admin/reload, every response names the artefact
    version that answered, and the old version answers until the switch (no request fails)."""
    import shutil
    import threading

    from recommender.build import build
    from recommender.config import load_settings
    from tests.processes import free_port, start_recommender, stop

    config, settings = shop
    copy = tmp_path / "shop"
    shutil.copytree(config.parent, copy, ignore=shutil.ignore_patterns("*.log", "logs*"))
    text = (copy / "cartwise.yml").read_text().replace(str(config.parent), str(copy))
    port = free_port()
    text = text.replace(f"port: {settings.port}", f"port: {port}")
    (copy / "cartwise.yml").write_text(text)
    process = start_recommender(copy / "cartwise.yml", port, tmp_path)
    url = f"http://127.0.0.1:{port}"
    try:
        before = json.loads(call(url, "/health")[1])["version"]
        seen, failures, stop_flag = set(), [], threading.Event()

        def keep_asking():
            while not stop_flag.is_set():
                request = urllib.request.Request(
                    url + "/search",
                    json.dumps({"query": "coffee", "k": 3}).encode(),
                    {"Content-Type": "application/json"},
                )
                try:
                    with urllib.request.urlopen(request, timeout=10) as response:
                        seen.add(response.headers["X-Cartwise-Artefacts"])
                except OSError as exc:
                    failures.append(repr(exc))

        asker = threading.Thread(target=keep_asking)
        asker.start()
        catalog = copy / "data" / "catalog.csv"
        catalog.write_text(catalog.read_text().replace("Ground Coffee", "Ground Coffee Beans", 1))
        build(load_settings(copy / "cartwise.yml"))
        assert json.loads(call(url, "/health")[1])["version"] == before  # built, not yet served
        assert call(url, "/admin/reload", {}, method="POST")[0] == 401  # the service token is required
        request = urllib.request.Request(
            url + "/admin/reload", b"{}", method="POST", headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            switched = json.loads(response.read())
        stop_flag.set()
        asker.join()
        assert switched["previous"] == before and switched["version"] != before
        assert json.loads(call(url, "/health")[1])["version"] == switched["version"]
        assert failures == [] and before in seen
    finally:
        stop(process)
