"""Where review reads and writes: Rasa's tracker store (read) and the review index (read-write).

Both are SQLAlchemy engines, so SQLite and PostgreSQL behave the same. The tracker store is found
the way Rasa finds it, from endpoints.yml; the review index has its own URL (`console.review.db` in cartwise.yml)
because two writers on one SQLite file would make Rasa wait for the indexer.
"""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from cartwise.sql import engine_for


class _NulFree:
    """PostgreSQL's text cannot hold NUL, and a shopper (or a reviewer's note) can contain one: it
    is stored as U+FFFD, and so is every value compared with these columns, so lookups still match.
    One such message used to stop the index for good, every pass failing on the same event."""

    cache_ok = True

    def process_bind_param(self, value, dialect):
        return value.replace("\x00", "\ufffd") if isinstance(value, str) else value


class NulFreeString(_NulFree, sa.types.TypeDecorator):
    impl = sa.String


class NulFreeText(_NulFree, sa.types.TypeDecorator):
    impl = sa.Text


metadata = sa.MetaData()

conversations = sa.Table(
    "review_conversations",
    metadata,
    sa.Column("sender_id", NulFreeString(255), primary_key=True),
    sa.Column("started", sa.Float, nullable=False),
    sa.Column("started_day", sa.Integer, nullable=False),  # days since 1970 (UTC): per-day counts, same on every engine
    sa.Column("last_ts", sa.Float, nullable=False),
    sa.Column("last_event_id", sa.Integer, nullable=False),
    sa.Column("channel", NulFreeString(64), nullable=False),
    sa.Column("user_turns", sa.Integer, nullable=False),
    sa.Column("min_confidence", sa.Float),
    sa.Column("fallback", sa.Boolean, nullable=False),
    sa.Column("handoff", sa.Boolean, nullable=False),
    sa.Column("recs_shown", sa.Integer, nullable=False),
    sa.Column("rec_clicks", sa.Integer, nullable=False),
    sa.Column("rec_adds", sa.Integer, nullable=False),
    sa.Column("coupons_offered", sa.Integer, nullable=False),
    sa.Column("coupons_applied", sa.Integer, nullable=False),
    sa.Column("reviewed", sa.Boolean, nullable=False, default=False),
    sa.Column("reviewed_by", NulFreeString(64)),
    # The list pages newest first: keyset paging walks this index instead of counting offsets.
    sa.Index("review_conversations_by_time", "last_ts", "sender_id"),
    sa.Index("review_conversations_by_start", "started"),
)

# Facts a conversation has (an intent seen, an action run, a slot value): filter by EXISTS on the index.
facts = sa.Table(
    "review_facts",
    metadata,
    sa.Column("kind", NulFreeString(16), primary_key=True),
    sa.Column("value", NulFreeString(255), primary_key=True),
    sa.Column("sender_id", NulFreeString(255), primary_key=True),
    sa.Index("review_facts_by_sender", "sender_id"),
)

tags = sa.Table(
    "review_tags",
    metadata,
    sa.Column("tag", NulFreeString(64), primary_key=True),
    sa.Column("sender_id", NulFreeString(255), primary_key=True),
    sa.Index("review_tags_by_sender", "sender_id"),
)

notes = sa.Table(
    "review_notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", NulFreeString(255), nullable=False, index=True),
    sa.Column("author", NulFreeString(64), nullable=False),
    sa.Column("text", NulFreeText, nullable=False),
    sa.Column("created", sa.Float, nullable=False),
)

# Shopper messages for the NLU inbox; `status` survives re-indexing (new, confirmed, corrected, ignored).
messages = sa.Table(
    "review_messages",
    metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("sender_id", NulFreeString(255), nullable=False),
    sa.Column("ts", sa.Float, nullable=False),
    sa.Column("text", NulFreeText, nullable=False),
    sa.Column("intent", NulFreeString(255), nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("entities", NulFreeText, nullable=False),
    sa.Column("fallback", sa.Boolean, nullable=False),
    sa.Column("status", NulFreeString(16), nullable=False, default="new"),
    sa.Column("corrected_intent", NulFreeString(255)),
    sa.Column("reviewed_by", NulFreeString(64)),
    sa.Index("review_messages_inbox", "status", "ts"),
    sa.Index("review_messages_by_sender", "sender_id"),
)

# How far the indexer has read the tracker store's events table.
progress = sa.Table(
    "review_progress",
    metadata,
    sa.Column("name", NulFreeString(32), primary_key=True),
    sa.Column("last_event_id", sa.Integer, nullable=False),
)

# Rasa's own table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent), read but never created here.
tracker_events = sa.Table(
    "events",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255)),
    sa.Column("type_name", sa.String(255)),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)


def review_engine(url: str) -> Engine:
    engine = engine_for(url)
    metadata.create_all(engine)
    return engine


def tracker_store_url(endpoints: Path) -> str:
    """The tracker store's SQLAlchemy URL, read from endpoints.yml as Rasa reads it (env vars included)."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.utils.endpoints import read_endpoint_config

    config = read_endpoint_config(str(endpoints), "tracker_store")
    if config is None:
        raise ValueError(f"{endpoints} has no tracker_store section: review needs Rasa's SQL tracker store")
    kwargs = dict(config.kwargs)
    if "dialect" not in kwargs and not (config.url and "://" in config.url):
        raise ValueError(f"{endpoints}: the tracker store is {config.type!r}; review needs an SQL tracker store")
    db = kwargs.get("db", "rasa.db")
    if kwargs.get("dialect", "sqlite") == "sqlite" and not Path(db).is_absolute():
        db = str((endpoints.parent / db).resolve())  # Rasa resolves it against its working folder, the project
    url = SQLTrackerStore.get_db_url(
        kwargs.get("dialect", "sqlite"),
        config.url,
        kwargs.get("port"),
        db,
        kwargs.get("username"),
        kwargs.get("password"),
        None,
        kwargs.get("query"),
    )
    return url if isinstance(url, str) else url.render_as_string(hide_password=False)
