"""Redaction of personal data before conversations are stored (bot/redaction.py)."""
from __future__ import annotations

import time

import pytest

from bot.redaction import Redactor, luhn_ok

R = Redactor.from_patterns([r"\bORD-\d{4}-\d{4}-\d{4}\b"])


@pytest.mark.parametrize("text, expected", [
    ("write to jane.doe+shop@example.co.uk please", "write to [email] please"),
    ("call me on +44 20 7946 0958", "call me on [phone]"),
    ("my number is (555) 123-4567", "my number is [phone]"),
    ("card 4111 1111 1111 1111 exp 12/29", "card [card] exp 12/29"),
    ("4111-1111-1111-1111", "[card]"),
])
def test_personal_data_is_replaced(text, expected):
    assert R.text(text) == expected


@pytest.mark.parametrize("text", [
    "2 bags of chips and 3 salsas under $10",
    "where is my order 10001?",
    "add 1029743 to my cart",           # a product id
    "4111 1111 1111 1112",              # 16 digits that fail the Luhn check: not a card
    "apply SAVE10",
])
def test_ordinary_shopping_text_is_kept(text):
    assert R.text(text) == text


def test_allow_listed_order_numbers_are_kept_although_they_look_like_phone_numbers():
    assert Redactor().text("order ORD-5550-1234-5678") == "order ORD-[phone]"
    assert R.text("order ORD-5550-1234-5678 and call 0207 946 0958") == "order ORD-5550-1234-5678 and call [phone]"


def test_a_bad_allow_list_pattern_is_a_clear_error():
    with pytest.raises(ValueError, match="privacy.keep"):
        Redactor.from_patterns(["(unclosed"])


def test_luhn():
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")


def test_user_and_bot_events_are_redacted_and_structure_kept():
    user = {"event": "user", "text": "mail bob@example.com", "metadata": {"cart": [{"id": "1", "qty": 1}]},
            "parse_data": {"text": "mail bob@example.com", "intent": {"name": "leave_email", "confidence": 0.9},
                           "entities": [{"entity": "email", "value": "bob@example.com", "start": 5, "end": 20}]}}
    out = R.event(user)
    assert out["text"] == out["parse_data"]["text"] == "mail [email]"
    assert out["parse_data"]["entities"][0]["value"] == "[email]"
    assert out["parse_data"]["intent"] == user["parse_data"]["intent"] and out["metadata"] == user["metadata"]
    bot = {"event": "bot", "text": "Thanks! Our team will write to bob@example.com.", "data": {"buttons": None},
           "metadata": {"shown": ["4111111111111111"]}}
    assert R.event(bot)["text"] == "Thanks! Our team will write to [email]."
    assert R.event(bot)["metadata"] == bot["metadata"]   # product ids are not personal data
    slot = {"event": "slot", "name": "last_query", "value": "call +1 415 555 0100"}
    assert R.event(slot)["value"] == "call [phone]"
    cart = {"event": "slot", "name": "cart", "value": [{"id": "4111111111111111", "qty": 1}]}
    assert R.event(cart) == cart


def test_huge_messages_stay_fast():
    start = time.perf_counter()
    R.text(("1 2 3 4 5 6 7 8 9 0 " * 5000) + ("a@" * 20000) + ("+1 " * 20000))
    assert time.perf_counter() - start < 5   # linear: a quadratic pattern would take minutes on this
