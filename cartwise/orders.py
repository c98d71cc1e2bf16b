"""Orders: a store (SQLite embedded, or PostgreSQL shared by pods), who may see them, and the rules for
cancel and return.

An order belongs to the shopper who placed it. Only they, signed in, or a guest who gives the
order's email address, may read or change it; anyone else learns nothing, not even whether the
number exists. Every change records who made it.
"""
from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
import yaml

from .config import store_url
from .money import Currency
from .sql import engine_for


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


orders_table = sa.Table(
    "orders", sa.MetaData(),
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("shopper_id", sa.String(255)),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("placed_on", sa.String(10), nullable=False),   # ISO dates: the same text in every database
    sa.Column("eta", sa.String(10)),
    sa.Column("delivered_on", sa.String(10)),
    sa.Column("total", sa.Float, nullable=False),
    sa.Column("items", sa.Text, nullable=False),              # JSON list of item names
    sa.Column("email", sa.String(255)),
)
metadata = orders_table.metadata
changes_table = sa.Table(
    "order_changes", metadata,
    sa.Column("order_id", sa.String(32), nullable=False, index=True),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("actor", sa.String(255), nullable=False),
    sa.Column("conversation_id", sa.String(255)),
    sa.Column("at", sa.Float, nullable=False),
)
proofs_table = sa.Table(
    "failed_proofs", metadata,
    sa.Column("order_id", sa.String(32), nullable=False, index=True),
    sa.Column("at", sa.Float, nullable=False),
)
# The last order number given: one row, whose update serialises concurrent checkouts in SQLite
# and PostgreSQL alike (MAX(id) + 1 would give two shops' pods the same number).
numbers_table = sa.Table(
    "order_numbers", metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("last", sa.Integer, nullable=False),
)


class OrderStore:
    """The orders the shop places and the bot answers about. `target`: a SQLite file (the embedded
    default) or a database URL (`postgresql://...`, where the shop and the action server run as
    separate pods and must see one store)."""

    def __init__(self, target: Path | str, seed: Path | None = None, today: dt.date | None = None):
        self._engine = engine_for(store_url(Path.cwd(), target))
        existing = sa.inspect(self._engine)
        fresh = not existing.has_table("orders")
        if not fresh and "email" not in {c["name"] for c in existing.get_columns("orders")}:
            with self._engine.begin() as db:   # a store made before orders had owners
                db.execute(sa.text("ALTER TABLE orders ADD COLUMN email VARCHAR(255)"))
        metadata.create_all(self._engine)
        if fresh and seed is not None and seed.exists():
            self._seed(seed, today or dt.date.today())
        self._start_numbering()

    def _seed(self, seed: Path, today: dt.date) -> None:
        def days_ago(n: object) -> str | None:
            return None if n is None else (today - dt.timedelta(days=int(n))).isoformat()

        rows = []
        for o in (yaml.safe_load(seed.read_text()) or {}).get("orders", []):
            placed = days_ago(o["placed_days_ago"])
            eta = ((dt.date.fromisoformat(placed) + dt.timedelta(days=int(o["eta_days"]))).isoformat()
                   if o.get("eta_days") is not None else None)
            rows.append({"id": str(o["id"]), "shopper_id": o.get("shopper_id"), "status": o["status"],
                         "placed_on": placed, "eta": eta, "delivered_on": days_ago(o.get("delivered_days_ago")),
                         "total": float(o["total"]), "items": json.dumps(o["items"]), "email": o.get("email")})
        if not rows:
            return
        try:
            with self._engine.begin() as db:
                db.execute(orders_table.insert(), rows)
        except sa.exc.IntegrityError:
            pass   # another process created and seeded the store at the same moment

    def _start_numbering(self) -> None:
        with self._engine.connect() as db:
            if db.execute(sa.select(numbers_table.c.last).where(numbers_table.c.name == "orders")).first():
                return
            ids = db.execute(sa.select(orders_table.c.id)).scalars()
            last = max([int(i) for i in ids if i.isdigit()] + [FIRST_ORDER_NUMBER - 1])
        try:
            with self._engine.begin() as db:
                db.execute(numbers_table.insert().values(name="orders", last=last))
        except sa.exc.IntegrityError:
            pass   # another process started the numbering first

    def get(self, order_id: str) -> Order | None:
        with self._engine.connect() as db:
            row = db.execute(sa.select(orders_table).where(orders_table.c.id == order_id)).first()
        if row is None:
            return None

        def date(v: str | None) -> dt.date | None:
            return dt.date.fromisoformat(v) if v else None

        r = row._mapping   # by name: a Row's own .items is a method
        return Order(r["id"], r["shopper_id"], r["status"], date(r["placed_on"]), date(r["eta"]),
                     date(r["delivered_on"]), r["total"], tuple(json.loads(r["items"])), r["email"])

    def place(self, shopper_id: str | None, email: str | None, items: list[str], total: float, today: dt.date,
              eta_days: int = 4) -> Order:
        """A new order, being prepared, under the next free number; recorded as placed by its shopper
        (or "guest" with the email)."""
        with self._engine.begin() as db:
            db.execute(numbers_table.update().where(numbers_table.c.name == "orders")
                       .values(last=numbers_table.c.last + 1))
            order_id = str(db.execute(sa.select(numbers_table.c.last)
                                      .where(numbers_table.c.name == "orders")).scalar_one())
            db.execute(orders_table.insert().values(
                id=order_id, shopper_id=shopper_id, status="processing", placed_on=today.isoformat(),
                eta=(today + dt.timedelta(days=eta_days)).isoformat(), delivered_on=None, total=round(total, 2),
                items=json.dumps(items), email=email))
            db.execute(changes_table.insert().values(
                order_id=order_id, status="processing", actor=f"shopper {shopper_id}" if shopper_id else "guest",
                conversation_id=None, at=time.time()))
        found = self.get(order_id)
        assert found is not None
        return found

    def set_status(self, order_id: str, status: str, actor: str, conversation_id: str | None) -> None:
        """Change an order's status and record who did it, in one transaction."""
        with self._engine.begin() as db:
            db.execute(orders_table.update().where(orders_table.c.id == order_id).values(status=status))
            db.execute(changes_table.insert().values(order_id=order_id, status=status, actor=actor,
                                                     conversation_id=conversation_id, at=time.time()))

    def changes(self, order_id: str) -> list[tuple[str, str, str | None]]:
        """(status, actor, conversation id) of each change, oldest first."""
        c = changes_table.c
        with self._engine.connect() as db:
            rows = db.execute(sa.select(c.status, c.actor, c.conversation_id)
                              .where(c.order_id == order_id).order_by(c.at))
            return [tuple(r) for r in rows]

    def proof_tries_left(self, order_id: str, now: float | None = None) -> int:
        since = (now or time.time()) - PROOF_WINDOW_S
        c = proofs_table.c
        with self._engine.connect() as db:
            used = db.execute(sa.select(sa.func.count()).select_from(proofs_table)
                              .where(c.order_id == order_id, c.at > since)).scalar_one()
        return max(PROOF_TRIES - used, 0)

    def record_failed_proof(self, order_id: str) -> None:
        with self._engine.begin() as db:
            db.execute(proofs_table.insert().values(order_id=order_id, at=time.time()))

    def close(self) -> None:
        self._engine.dispose()
