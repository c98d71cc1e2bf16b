"""The review console's operations, over the tracker store and the review index (blocking; the HTTP
handlers run them in a worker thread)."""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

import sqlalchemy as sa
from rasa.shared.core.domain import Domain

from ..config import ReviewSettings
from ..transcript import transcript
from . import db, indexer, queries
from .training_data import BadCorrection, Correction, add_example, parse_correction, save_story, test_story

MAX_TAG_CHARS = 40
MAX_NOTE_CHARS = 4000


class NotFound(LookupError):
    pass


class Review:
    def __init__(self, settings: ReviewSettings):
        self.settings = settings
        self.tracker = db.engine_for(db.tracker_store_url(settings.endpoints))
        self.index = db.review_engine(settings.db_url)
        self.domain = Domain.load(str(settings.domain))
        self._indexing = threading.Lock()   # one pass at a time: passes re-read the same progress row
        self._files = threading.Lock()      # one writer of the training-data files at a time

    def close(self) -> None:
        self.tracker.dispose()
        self.index.dispose()

    def refresh(self, progress: Callable[[int], None] | None = None) -> indexer.PassResult:
        with self._indexing:
            return indexer.index_pass(self.tracker, self.index, progress=progress)

    # --- reading
    def conversations(self, filters: queries.Filters, cursor: str | None, limit: int) -> dict[str, Any]:
        with self.index.connect() as conn:
            items, following = queries.list_conversations(conn, filters, cursor, limit)
        return {"items": items, "next": following}

    def inbox(self, threshold: float, cursor: str | None, limit: int) -> dict[str, Any]:
        with self.index.connect() as conn:
            items, following = queries.inbox(conn, threshold, cursor, limit)
        return {"items": items, "next": following, "threshold": threshold}

    def analytics(self, filters: queries.Filters) -> dict[str, Any]:
        with self.index.connect() as conn:
            return queries.analytics(conn, filters)

    def events(self, sender_id: str) -> list[tuple[int, dict[str, Any]]]:
        with self.tracker.connect() as conn:
            return indexer.events_of(conn, [sender_id])[sender_id]

    def conversation(self, sender_id: str) -> dict[str, Any]:
        c = db.conversations
        with self.index.connect() as conn:
            row = conn.execute(sa.select(c).where(c.c.sender_id == sender_id)).mappings().first()
            if row is None:
                raise NotFound(f"no conversation {sender_id!r} in the review index")
            tags = _tags(conn, sender_id)
            notes = [dict(n) for n in conn.execute(sa.select(db.notes).where(db.notes.c.sender_id == sender_id)
                                                   .order_by(db.notes.c.id)).mappings()]
        rows = self.events(sender_id)
        return {"conversation": {**row, "tags": tags}, "notes": notes,
                "transcript": transcript([e for _, e in rows], [i for i, _ in rows], detail=True)}

    def options(self) -> dict[str, Any]:
        """What the filter and correction forms offer: the domain's names, the channels and tags in use."""
        with self.index.connect() as conn:
            channels = [c for (c,) in conn.execute(sa.select(db.conversations.c.channel).distinct()) if c]
            tags = [t for (t,) in conn.execute(sa.select(db.tags.c.tag).distinct().order_by(db.tags.c.tag))]
        return {"intents": sorted(i for i in self.domain.intents if not i.startswith("session_")),
                "entities": sorted(self.domain.entities),
                "actions": sorted(a for a in self.domain.user_actions),
                "slots": sorted(s.name for s in self.domain.slots),
                "channels": sorted(channels), "tags": tags}

    # --- writing
    def _indexed(self, sender_id: str) -> bool:
        with self.index.connect() as conn:
            return conn.execute(sa.select(db.conversations.c.sender_id)
                                .where(db.conversations.c.sender_id == sender_id)).first() is not None

    def _require(self, sender_id: str) -> None:
        """A conversation of the last seconds may not be indexed yet (the pass runs every
        index_every_s): index what is new before answering that it does not exist."""
        if self._indexed(sender_id):
            return
        self.refresh()
        if not self._indexed(sender_id):
            raise NotFound(f"no conversation {sender_id!r} in the review index")

    def set_reviewed(self, sender_id: str, reviewed: bool, by: str) -> None:
        self._require(sender_id)
        c = db.conversations
        with self.index.begin() as conn:
            conn.execute(c.update().where(c.c.sender_id == sender_id)
                         .values(reviewed=reviewed, reviewed_by=by if reviewed else None))

    def add_tag(self, sender_id: str, tag: str) -> list[str]:
        tag = tag.strip().lower()
        if not tag or len(tag) > MAX_TAG_CHARS or not all(ch.isalnum() or ch in "-_ " for ch in tag):
            raise BadCorrection(f"a tag is 1-{MAX_TAG_CHARS} letters, digits, spaces, '-' or '_'")
        self._require(sender_id)
        with self.index.begin() as conn:
            t = db.tags
            if conn.execute(sa.select(t.c.tag).where(t.c.tag == tag, t.c.sender_id == sender_id)).first() is None:
                conn.execute(t.insert().values(tag=tag, sender_id=sender_id))
            return _tags(conn, sender_id)

    def remove_tag(self, sender_id: str, tag: str) -> None:
        with self.index.begin() as conn:
            conn.execute(db.tags.delete().where(db.tags.c.tag == tag, db.tags.c.sender_id == sender_id))

    def add_note(self, sender_id: str, author: str, text: str) -> dict[str, Any]:
        text = text.strip()
        if not text or len(text) > MAX_NOTE_CHARS:
            raise BadCorrection(f"a note has 1-{MAX_NOTE_CHARS} characters")
        self._require(sender_id)
        with self.index.begin() as conn:
            note = {"sender_id": sender_id, "author": author, "text": text, "created": time.time()}
            note["id"] = conn.execute(db.notes.insert().values(**note)).inserted_primary_key[0]
        return note

    def message(self, event_id: int) -> dict[str, Any]:
        with self.index.connect() as conn:
            row = conn.execute(sa.select(db.messages).where(db.messages.c.event_id == event_id)).mappings().first()
        if row is None:
            raise NotFound(f"no shopper message {event_id} in the review index")
        return dict(row)

    def correct(self, event_id: int, intent: str, annotated: str, by: str) -> dict[str, Any]:
        """Write the reviewer's reading of a message to the training data and take it out of the inbox."""
        message = self.message(event_id)
        correction: Correction = parse_correction(annotated or message["text"], intent, message["text"], self.domain)
        with self._files:
            outcome = add_example(self.settings.nlu_file, correction, sorted(self.settings.data_dir.rglob("*.yml")))
        status = "confirmed" if intent == message["intent"] else "corrected"
        self._set_status(event_id, status, by, intent)
        return {"outcome": outcome, "status": status, "file": str(self.settings.nlu_file),
                "example": correction.annotated}

    def ignore(self, event_id: int, by: str) -> None:
        self.message(event_id)
        self._set_status(event_id, "ignored", by, None)

    def _set_status(self, event_id: int, status: str, by: str, intent: str | None) -> None:
        m = db.messages
        with self.index.begin() as conn:
            conn.execute(
                m.update()
                .where(m.c.event_id == event_id)
                .values(status=status, reviewed_by=by, corrected_intent=intent)
            )

    def save_story(self, sender_id: str, name: str | None) -> dict[str, Any]:
        self._require(sender_id)
        rows = self.events(sender_id)
        story = test_story(sender_id, [e for _, e in rows], self.domain, (name or f"reviewed {sender_id}")[:120])
        with self._files:
            outcome = save_story(self.settings.stories_file, story)
        return {
            "outcome": outcome,
            "file": str(self.settings.stories_file),
            "story": story["story"],
            "steps": len(story["steps"]),
        }

    def forget(self, sender_id: str) -> dict[str, int]:
        """Delete the conversation from the tracker store and the review index."""
        t = db.tracker_events
        events = 0
        if indexer.tracker_has_events(self.tracker):
            with self.tracker.begin() as conn:
                events = conn.execute(t.delete().where(t.c.sender_id == sender_id)).rowcount
        return {"tracker_events": events, "review_rows": indexer.forget(self.index, sender_id)}


def _tags(conn: sa.engine.Connection, sender_id: str) -> list[str]:
    t = db.tags
    return [tag for (tag,) in conn.execute(sa.select(t.c.tag).where(t.c.sender_id == sender_id).order_by(t.c.tag))]
