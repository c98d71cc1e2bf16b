"""Review filters as SQL: parsing a request's filters (pure) and the list, inbox and analytics queries.

Lists are newest first and paged by keyset (the last row's time and id), so page 500 of 100,000
conversations costs what page 1 does; each filter is a column test or an EXISTS probe on an index.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, fields
from typing import Any, Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import db

MAX_PAGE = 100
YES_NO = {"yes": True, "no": False, "true": True, "false": False, "1": True, "0": False}


class BadFilter(ValueError):
    """A filter the reviewer typed that cannot be understood; the message says which and why."""


@dataclass(frozen=True)
class Filters:
    since: float | None = None      # conversations active on or after this day (UTC)
    until: float | None = None      # ... and started before the end of this day
    intent: str | None = None
    entity: str | None = None
    action: str | None = None
    slot: str | None = None         # "name=value"
    channel: str | None = None
    min_confidence: float | None = None   # the conversation's least confident NLU parse is at least this
    max_confidence: float | None = None   # ... at most this ("show me where the bot was unsure")
    fallback: bool | None = None
    handoff: bool | None = None
    reviewed: bool | None = None
    tag: str | None = None


def _day(value: str, name: str, end: bool) -> float:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise BadFilter(f"{name}: expected a date like 2026-11-23, got {value!r}") from None
    start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
    return (start + dt.timedelta(days=1 if end else 0)).timestamp()


def _confidence(value: str, name: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0.0 <= number <= 1.0:
        raise BadFilter(f"{name}: expected a number from 0 to 1, got {value!r}")
    return number


def _yes_no(value: str, name: str) -> bool:
    if value.lower() not in YES_NO:
        raise BadFilter(f"{name}: expected yes or no, got {value!r}")
    return YES_NO[value.lower()]


def parse_filters(params: Mapping[str, str]) -> Filters:
    """Filters from query parameters; empty values mean "any". Unknown names are an error, not ignored."""
    known = {f.name for f in fields(Filters)} | {"cursor", "limit"}
    unknown = sorted(set(params) - known)
    if unknown:
        raise BadFilter(f"unknown filter {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    values: dict[str, Any] = {}
    for name, raw in params.items():
        raw = raw.strip()
        if not raw or name in ("cursor", "limit"):
            continue
        if len(raw) > 255:
            raise BadFilter(f"{name}: at most 255 characters")
        if name in ("since", "until"):
            values[name] = _day(raw, name, end=name == "until")
        elif name in ("min_confidence", "max_confidence"):
            values[name] = _confidence(raw, name)
        elif name in ("fallback", "handoff", "reviewed"):
            values[name] = _yes_no(raw, name)
        elif name == "slot" and "=" not in raw:
            raise BadFilter("slot: expected name=value, e.g. applied_coupon=SAVE10")
        else:
            values[name] = raw
    return Filters(**values)


def parse_limit(raw: str | None, default: int = 25) -> int:
    try:
        limit = int(raw) if raw else default
    except ValueError:
        raise BadFilter(f"limit: expected a whole number, got {raw!r}") from None
    if not 1 <= limit <= MAX_PAGE:
        raise BadFilter(f"limit: from 1 to {MAX_PAGE}")
    return limit


def encode_cursor(last_ts: float, key: str | int) -> str:
    return base64.urlsafe_b64encode(json.dumps([last_ts, key]).encode()).decode()


def decode_cursor(cursor: str | None) -> tuple[float, Any] | None:
    if not cursor:
        return None
    try:
        last_ts, key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return float(last_ts), key
    except (ValueError, TypeError):
        raise BadFilter("cursor: not one this console gave out; start from the first page") from None


def _has_fact(kind: str, value: str) -> sa.sql.ColumnElement:
    f, c = db.facts, db.conversations
    return sa.exists().where(f.c.kind == kind, f.c.value == value, f.c.sender_id == c.c.sender_id)


def conditions(filters: Filters) -> list[sa.sql.ColumnElement]:
    c, t = db.conversations, db.tags
    where: list[sa.sql.ColumnElement] = []
    if filters.since is not None:
        where.append(c.c.last_ts >= filters.since)
    if filters.until is not None:
        where.append(c.c.started < filters.until)
    for kind in ("intent", "entity", "action", "slot"):
        value = getattr(filters, kind)
        if value:
            where.append(_has_fact(kind, value))
    if filters.channel:
        where.append(c.c.channel == filters.channel)
    if filters.min_confidence is not None:
        where.append(c.c.min_confidence >= filters.min_confidence)
    if filters.max_confidence is not None:
        where.append(c.c.min_confidence <= filters.max_confidence)
    for flag in ("fallback", "handoff", "reviewed"):
        value = getattr(filters, flag)
        if value is not None:
            where.append(getattr(c.c, flag) == value)
    if filters.tag:
        where.append(sa.exists().where(t.c.tag == filters.tag, t.c.sender_id == c.c.sender_id))
    return where


def list_conversations(conn: Connection, filters: Filters, cursor: str | None, limit: int
                       ) -> tuple[list[dict[str, Any]], str | None]:
    """One page of conversations, newest first, and the cursor of the next page (None at the end)."""
    c = db.conversations
    query = sa.select(c).where(*conditions(filters))
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(sa.tuple_(c.c.last_ts, c.c.sender_id) < sa.tuple_(sa.literal(after[0]),
                                                                               sa.literal(str(after[1]))))
    rows = conn.execute(query.order_by(c.c.last_ts.desc(), c.c.sender_id.desc()).limit(limit + 1)).mappings().all()
    page = [dict(r) for r in rows[:limit]]
    if page:
        ids = [r["sender_id"] for r in page]
        tags_of: dict[str, list[str]] = {i: [] for i in ids}
        for tag, sender in conn.execute(sa.select(db.tags.c.tag, db.tags.c.sender_id)
                                        .where(db.tags.c.sender_id.in_(ids)).order_by(db.tags.c.tag)):
            tags_of[sender].append(tag)
        for row in page:
            row["tags"] = tags_of[row["sender_id"]]
    following = encode_cursor(page[-1]["last_ts"], page[-1]["sender_id"]) if len(rows) > limit else None
    return page, following


def inbox(conn: Connection, threshold: float, cursor: str | None,
          limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """Shopper messages the NLU was unsure of (below `threshold`, or in fallback), newest first, not yet reviewed."""
    m = db.messages
    query = sa.select(m).where(m.c.status == "new", sa.or_(m.c.confidence < threshold, m.c.fallback == sa.true()))
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(
            sa.tuple_(m.c.ts, m.c.event_id) < sa.tuple_(sa.literal(after[0]), sa.literal(int(after[1])))
        )
    rows = conn.execute(query.order_by(m.c.ts.desc(), m.c.event_id.desc()).limit(limit + 1)).mappings().all()
    page = [{**r, "entities": json.loads(r["entities"])} for r in rows[:limit]]
    following = encode_cursor(page[-1]["ts"], page[-1]["event_id"]) if len(rows) > limit else None
    return page, following


def analytics(conn: Connection, filters: Filters) -> dict[str, Any]:
    """Daily counts and the rates a shop owner asks about, over the filtered conversations."""
    c = db.conversations
    where = conditions(filters)
    day = c.c.started_day
    per_day = conn.execute(
        sa.select(
            day,
            sa.func.count(),
            sa.func.sum(sa.cast(c.c.fallback, sa.Integer)),
            sa.func.sum(sa.cast(c.c.handoff, sa.Integer)),
        )
        .where(*where)
        .group_by(day)
        .order_by(day)
    ).all()
    totals = conn.execute(
        sa.select(
            sa.func.count(),
            sa.func.sum(sa.cast(c.c.fallback, sa.Integer)),
            sa.func.sum(sa.cast(c.c.handoff, sa.Integer)),
            sa.func.sum(sa.cast(c.c.recs_shown > 0, sa.Integer)),
            sa.func.sum(sa.cast(c.c.rec_clicks > 0, sa.Integer)),
            sa.func.sum(sa.cast(c.c.rec_adds > 0, sa.Integer)),
            sa.func.sum(sa.cast(c.c.coupons_offered > 0, sa.Integer)),
            sa.func.sum(sa.cast(sa.and_(c.c.coupons_offered > 0, c.c.coupons_applied > 0), sa.Integer)),
        ).where(*where)
    ).one()
    n, fallbacks, handoffs, with_recs, clicked, added, offered, applied = (int(v or 0) for v in totals)
    f = db.facts
    intents = conn.execute(
        sa.select(f.c.value, sa.func.count())
        .where(f.c.kind == "intent", f.c.sender_id.in_(sa.select(c.c.sender_id).where(*where)))
        .group_by(f.c.value)
        .order_by(sa.func.count().desc(), f.c.value)
        .limit(10)
    ).all()
    return {
        "conversations": n,
        "per_day": [
            {
                "day": dt.datetime.fromtimestamp(int(d) * 86400, dt.timezone.utc).date().isoformat(),
                "conversations": int(count),
                "fallbacks": int(fb or 0),
                "handoffs": int(ho or 0),
            }
            for d, count, fb, ho in per_day
        ],
        "fallback_rate": _rate(fallbacks, n),
        "handoff_rate": _rate(handoffs, n),
        "top_intents": [{"intent": name, "conversations": int(count)} for name, count in intents],
        # Of the conversations where the bot suggested products: how many clicked one, added one.
        "recommendation_click_through": _rate(clicked, with_recs),
        "recommendation_add_to_cart": _rate(added, with_recs),
        # Of the conversations where the bot offered a coupon: how many applied one.
        "coupon_acceptance": _rate(applied, offered),
        "counts": {
            "fallbacks": fallbacks,
            "handoffs": handoffs,
            "with_recommendations": with_recs,
            "clicked": clicked,
            "added": added,
            "coupon_offered": offered,
            "coupon_applied": applied,
        },
    }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
