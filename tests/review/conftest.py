"""Review tests run against two real tracker stores filled by real conversations with the bot:
SQLite (the embedded default: the session's stack) and PostgreSQL (a second Rasa, action server
and console on the running server; CI sets CARTWISE_REQUIRE_POSTGRES=1 so it cannot be skipped there)."""
from __future__ import annotations

import os
import secrets
import uuid
from dataclasses import dataclass

import pytest

from tests.processes import free_port
from tests.stack import Shopper, cards, start_bot, stop_all, tracker_endpoints

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Conversations:
    """Who said what, so tests know which conversation each filter must find."""
    shopper: str       # searched, clicked a suggested product's card, asked for deals, applied a coupon
    confused: str      # gibberish twice: fallbacks
    human: str         # asked about a code, then for a person
    private: str       # planted personal data and an allow-listed order number


def _pg_connect(url: str):
    import psycopg2   # in .venv-bot: Rasa's PostgreSQL driver
    connection = psycopg2.connect(url, connect_timeout=3)
    connection.autocommit = True
    return connection


def postgres_available() -> bool:
    try:
        _pg_connect(PG_ADMIN).close()
        return True
    except Exception:
        return False


def converse(stack: dict, run: str) -> Conversations:
    ids = Conversations(*(f"{run}-{name}" for name in ("shopper", "confused", "human", "private")))
    shopper = Shopper(stack, ids.shopper)
    shopper.say("hello")
    shown = cards(shopper.say("do you have ground coffee under $10?"))
    assert shown, "the search showed no cards"
    shopper.say(f'/add_to_cart{{"product_id": "{shown[0]["product_id"]}"}}')
    shopper.say("any deals?", {"cart": [{"id": "coffee-1", "qty": 2}, {"id": "filter-1", "qty": 1},
                                         {"id": "wine-1", "qty": 1}]})
    shopper.say("apply SAVE10", {"cart": [{"id": "coffee-1", "qty": 2}, {"id": "filter-1", "qty": 1},
                                           {"id": "wine-1", "qty": 1}]})
    confused = Shopper(stack, ids.confused)
    confused.say("blorp zzkx qqq")
    confused.say("florb wibble snark")
    human = Shopper(stack, ids.human)
    human.say("could I use SAVE10 on this")
    human.say("I want to talk to a real person")
    Shopper(stack, ids.private).say("my email is jane.doe@example.com, call me on +44 20 7946 0958, "
                                    "card 4111 1111 1111 1111, about order ORD-5550-1234-5678")
    return ids


@pytest.fixture(scope="session")
def postgres_stack(stack, tmp_path_factory):
    """A second Rasa + action server + console whose tracker store and review index are in PostgreSQL."""
    if not postgres_available():
        if os.environ.get("CARTWISE_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is not reachable at 127.0.0.1:5432 but CARTWISE_REQUIRE_POSTGRES=1")
        pytest.skip("PostgreSQL is not running at 127.0.0.1:5432 (CI runs these)")
    from tests.fixture_shop import write_config

    name = f"cartwise_test_{secrets.token_hex(4)}"
    admin = _pg_connect(PG_ADMIN)
    admin.cursor().execute(f"CREATE DATABASE {name}")
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    folder = tmp_path_factory.mktemp("postgres")
    ports = {**stack["ports"], "actions": free_port(), "rasa": free_port(), "console": free_port()}
    endpoints = tracker_endpoints(folder, ports["actions"], url)
    data = stack["folder"]
    config = write_config(folder, ports, data / "models", data / "coupons.yml", data / "data" / "catalog.csv",
                          data / "data" / "interactions.csv", stack["max_wait_s"], endpoints=endpoints, review_db=url)
    processes = start_bot(folder, config, ports, endpoints)
    try:
        yield {**stack, "ports": ports, "folder": folder, "config": config, "endpoints": endpoints, "db_url": url}
    finally:
        stop_all(processes)
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


@pytest.fixture(scope="session")
def sqlite_filled(stack):
    """For tests whose point does not depend on the store (they read the same events either way)."""
    return stack, converse(stack, f"rs{uuid.uuid4().hex[:6]}")


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def filled(request, stack):
    """(stack, conversations) for each tracker store, filled by real conversations with the running bot."""
    target = stack if request.param == "sqlite" else request.getfixturevalue("postgres_stack")
    return target, converse(target, f"rv{uuid.uuid4().hex[:6]}")

