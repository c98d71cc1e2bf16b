"""Who is chatting, as far as the action server can trust it: the shop's signed token, verified.

The page sends the token with every message (metadata `identity`; rasa-webchat's `customData`).
A valid token is bound to the first conversation that presents it: the same token in another
conversation (copied, replayed) is a guest there. Nothing else in a message is identity.
"""
from __future__ import annotations

import sqlite3
import time
from functools import lru_cache
from pathlib import Path

from rasa_sdk import Tracker

from cartwise.identity import IdentitySettings, load_settings, verify

from .config import settings


class TokenBindings:
    """Which conversation each token belongs to (SQLite; rows go when their token expires)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS token_bindings (token_id TEXT PRIMARY KEY, "
                         "conversation_id TEXT NOT NULL, expires_at REAL NOT NULL)")

    def bind(self, token_id: str, conversation_id: str, expires_at: float) -> bool:
        """True when the token is this conversation's (now or from before), False when another's."""
        self._db.execute("DELETE FROM token_bindings WHERE expires_at < ?", (time.time(),))
        self._db.execute("INSERT OR IGNORE INTO token_bindings VALUES (?, ?, ?)",
                         (token_id, conversation_id, expires_at))
        owner = self._db.execute("SELECT conversation_id FROM token_bindings WHERE token_id = ?",
                                 (token_id,)).fetchone()
        return owner is not None and owner[0] == conversation_id


@lru_cache(maxsize=1)
def _identity() -> IdentitySettings:
    return load_settings()


@lru_cache(maxsize=1)
def _bindings() -> TokenBindings:
    return TokenBindings(settings().identity_db)


def shopper_id(tracker: Tracker) -> str | None:
    """The signed-in shopper's id, or None for a guest."""
    metadata = tracker.latest_message.get("metadata")
    token = metadata.get("identity") if isinstance(metadata, dict) else None
    found = verify(token, _identity()) if token else None
    if found is None or not _bindings().bind(found.token_id, tracker.sender_id, found.expires_at):
        return None
    return found.shopper_id


def recommender_shopper(tracker: Tracker) -> str:
    """Who the recommender serves: a signed-in shopper by id (their history joins the blend and
    their coupon uses count across chats), else this conversation as a guest. The "guest:" prefix
    means no guest can pass for a shopper by choosing a sender id."""
    return shopper_id(tracker) or f"guest:{tracker.sender_id}"
