"""Keeps the review index in step with the tracker store, incrementally.

Each pass reads tracker events with an id above the last one indexed, and re-summarises every
conversation those events belong to (all of its events, so a summary is always whole). The console
runs a pass every few seconds and before answering a list request; `python -m console reindex` runs
one over everything.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from . import db
from .summary import Summary, summarize

log = logging.getLogger("cartwise.review")
BATCH_EVENTS = 5000
ANALYZE_AFTER_EVENTS = 50_000   # a bulk (re)index changes the tables' shape: refresh the planner's statistics
SENDERS_PER_QUERY = 500
PROGRESS_KEY = "events"


@dataclass(frozen=True)
class PassResult:
    events: int
    conversations: int
    last_event_id: int


def events_of(tracker: Connection, senders: list[str]) -> dict[str, list[tuple[int, dict[str, Any]]]]:
    t = db.tracker_events
    found: dict[str, list[tuple[int, dict[str, Any]]]] = {s: [] for s in senders}
    rows = [row for i in range(0, len(senders), SENDERS_PER_QUERY)   # under SQLite's bound-parameter limit
            for row in tracker.execute(sa.select(t.c.id, t.c.sender_id, t.c.data)
                                       .where(t.c.sender_id.in_(senders[i:i + SENDERS_PER_QUERY])))]
    for event_id, sender_id, data in sorted(rows):
        try:
            found[sender_id].append((event_id, json.loads(data)))
        except (TypeError, ValueError):
            log.warning("event %s of %s is not JSON; left out of review", event_id, sender_id)
    return found


def _conversation_values(s: Summary) -> dict[str, Any]:
    return {"sender_id": s.sender_id, "started": s.started, "started_day": int(s.started // 86400),
            "last_ts": s.last_ts, "last_event_id": s.last_event_id, "channel": s.channel[:64],
            "user_turns": s.user_turns, "min_confidence": s.min_confidence, "fallback": s.fallback,
            "handoff": s.handoff, "recs_shown": s.recs_shown, "rec_clicks": s.rec_clicks, "rec_adds": s.rec_adds,
            "coupons_offered": s.coupons_offered, "coupons_applied": s.coupons_applied}


def _write(review: Connection, summaries: list[Summary]) -> None:
    """Store a batch of summaries with a few set-wise statements (a bulk reindex writes 100,000s of rows).

    Event-derived columns and facts are replaced; what reviewers made (reviewed, tags, notes, a
    message's status) is kept.
    """
    c, f, m = db.conversations, db.facts, db.messages
    senders = [s.sender_id for s in summaries]
    known = {row[0] for row in review.execute(sa.select(c.c.sender_id).where(c.c.sender_id.in_(senders)))}
    fresh = [{**_conversation_values(s), "reviewed": False} for s in summaries if s.sender_id not in known]
    if fresh:
        review.execute(c.insert(), fresh)
    for s in summaries:
        if s.sender_id in known:
            review.execute(c.update().where(c.c.sender_id == s.sender_id).values(**_conversation_values(s)))
    review.execute(f.delete().where(f.c.sender_id.in_(senders)))
    rows = [{"kind": k, "value": v[:255], "sender_id": s.sender_id} for s in summaries for k, v in sorted(s.facts)]
    if rows:
        review.execute(f.insert(), rows)
    messages = {msg.event_id: (s.sender_id, msg) for s in summaries for msg in s.messages}
    seen = {row[0] for row in review.execute(sa.select(m.c.event_id).where(m.c.sender_id.in_(senders)))}
    values = {event_id: {"sender_id": sender, "ts": msg.ts, "text": msg.text, "intent": msg.intent,
                         "confidence": msg.confidence, "entities": json.dumps(msg.entities), "fallback": msg.fallback}
              for event_id, (sender, msg) in messages.items()}
    new = [{"event_id": event_id, "status": "new", **v} for event_id, v in values.items() if event_id not in seen]
    if new:
        review.execute(m.insert(), new)
    for event_id in seen & values.keys():   # a reviewer's status stays; a fallback found later is noted
        review.execute(m.update().where(m.c.event_id == event_id).values(**values[event_id]))


def last_indexed(review: Connection) -> int:
    found = review.execute(sa.select(db.progress.c.last_event_id).where(db.progress.c.name == PROGRESS_KEY)).scalar()
    return int(found or 0)


def _set_progress(review: Connection, last_event_id: int) -> None:
    p = db.progress
    if review.execute(p.update().where(p.c.name == PROGRESS_KEY).values(last_event_id=last_event_id)).rowcount == 0:
        review.execute(p.insert().values(name=PROGRESS_KEY, last_event_id=last_event_id))


def tracker_has_events(tracker: Engine) -> bool:
    return sa.inspect(tracker).has_table("events")


def index_pass(tracker: Engine, review: Engine, progress: Callable[[int], None] | None = None) -> PassResult:
    """Index events added since the last pass; returns how much was done."""
    if not tracker_has_events(tracker):   # Rasa has not stored a conversation yet
        return PassResult(0, 0, 0)
    total_events = total_conversations = 0
    with review.begin() as rc:
        start = last_indexed(rc)
    last = start
    while True:
        t = db.tracker_events
        with tracker.connect() as tc:
            new = tc.execute(sa.select(t.c.id, t.c.sender_id).where(t.c.id > last)
                             .order_by(t.c.id).limit(BATCH_EVENTS)).all()
            if not new:
                break
            senders = sorted({sender for _, sender in new})
            events = events_of(tc, senders)
        with review.begin() as rc:
            for i in range(0, len(senders), SENDERS_PER_QUERY):
                _write(rc, [summarize(sender, events[sender]) for sender in senders[i:i + SENDERS_PER_QUERY]
                            if events[sender]])
            last = new[-1][0]
            _set_progress(rc, last)
        total_events += len(new)
        total_conversations += len(senders)
        if progress:
            progress(len(new))
    if total_events >= ANALYZE_AFTER_EVENTS:
        analyze(review)
    return PassResult(total_events, total_conversations, last)


def analyze(review: Engine) -> None:
    """Without fresh statistics PostgreSQL and SQLite pick scans over the indexes the filters need."""
    with review.begin() as rc:
        for table in db.metadata.sorted_tables:
            rc.execute(sa.text(f"ANALYZE {table.name}"))


def forget(review: Engine, sender_id: str) -> int:
    """Delete every review row about one conversation; returns how many rows went."""
    removed = 0
    with review.begin() as rc:
        for table in (db.facts, db.tags, db.notes, db.messages, db.conversations):
            removed += rc.execute(table.delete().where(table.c.sender_id == sender_id)).rowcount
    return removed


