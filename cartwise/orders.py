"""Orders: a small SQLite store (the embedded default), who may see them, and the rules for cancel and return.

An order belongs to the shopper who placed it. Only they, signed in, or a guest who gives the
order's email address, may read or change it; anyone else learns nothing, not even whether the
number exists. Every change records who made it.
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from .money import Currency


@dataclass(frozen=True)
class Order:
    id: str
    shopper_id: str
    status: str                # processing, shipped, delivered, cancelled, return_requested
    placed_on: dt.date
    eta: dt.date | None
    delivered_on: dt.date | None
    total: float
    items: tuple[str, ...]
    email: str | None = None


FIRST_ORDER_NUMBER = 10001   # numbers are sequential from here (the demo orders take the first ones)
PROOF_TRIES = 5             # wrong emails for one order number ...
PROOF_WINDOW_S = 3600       # ... within this long, from any conversation: then no more tries for a while


def owned_by(order: Order | None, shopper_id: str | None) -> bool:
    return order is not None and shopper_id is not None and order.shopper_id == shopper_id


def email_matches(order: Order | None, email: str) -> bool:
    return order is not None and bool(order.email) and order.email.strip().lower() == email.strip().lower()


def summary(order: Order, currency: Currency = Currency()) -> str:
    """'order 10002 (Tortilla/Nacho Chips, 12.5 oz and 1 more item, $12.15)': what a confirmation names."""
    more = len(order.items) - 1
    items = order.items[0] + (f" and {more} more item{'s' if more > 1 else ''}" if more > 0 else "")
    return f"order {order.id} ({items}, {currency.format(order.total)})"


def describe_status(order: Order) -> str:
    items = ", ".join(order.items[:3]) + ("..." if len(order.items) > 3 else "")
    if order.status == "processing":
        detail = f"is being prepared; expected by {order.eta:%A, %B %d}" if order.eta else "is being prepared"
    elif order.status == "shipped":
        detail = f"has shipped and should arrive by {order.eta:%A, %B %d}" if order.eta else "has shipped"
    elif order.status == "delivered":
        detail = f"was delivered on {order.delivered_on:%B %d}"
    elif order.status == "cancelled":
        detail = "was cancelled"
    else:
        detail = "has a return in progress"
    return f"Order {order.id} ({items}) {detail}."


def cancel_decision(order: Order, currency: Currency = Currency()) -> tuple[bool, str]:
    if order.status == "processing":
        return True, f"Done: order {order.id} is cancelled. You'll be refunded {currency.format(order.total)}."
    if order.status == "shipped":
        return (
            False,
            f"Order {order.id} has already shipped, so it can't be cancelled. Once it arrives you can return it.",
        )
    if order.status == "cancelled":
        return False, f"Order {order.id} was already cancelled."
    return False, f"Order {order.id} was already delivered; I can start a return instead."


def return_decision(order: Order, today: dt.date, window_days: int,
                    currency: Currency = Currency()) -> tuple[bool, str]:
    if order.status == "return_requested":
        return False, f"A return for order {order.id} is already in progress."
    if order.status != "delivered" or order.delivered_on is None:
        return False, f"Order {order.id} hasn't been delivered yet ({order.status}), so there is nothing to return."
    age = (today - order.delivered_on).days
    if age > window_days:
        return False, (
            f"Order {order.id} was delivered {age} days ago; returns are accepted within "
            f"{window_days} days. A person can look at exceptions: say \"talk to a person\"."
        )
    return True, (
        f"Return started for order {order.id}. Print the return label from your account page and "
        f"drop the items off within 14 days; {currency.format(order.total)} will be refunded."
    )


class OrderStore:
    def __init__(self, path: Path, seed: Path | None = None, today: dt.date | None = None):
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = not path.exists()
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")   # the shop writes orders while the action server reads
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, shopper_id TEXT, status TEXT NOT NULL, "
            "placed_on TEXT NOT NULL, eta TEXT, delivered_on TEXT, total REAL NOT NULL, items TEXT NOT NULL, "
            "email TEXT)"
        )
        if "email" not in {row[1] for row in self._db.execute("PRAGMA table_info(orders)")}:
            self._db.execute("ALTER TABLE orders ADD COLUMN email TEXT")   # a store made before orders had owners
        self._db.execute("CREATE TABLE IF NOT EXISTS order_changes (order_id TEXT NOT NULL, status TEXT NOT NULL, "
                         "actor TEXT NOT NULL, conversation_id TEXT, at REAL NOT NULL)")
        self._db.execute("CREATE TABLE IF NOT EXISTS failed_proofs (order_id TEXT NOT NULL, at REAL NOT NULL)")
        if fresh and seed is not None and seed.exists():
            self._seed(seed, today or dt.date.today())

    def _seed(self, seed: Path, today: dt.date) -> None:
        def days_ago(n: object) -> str | None:
            return None if n is None else (today - dt.timedelta(days=int(n))).isoformat()

        for o in (yaml.safe_load(seed.read_text()) or {}).get("orders", []):
            placed = days_ago(o["placed_days_ago"])
            eta = (
                (dt.date.fromisoformat(placed) + dt.timedelta(days=int(o["eta_days"]))).isoformat()
                if o.get("eta_days") is not None
                else None
            )
            self._db.execute(
                "INSERT OR IGNORE INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    str(o["id"]),
                    o.get("shopper_id"),
                    o["status"],
                    placed,
                    eta,
                    days_ago(o.get("delivered_days_ago")),
                    float(o["total"]),
                    json.dumps(o["items"]),
                    o.get("email"),
                ),
            )

    def get(self, order_id: str) -> Order | None:
        row = self._db.execute("SELECT id, shopper_id, status, placed_on, eta, delivered_on, total, items, email "
                               "FROM orders WHERE id = ?", (order_id,)).fetchone()
        if row is None:
            return None

        def date(v: str | None) -> dt.date | None:
            return dt.date.fromisoformat(v) if v else None

        return Order(
            row[0], row[1], row[2], date(row[3]), date(row[4]), date(row[5]), row[6], tuple(json.loads(row[7])),
            row[8],
        )

    def place(self, shopper_id: str | None, email: str | None, items: list[str], total: float, today: dt.date,
              eta_days: int = 4) -> Order:
        """A new order, being prepared, under the next free number; recorded as placed by its shopper
        (or "guest" with the email)."""
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            last = self._db.execute("SELECT MAX(CAST(id AS INTEGER)) FROM orders").fetchone()[0]
            order_id = str(max(int(last or 0), FIRST_ORDER_NUMBER - 1) + 1)
            self._db.execute("INSERT INTO orders VALUES (?, ?, 'processing', ?, ?, NULL, ?, ?, ?)",
                             (order_id, shopper_id, today.isoformat(),
                              (today + dt.timedelta(days=eta_days)).isoformat(), round(total, 2), json.dumps(items),
                              email))
            self._db.execute("INSERT INTO order_changes VALUES (?, 'processing', ?, NULL, ?)",
                             (order_id, f"shopper {shopper_id}" if shopper_id else "guest", time.time()))
        found = self.get(order_id)
        assert found is not None
        return found

    def set_status(self, order_id: str, status: str, actor: str, conversation_id: str | None) -> None:
        """Change an order's status and record who did it, in one transaction."""
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute("UPDATE orders SET status = ? WHERE id = ?", (status, order_id))
            self._db.execute("INSERT INTO order_changes VALUES (?, ?, ?, ?, ?)",
                             (order_id, status, actor, conversation_id, time.time()))

    def changes(self, order_id: str) -> list[tuple[str, str, str | None]]:
        """(status, actor, conversation id) of each change, oldest first."""
        return [tuple(r) for r in self._db.execute(
            "SELECT status, actor, conversation_id FROM order_changes WHERE order_id = ? ORDER BY at", (order_id,))]

    def proof_tries_left(self, order_id: str, now: float | None = None) -> int:
        since = (now or time.time()) - PROOF_WINDOW_S
        used = self._db.execute("SELECT COUNT(*) FROM failed_proofs WHERE order_id = ? AND at > ?",
                                (order_id, since)).fetchone()[0]
        return max(PROOF_TRIES - used, 0)

    def record_failed_proof(self, order_id: str) -> None:
        self._db.execute("INSERT INTO failed_proofs VALUES (?, ?)", (order_id, time.time()))

    def close(self) -> None:
        self._db.close()
