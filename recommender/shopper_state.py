"""What the service keeps about signed-in shoppers between builds (SQLite beside the coupon ledger).

- Baskets bought since the last build (the shop's checkouts), so their next suggestions know them at
  once; the next build folds them into the models and records up to which one
  (`manifest.recent_baskets.up_to_seq`), and the service adds only later ones.
- Whether their history may be used: a shopper can ask the bot to stop (and to start again), and
  `console forget-shopper` stops it for good and deletes their recent baskets.
"""
from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from .redemptions import open_state


class ShopperState:
    def __init__(self, path: Path):
        self._db = open_state(path, """
            CREATE TABLE IF NOT EXISTS recent_baskets (seq INTEGER PRIMARY KEY AUTOINCREMENT,
                basket_id TEXT NOT NULL, shopper_id TEXT NOT NULL, product_id TEXT NOT NULL, at REAL NOT NULL,
                UNIQUE(basket_id, product_id));
            CREATE INDEX IF NOT EXISTS recent_baskets_shopper ON recent_baskets(shopper_id, seq);
            CREATE TABLE IF NOT EXISTS history_off (shopper_id TEXT PRIMARY KEY, forgotten INTEGER NOT NULL,
                at REAL NOT NULL);""")

    def add(self, shopper_id: str, basket_id: str, product_ids: list[str]) -> bool:
        """Record a basket; False when this basket id was recorded before (a retried checkout)."""
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            if self._db.execute("SELECT 1 FROM recent_baskets WHERE basket_id = ?", (basket_id,)).fetchone():
                return False
            now = time.time()
            self._db.executemany("INSERT OR IGNORE INTO recent_baskets (basket_id, shopper_id, product_id, at) "
                                 "VALUES (?, ?, ?, ?)", [(basket_id, shopper_id, p, now) for p in product_ids])
        return True

    def of(self, shopper_id: str, after_seq: int) -> list[list[str]]:
        """This shopper's baskets recorded after `after_seq`, oldest first, each its product ids."""
        baskets: dict[str, list[str]] = {}
        for basket, product in self._db.execute(
                "SELECT basket_id, product_id FROM recent_baskets WHERE shopper_id = ? AND seq > ? ORDER BY seq",
                (shopper_id, after_seq)):
            baskets.setdefault(basket, []).append(product)
        return list(baskets.values())

    def lines(self) -> pd.DataFrame:
        """Every recorded basket as basket lines (the import's columns), with `seq`, for the build."""
        return pd.read_sql_query("SELECT seq, basket_id, shopper_id AS user_id, product_id, at FROM recent_baskets "
                                 "ORDER BY seq", self._db)

    def history_status(self, shopper_id: str) -> str:
        """"on", "off" (they asked to stop) or "forgotten" (deleted on request, for good)."""
        row = self._db.execute("SELECT forgotten FROM history_off WHERE shopper_id = ?", (shopper_id,)).fetchone()
        return "on" if row is None else "forgotten" if row[0] else "off"

    def uses_history(self, shopper_id: str) -> bool:
        return self.history_status(shopper_id) == "on"

    def set_use_history(self, shopper_id: str, use: bool) -> bool:
        """Stop or start using a shopper's history; False when they were forgotten (that stays)."""
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            row = self._db.execute("SELECT forgotten FROM history_off WHERE shopper_id = ?", (shopper_id,)).fetchone()
            if row is not None and row[0]:
                return False
            if use:
                self._db.execute("DELETE FROM history_off WHERE shopper_id = ?", (shopper_id,))
            else:
                self._db.execute("INSERT OR REPLACE INTO history_off VALUES (?, 0, ?)", (shopper_id, time.time()))
        return True

    def forget(self, shopper_id: str) -> int:
        """Never use this shopper's history again and delete their recent baskets; how many went."""
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            removed = self._db.execute("SELECT COUNT(DISTINCT basket_id) FROM recent_baskets WHERE shopper_id = ?",
                                       (shopper_id,)).fetchone()[0]
            self._db.execute("DELETE FROM recent_baskets WHERE shopper_id = ?", (shopper_id,))
            self._db.execute("INSERT OR REPLACE INTO history_off VALUES (?, 1, ?)", (shopper_id, time.time()))
        return int(removed)

    def forgotten(self) -> set[str]:
        return {r[0] for r in self._db.execute("SELECT shopper_id FROM history_off WHERE forgotten = 1")}

    def close(self) -> None:
        self._db.close()
