"""The console's own state in SQLite: staff accounts, login sessions, handoffs.

Conversations themselves stay in Rasa's tracker store; a handoff row only says who owns which
conversation and why it was handed over.
"""
from __future__ import annotations

import json
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from cartwise.passwords import hash_password, verify_password

from .handoff import MISSED, OPEN, WAITING, Handoff

ROLES = ("agent", "reviewer", "admin")

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY, role TEXT NOT NULL, pw_hash TEXT NOT NULL, last_seen REAL NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS sessions (
    token TEXT PRIMARY KEY, name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    csrf TEXT NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS handoffs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id TEXT NOT NULL, status TEXT NOT NULL,
    reason TEXT NOT NULL, summary TEXT NOT NULL, owner TEXT, created REAL NOT NULL,
    taken REAL, closed REAL, contact TEXT);
-- one open handoff per conversation: asking twice joins the same queue entry
CREATE UNIQUE INDEX IF NOT EXISTS one_open_handoff ON handoffs(conversation_id)
    WHERE status IN ('waiting', 'owned');
CREATE INDEX IF NOT EXISTS handoffs_by_status ON handoffs(status, created);
"""


@dataclass(frozen=True)
class User:
    name: str
    role: str


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str


class ConsoleStore:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    # --- accounts and sessions
    def add_user(self, name: str, role: str, password: str) -> None:
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        if not name or len(name) > 64 or not name.replace("-", "").replace("_", "").isalnum():
            raise ValueError("a user name is 1-64 letters, digits, '-' or '_'")
        if len(password) < 10:
            raise ValueError("a password has at least 10 characters")
        self._db.execute("INSERT INTO users(name, role, pw_hash) VALUES (?, ?, ?) "
                         "ON CONFLICT(name) DO UPDATE SET role = excluded.role, pw_hash = excluded.pw_hash",
                         (name, role, hash_password(password)))

    def count_users(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM users").fetchone()[0]

    def login(self, name: str, password: str, ttl_s: float) -> tuple[str, Session] | None:
        row = self._db.execute("SELECT name, role, pw_hash FROM users WHERE name = ?", (name,)).fetchone()
        if row is None or not verify_password(password, row["pw_hash"]):
            return None
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self._db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?)", (token, name, csrf, time.time() + ttl_s))
        return token, Session(User(row["name"], row["role"]), csrf)

    def session(self, token: str, ttl_s: float) -> Session | None:
        """The live session behind a cookie; each use extends it (sliding expiry) and marks the user seen."""
        now = time.time()
        row = self._db.execute("SELECT s.name, s.csrf, s.expires, u.role FROM sessions s JOIN users u USING(name) "
                               "WHERE s.token = ?", (token,)).fetchone()
        if row is None or row["expires"] < now:
            if row is not None:
                self._db.execute("DELETE FROM sessions WHERE token = ?", (token,))
            return None
        self._db.execute("UPDATE sessions SET expires = ? WHERE token = ?", (now + ttl_s, token))
        self._db.execute("UPDATE users SET last_seen = ? WHERE name = ?", (now, row["name"]))
        return Session(User(row["name"], row["role"]), row["csrf"])

    def logout(self, token: str) -> None:
        """End the session; an agent who logs out is away at once, not after agent_online_s."""
        row = self._db.execute("DELETE FROM sessions WHERE token = ? RETURNING name", (token,)).fetchone()
        if row is not None:
            self._db.execute("UPDATE users SET last_seen = 0 WHERE name = ?", (row["name"],))

    def agents_online(self, within_s: float) -> int:
        return self._db.execute("SELECT COUNT(*) FROM users WHERE role IN ('agent', 'admin') AND last_seen >= ?",
                                (time.time() - within_s,)).fetchone()[0]

    # --- handoffs
    def open_handoff(self, conversation_id: str, reason: str, summary: dict, agents_online: bool) -> Handoff:
        """The conversation's open handoff, or a new one: waiting, or missed when nobody can take it."""
        existing = self._one("SELECT * FROM handoffs WHERE conversation_id = ? AND status IN ('waiting', 'owned')",
                             (conversation_id,))
        if existing:
            return existing
        status = WAITING if agents_online else MISSED
        try:
            cursor = self._db.execute(
                "INSERT INTO handoffs(conversation_id, status, reason, summary, created) VALUES (?, ?, ?, ?, ?)",
                (conversation_id, status, reason, json.dumps(summary), time.time()))
        except sqlite3.IntegrityError:   # another request opened it a moment ago
            return self.open_handoff(conversation_id, reason, summary, agents_online)
        return self.get(cursor.lastrowid)

    def get(self, handoff_id: int) -> Handoff | None:
        return self._one("SELECT * FROM handoffs WHERE id = ?", (handoff_id,))

    def latest_for(self, conversation_id: str) -> Handoff | None:
        return self._one("SELECT * FROM handoffs WHERE conversation_id = ? ORDER BY id DESC LIMIT 1",
                         (conversation_id,))

    def queue_position(self, h: Handoff) -> int:
        return self._db.execute("SELECT COUNT(*) FROM handoffs WHERE status = 'waiting' AND id <= ?",
                                (h.id,)).fetchone()[0]

    def list(self, statuses: tuple[str, ...], limit: int = 100, newest_first: bool = False) -> list[Handoff]:
        """Handoffs in these states: oldest first (a queue), or newest first (a history)."""
        marks = ",".join("?" * len(statuses))
        order = "DESC" if newest_first else "ASC"
        rows = self._db.execute(
            f"SELECT * FROM handoffs WHERE status IN ({marks}) ORDER BY created {order}, id {order} LIMIT ?",
            (*statuses, limit),
        ).fetchall()
        return [_handoff(r) for r in rows]

    def apply(self, before: Handoff, after: Handoff) -> bool:
        """Compare-and-set: write `after` only if the row still is `before`. False when someone else won."""
        if before == after:
            return True
        cursor = self._db.execute(
            "UPDATE handoffs SET status = ?, owner = ?, taken = ?, closed = ? "
            "WHERE id = ? AND status = ? AND owner IS ?",
            (after.status, after.owner, after.taken, after.closed, before.id, before.status, before.owner),
        )
        return cursor.rowcount == 1

    def set_contact(self, handoff_id: int, contact: str) -> None:
        self._db.execute("UPDATE handoffs SET contact = ? WHERE id = ?", (contact, handoff_id))

    def forget(self, conversation_id: str) -> int:
        """Delete the conversation's handoffs (their summaries and any email address left); returns how many."""
        return self._db.execute("DELETE FROM handoffs WHERE conversation_id = ?", (conversation_id,)).rowcount

    def _one(self, sql: str, args: tuple) -> Handoff | None:
        row = self._db.execute(sql, args).fetchone()
        return _handoff(row) if row else None


def _handoff(row: sqlite3.Row) -> Handoff:
    return Handoff(
        id=row["id"],
        conversation_id=row["conversation_id"],
        status=row["status"],
        reason=row["reason"],
        created=row["created"],
        summary=json.loads(row["summary"]),
        owner=row["owner"],
        taken=row["taken"],
        closed=row["closed"],
        contact=row["contact"],
    )


__all__ = ["ConsoleStore", "OPEN", "ROLES", "Session", "User"]
