"""A conversation as staff read it, from Rasa tracker events (pure; shared by agent and review pages)."""
from __future__ import annotations

from typing import Any


def _cards(data: dict[str, Any]) -> list[dict[str, Any]]:
    payload = ((data or {}).get("attachment") or {}).get("payload") or {}
    elements = payload.get("elements") if isinstance(payload, dict) else None
    return [{"title": e.get("title", ""), "subtitle": e.get("subtitle", ""), "product_id": e.get("product_id", "")}
            for e in elements or [] if isinstance(e, dict)]


def _custom_text(data: dict[str, Any]) -> str:
    custom = (data or {}).get("custom") or {}
    inner = custom.get("data") if isinstance(custom, dict) else None
    return str(inner.get("text", "")) if isinstance(inner, dict) else ""


def transcript(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Shopper, bot and agent lines in order, plus markers where the bot was paused and resumed."""
    lines: list[dict[str, Any]] = []
    for e in events:
        kind, ts = e.get("event"), e.get("timestamp")
        if kind == "user":
            parse = e.get("parse_data") or {}
            intent = parse.get("intent") or {}
            lines.append({"who": "shopper", "text": e.get("text") or "", "time": ts,
                          "intent": intent.get("name"), "confidence": intent.get("confidence"),
                          "entities": [{"entity": x.get("entity"), "value": x.get("value")}
                                       for x in parse.get("entities") or []]})
        elif kind == "bot":
            metadata = e.get("metadata") or {}
            data = e.get("data") or {}
            text = e.get("text") or _custom_text(data)
            entry = {"who": "agent" if metadata.get("agent") else "bot", "text": text, "time": ts,
                     "cards": _cards(data), "buttons": [b.get("title", "") for b in data.get("buttons") or []]}
            if metadata.get("agent"):
                entry["agent"] = metadata["agent"]
            lines.append(entry)
        elif kind == "pause":
            lines.append({"who": "system", "text": "The bot is paused: a person takes over.", "time": ts})
        elif kind == "resume":
            lines.append({"who": "system", "text": "The bot is back.", "time": ts})
    return lines
