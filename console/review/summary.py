"""What a reviewer filters on, read off one conversation's Rasa events (pure).

A conversation is summarised as a whole every time it gets new events: conversations are short, and
recomputing is simpler and safer than patching counters (a click counts only for a product the bot
showed earlier in the same conversation, say).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTIONS = frozenset({"action_fallback", "action_default_fallback"})
CARD_CLICK_INTENTS = frozenset({"add_to_cart", "more_like_this"})
MAX_FACT_CHARS = 200   # slot values longer than this are cut: they are for filtering, not for reading


@dataclass(frozen=True)
class InboxMessage:
    event_id: int
    ts: float
    text: str
    intent: str
    confidence: float
    entities: list[dict[str, Any]]
    fallback: bool


@dataclass
class Summary:
    sender_id: str
    started: float = 0.0
    last_ts: float = 0.0
    last_event_id: int = 0
    channel: str = ""
    user_turns: int = 0
    min_confidence: float | None = None   # the least sure the NLU was about any shopper message
    fallback: bool = False
    handoff: bool = False
    recs_shown: int = 0        # bot replies with product suggestions
    rec_clicks: int = 0        # card buttons pressed on a suggested product
    rec_adds: int = 0          # suggested products that then went into the cart
    coupons_offered: int = 0
    coupons_applied: int = 0
    facts: set[tuple[str, str]] = field(default_factory=set)   # (kind, value): intent, entity, action, slot
    messages: list[InboxMessage] = field(default_factory=list)


def _entity_ids(parse: dict[str, Any], name: str) -> set[str]:
    return {str(e.get("value")) for e in parse.get("entities") or [] if e.get("entity") == name}


def _cart_ids(value: Any) -> set[str]:
    return {str(line.get("id")) for line in value or [] if isinstance(line, dict)} if isinstance(value, list) else set()


def _slot_fact(name: str, value: Any) -> str:
    shown = value if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else repr(value)
    return f"{name}={shown[:MAX_FACT_CHARS]}"


def summarize(sender_id: str, rows: Iterable[tuple[int, dict[str, Any]]]) -> Summary:
    """rows: (event id in the tracker store, event as Rasa stores it), in id order."""
    s = Summary(sender_id)
    shown: set[str] = set()
    in_cart: set[str] = set()
    added: set[str] = set()
    pending_fallback: InboxMessage | None = None
    for event_id, e in rows:
        ts = float(e.get("timestamp") or 0.0)
        s.started = s.started or ts
        s.last_ts = max(s.last_ts, ts)
        s.last_event_id = max(s.last_event_id, event_id)
        kind = e.get("event")
        if kind == "user":
            pending_fallback = _user_event(s, event_id, ts, e, shown)
        elif kind == "action":
            name = str(e.get("name") or "")
            if name and name != "action_listen":
                s.facts.add(("action", name))
            if name in FALLBACK_ACTIONS:
                s.fallback = True
                if pending_fallback is not None:   # the core policy gave up on a confident parse
                    s.messages[-1] = InboxMessage(**{**pending_fallback.__dict__, "fallback": True})
        elif kind == "bot":
            metadata = e.get("metadata") or {}
            if metadata.get("shown"):
                s.recs_shown += 1
                shown.update(str(p) for p in metadata["shown"])
            s.coupons_offered += len(metadata.get("coupons_offered") or [])
        elif kind == "slot":
            name, value = str(e.get("name")), e.get("value")
            if name == "cart":
                now = _cart_ids(value)
                added |= (now - in_cart) & shown
                in_cart = now
            elif name == "applied_coupon" and value:
                s.coupons_applied += 1
            elif name == "handoff_requested" and value:
                s.handoff = True
            if value is not None and name not in ("cart", "last_results", "search_filters", "pending_choice"):
                s.facts.add(("slot", _slot_fact(name, value)))
        elif kind == "pause":
            s.handoff = True
    s.rec_adds = len(added)
    return s


def _user_event(s: Summary, event_id: int, ts: float, e: dict[str, Any], shown: set[str]) -> InboxMessage | None:
    parse = e.get("parse_data") or {}
    intent = parse.get("intent") or {}
    name = str(intent.get("name") or "")
    confidence = float(intent.get("confidence") or 0.0)
    text = str(e.get("text") or "")
    s.user_turns += 1
    s.channel = s.channel or str(e.get("input_channel") or "")
    if name:
        s.facts.add(("intent", name))
    entities = [{"entity": x.get("entity"), "value": x.get("value"), "start": x.get("start"), "end": x.get("end")}
                for x in parse.get("entities") or [] if isinstance(x, dict)]
    for x in entities:
        s.facts.add(("entity", str(x["entity"])))
    if text.startswith("/"):   # a button: a click on a suggested product's card, or a quick reply
        if name in CARD_CLICK_INTENTS and _entity_ids(parse, "product_id") & shown:
            s.rec_clicks += 1
        return None
    s.min_confidence = confidence if s.min_confidence is None else min(s.min_confidence, confidence)
    fallback = name == FALLBACK_INTENT
    s.fallback = s.fallback or fallback
    message = InboxMessage(event_id, ts, text, name, confidence, entities, fallback)
    s.messages.append(message)
    return message
