"""Handing a conversation to a person: when to do it (pure rules), what the agent is told (a summary),
and the call that queues it at the agent console."""
from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from telemetry.logs import HEADER

from .cart import cart_total
from .config import HandoffRules

ASKED_FOR_PERSON = "asked for a person"


def fallback_step(consecutive: int, cart_value: float, rules: HandoffRules) -> str:
    """What a misunderstood turn leads to: "handoff", "offer" (ask first) or "rephrase"."""
    if consecutive >= rules.handoff_after_fallbacks or cart_value >= rules.cart_value_threshold > 0:
        return "handoff"
    if consecutive >= rules.offer_after_fallbacks:
        return "offer"
    return "rephrase"


def fallback_reason(consecutive: int, cart_value: float, rules: HandoffRules) -> str:
    if cart_value >= rules.cart_value_threshold > 0:
        return f"not understood with a ${cart_value:,.2f} cart"
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


class ConsoleUnavailable(Exception):
    """The console did not answer: the bot says so and keeps helping."""


async def request_handoff(
    url: str, token: str, timeout_s: float, body: dict[str, Any], path: str = "/api/handoffs"
) -> dict[str, Any]:
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as session:
            headers = {"Authorization": f"Bearer {token}", HEADER: str(body.get("conversation_id", ""))}
            async with session.post(url + path, json=body, headers=headers) as response:
                payload = await response.json(content_type=None)
                if response.status != 200:
                    raise ConsoleUnavailable(f"console answered {response.status}: {payload}")
                return payload
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
        raise ConsoleUnavailable(f"{exc.__class__.__name__} {exc}") from exc
