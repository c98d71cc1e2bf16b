"""The orders store the shop writes and the action server reads: the same behaviour on SQLite (the
embedded default) and on PostgreSQL (what the shop's and the action server's pods share), with
both sides open at once as they are in production."""
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cartwise.orders import FIRST_ORDER_NUMBER, OrderStore
from tests.stack import scratch_database

SEED = Path(__file__).resolve().parents[2] / "shop" / "data" / "orders.yml"
TODAY = dt.date(2026, 11, 23)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'orders.db'}"
        return
    with scratch_database("cartwise_orders") as url:
        yield url


def test_the_demo_orders_are_seeded_once_and_changes_persist(url):
    store = OrderStore(url, SEED, today=TODAY)
    order = store.get("10003")
    assert order.status == "delivered" and order.delivered_on == dt.date(2026, 11, 14)
    assert order.email == "demo@example.com" and order.shopper_id == "demo" and order.items
    store.set_status("10003", "return_requested", "shopper demo", "conversation-1")
    store.close()
    again = OrderStore(url, SEED, today=TODAY)
    assert again.get("10003").status == "return_requested"   # persisted, not seeded over
    assert again.changes("10003") == [("return_requested", "shopper demo", "conversation-1")]
    assert again.get("99999") is None
    again.close()


def test_an_order_the_shop_places_is_what_the_action_server_reads(url):
    shop, bot = OrderStore(url, SEED, today=TODAY), OrderStore(url, SEED, today=TODAY)   # two pods, one store
    placed = shop.place("household-7", None, ["Oat milk", "Bananas"], 6.5, TODAY)
    assert placed.id == "10006"   # after the five demo orders
    seen = bot.get(placed.id)
    assert (seen.shopper_id, seen.status, seen.items, seen.total) == ("household-7", "processing",
                                                                      ("Oat milk", "Bananas"), 6.5)
    assert seen.eta == TODAY + dt.timedelta(days=4)
    bot.set_status(placed.id, "cancelled", "shopper household-7", "conversation-9")
    assert shop.get(placed.id).status == "cancelled"
    assert shop.changes(placed.id) == [("processing", "shopper household-7", None),
                                       ("cancelled", "shopper household-7", "conversation-9")]
    shop.close()
    bot.close()


def test_checkouts_at_the_same_moment_from_two_pods_get_distinct_numbers(url):
    pods = [OrderStore(url, today=TODAY) for _ in range(2)]

    def checkout(i: int) -> str:
        return pods[i % 2].place(None, f"guest{i}@example.com", ["Tea"], 2.0, TODAY).id

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = sorted(int(n) for n in pool.map(checkout, range(24)))
    assert numbers == list(range(FIRST_ORDER_NUMBER, FIRST_ORDER_NUMBER + 24))
    for pod in pods:
        pod.close()


def test_wrong_emails_for_one_order_are_limited_for_an_hour_whichever_pod_is_asked(url):
    first, second = OrderStore(url), OrderStore(url)
    for store in (first, second, first, second):
        store.record_failed_proof("10001")
    assert second.proof_tries_left("10001") == 1 and first.proof_tries_left("10002") == 5
    first.record_failed_proof("10001")
    assert second.proof_tries_left("10001") == 0
    import time
    assert first.proof_tries_left("10001", now=time.time() + 3601) == 5
    first.close()
    second.close()


def test_a_seed_file_without_orders_makes_an_empty_store(url, tmp_path):
    empty = tmp_path / "no-orders.yml"
    empty.write_text("orders: []\n")
    store = OrderStore(url, empty, today=TODAY)
    assert store.get("10001") is None
    assert store.place(None, "a@example.com", ["Tea"], 2.0, TODAY).id == str(FIRST_ORDER_NUMBER)
    store.close()
