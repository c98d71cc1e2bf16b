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


HIDDEN_SLOTS = frozenset({"last_results", "search_filters", "pending_choice"})   # bookkeeping, shown as cards


def _slot_text(value: Any) -> str:
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):   # the cart
        return ", ".join(f"{v.get('qty', 1)} x {v.get('title') or v.get('id')}" for v in value) or "(empty)"
    return "(none)" if value is None else str(value)


def transcript(events: list[dict[str, Any]], event_ids: list[int] | None = None,
               detail: bool = False) -> list[dict[str, Any]]:
    """Shopper, bot and agent lines in order, plus markers where the bot was paused and resumed.

    With `detail` (the review page) it also lists the actions the bot ran and the slots they set;
    `event_ids` (the tracker store's row ids) let a reviewer point at one shopper message.
    """
    lines: list[dict[str, Any]] = []
    for i, e in enumerate(events):
        kind, ts = e.get("event"), e.get("timestamp")
        if kind == "user":
            parse = e.get("parse_data") or {}
            intent = parse.get("intent") or {}
            line = {"who": "shopper", "text": e.get("text") or "", "time": ts,
                    "intent": intent.get("name"), "confidence": intent.get("confidence"),
                    "entities": [{"entity": x.get("entity"), "value": x.get("value"), "start": x.get("start"),
                                  "end": x.get("end")} for x in parse.get("entities") or []]}
            if event_ids is not None:
                line["event_id"] = event_ids[i]
            lines.append(line)
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
        elif detail and kind == "action" and e.get("name") not in (None, "action_listen"):
            lines.append({"who": "action", "text": e["name"], "time": ts})
        elif detail and kind == "slot" and e.get("name") not in HIDDEN_SLOTS:
            lines.append({"who": "slot", "text": f"{e.get('name')} = {_slot_text(e.get('value'))}", "time": ts})
    return lines
