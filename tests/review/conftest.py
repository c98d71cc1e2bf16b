"""Review tests run against two real tracker stores filled by real conversations with the bot:
SQLite (the embedded default: the session's stack) and PostgreSQL (tests/stack.py: postgres_stack)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from tests.stack import Shopper, cards


@dataclass(frozen=True)
class Conversations:
    """Who said what, so tests know which conversation each filter must find."""
    shopper: str       # searched, clicked a suggested product's card, asked for deals, applied a coupon
    confused: str      # gibberish twice: fallbacks
    human: str         # asked about a code, then for a person
    private: str       # planted personal data and an allow-listed order number


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
    confused.say("grz vbn")
    human = Shopper(stack, ids.human)
    human.say("could I use SAVE10 on this")
    human.say("I want to talk to a real person")
    Shopper(stack, ids.private).say("my email is jane.doe@example.com, call me on +44 20 7946 0958, "
                                    "card 4111 1111 1111 1111, about order ORD-5550-1234-5678")
    return ids


@pytest.fixture(scope="session")
def sqlite_filled(stack):
    """For tests whose point does not depend on the store (they read the same events either way)."""
    return stack, converse(stack, f"rs{uuid.uuid4().hex[:6]}")


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def filled(request, stack):
    """(stack, conversations) for each tracker store, filled by real conversations with the running bot."""
    target = stack if request.param == "sqlite" else request.getfixturevalue("postgres_stack")
    return target, converse(target, f"rv{uuid.uuid4().hex[:6]}")

