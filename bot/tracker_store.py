"""Rasa's SQL tracker store, with personal data redacted before anything is written or streamed.

endpoints.yml names it (`type: bot.tracker_store.RedactingSQLTrackerStore`) with the same keys as
Rasa's `type: SQL` store: SQLite by default, PostgreSQL when configured. The patterns kept although
they look personal come from cartwise.yml (`privacy.keep`).

The turn in progress is not touched: actions of the same turn (taking an email address for the
team, say) still see what the shopper wrote; what reaches the database, the event broker and every
later turn is the redacted copy.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.trackers import DialogueStateTracker

from . import config
from .redaction import Redactor


class RedactingSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.redactor = Redactor.from_patterns(config.load().privacy_keep)
        # Rasa's engine keeps pooled connections that a database restart leaves dead, so the next
        # turn of every replica failed once; a ping on checkout replaces them first.
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    def redacted(self, tracker: DialogueStateTracker) -> DialogueStateTracker:
        events = [self.redactor.event(e.as_dict()) for e in tracker.events]
        slots = self.domain.slots if self.domain else []
        return DialogueStateTracker.from_dict(tracker.sender_id, events, slots, tracker._max_event_history)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(self.redacted(tracker))
