"""Coupon redemption ledger (SQLite): what the usage limits in coupon rules count."""
from __future__ import annotations

import sqlite3
import time
from pathlib import Path


def open_state(path: Path, schema: str) -> sqlite3.Connection:
    """The service's state database (`recommender.state_db`, shared by its stores), with `schema`
    applied: WAL, so the service's workers and the build read while one writes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(schema)
    return db


class RedemptionStore:
    def __init__(self, path: Path):
        self._db = open_state(path, """
            CREATE TABLE IF NOT EXISTS redemptions (code TEXT NOT NULL, shopper_id TEXT NOT NULL,
                order_id TEXT, saving REAL NOT NULL, at REAL NOT NULL, UNIQUE(code, shopper_id, order_id));
            CREATE INDEX IF NOT EXISTS redemptions_code ON redemptions(code, shopper_id);""")

    def uses(self, code: str, shopper_id: str | None) -> tuple[int, int]:
        """(uses by this shopper, uses by everyone)."""
        total = self._db.execute("SELECT COUNT(*) FROM redemptions WHERE code = ?", (code,)).fetchone()[0]
        mine = 0
        if shopper_id:
            mine = self._db.execute("SELECT COUNT(*) FROM redemptions WHERE code = ? AND shopper_id = ?",
                                    (code, shopper_id)).fetchone()[0]
        return mine, total

    def record(self, code: str, shopper_id: str, order_id: str | None, saving: float) -> bool:
        """False when this order already redeemed this code (a retried request)."""
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO redemptions (code, shopper_id, order_id, saving, at) VALUES (?, ?, ?, ?, ?)",
            (code, shopper_id, order_id or "", saving, time.time()))
        return cursor.rowcount == 1

    def close(self) -> None:
        self._db.close()
