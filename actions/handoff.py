"""Handing a conversation to a person: when to do it and what the agent is told (pure rules). The
call that queues it at the agent console is `actions/api/console.py`."""
from __future__ import annotations

from typing import Any

from cartwise.money import Currency

from .cart_lines import cart_total
from .config import HandoffRules

ASKED_FOR_PERSON = "asked for a person"


def fallback_step(consecutive: int, cart_value: float, rules: HandoffRules) -> str:
    """What a misunderstood turn leads to: "handoff", "offer" (ask first) or "rephrase"."""
    if consecutive >= rules.handoff_after_fallbacks or cart_value >= rules.cart_value_threshold > 0:
        return "handoff"
    if consecutive >= rules.offer_after_fallbacks:
        return "offer"
    return "rephrase"


def fallback_reason(consecutive: int, cart_value: float, rules: HandoffRules, currency: Currency = Currency()) -> str:
    if cart_value >= rules.cart_value_threshold > 0:
        return f"not understood with a {currency.format(cart_value)} cart"
    return f"not understood {consecutive} times in a row"


def summary(events: list[dict[str, Any]], cart: list[dict], last_results: list[dict]) -> dict[str, Any]:
    """What an agent reads before taking the chat: the shopper's last words, their cart, what the bot showed."""
    asked = [
        e.get("text") or "" for e in events if e.get("event") == "user" and not (e.get("text") or "").startswith("/")
    ]
    return {
        "asked": asked[-3:],
        "cart_value": cart_total(cart),
        "cart_items": sum(line["qty"] for line in cart),
        "suggested": [p.get("title", "") for p in last_results[:5]],
    }
