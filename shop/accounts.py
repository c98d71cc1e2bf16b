"""Shoppers' accounts on the demo shop: email and password (scrypt), wrong passwords limited.

The session itself is a signed cookie (app.py), so any replica of the shop knows it. A signed-in
shopper's page asks for a chat token (cartwise/identity.py) and hands it to the widget; that
token, not the cookie, is what the bot trusts. Wrong passwords for one email are limited
(SIGN_IN_TRIES per SIGN_IN_WINDOW_S) so a password cannot be guessed through the page.
"""
from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

from cartwise.passwords import hash_password, verify_password

SIGN_IN_TRIES = 5
SIGN_IN_WINDOW_S = 900
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,253}\.[A-Za-z]{2,24}$")
SCHEMA = """
CREATE TABLE IF NOT EXISTS shoppers (email TEXT PRIMARY KEY, shopper_id TEXT NOT NULL UNIQUE, pw_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS failed_sign_ins (email TEXT NOT NULL, at REAL NOT NULL);
"""


class TooManyTries(Exception):
    pass


class ShopperAccounts:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def add(self, email: str, shopper_id: str, password: str) -> None:
        email = email.strip().lower()
        if not EMAIL.match(email):
            raise ValueError(f"not an email address: {email!r}")
        if len(password) < 10:
            raise ValueError("a password has at least 10 characters")
        self._db.execute("INSERT INTO shoppers VALUES (?, ?, ?) ON CONFLICT(email) DO UPDATE SET "
                         "shopper_id = excluded.shopper_id, pw_hash = excluded.pw_hash",
                         (email, shopper_id, hash_password(password)))

    def email_of(self, shopper_id: str) -> str | None:
        row = self._db.execute("SELECT email FROM shoppers WHERE shopper_id = ?", (shopper_id,)).fetchone()
        return row[0] if row else None

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM shoppers").fetchone()[0]

    def sign_in(self, email: str, password: str) -> str | None:
        """The shopper id, or None for a wrong email or password (the same answer for both);
        TooManyTries once this email has had SIGN_IN_TRIES wrong passwords lately."""
        email, now = email.strip().lower(), time.time()
        tries = self._db.execute("SELECT COUNT(*) FROM failed_sign_ins WHERE email = ? AND at > ?",
                                 (email, now - SIGN_IN_WINDOW_S)).fetchone()[0]
        if tries >= SIGN_IN_TRIES:
            raise TooManyTries(email)
        row = self._db.execute("SELECT shopper_id, pw_hash FROM shoppers WHERE email = ?", (email,)).fetchone()
        if row is None or not verify_password(password, row[1]):
            self._db.execute("INSERT INTO failed_sign_ins VALUES (?, ?)", (email, now))
            return None
        return row[0]
