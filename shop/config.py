"""The shop page's typed view of its section of cartwise.yml."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cartwise import config
from cartwise.money import Currency, load_currency


@dataclass(frozen=True)
class ShopSettings:
    host: str
    port: int
    rasa_url: str           # the widget's socket.io server, as the shopper's browser reaches it
    recommender_url: str    # reached by this server only; the browser never talks to it directly
    webchat_js: Path        # rasa-webchat's browser bundle, installed from npm by `make install`
    db: Path                # shoppers' accounts and sessions (SQLite)
    accounts_file: Path     # the demo shoppers' random passwords, written on first start (mode 600)
    session_ttl_s: float    # a sign-in lasts this long
    households_file: Path   # the recommender build's shoppers (history.shoppers.json): demo accounts for some
    households: int         # ... this many, so a demo sign-in has a real purchase history
    orders_db: str          # the orders store checkout writes (config.orders_url; the action server's too)
    orders_seed: Path       # the demo orders, written into a new store
    currency: Currency      # the shop's (top-level `currency:`): prices on the page


def load(path: Path | None = None) -> ShopSettings:
    file = config.load(path)
    raw = file.section("shop")
    households = raw.get("demo_households") or {}
    actions = file.section("actions")   # one orders store: the shop places orders, the bot answers about them
    return ShopSettings(
        host=str(raw.get("host", "127.0.0.1")),
        port=int(raw.get("port", 5080)),
        rasa_url=str(raw.get("rasa_url", "http://127.0.0.1:5005")).rstrip("/"),
        recommender_url=str(raw.get("recommender_url", "http://127.0.0.1:5070")).rstrip("/"),
        webchat_js=config.PROJECT_ROOT / "node_modules" / "rasa-webchat" / "lib" / "index.js",
        db=file.resolve(raw.get("db", "var/shop.db")),
        accounts_file=file.resolve(raw.get("accounts_file", "var/shop-accounts.txt")),
        session_ttl_s=float(raw.get("session_ttl_s", 12 * 3600)),
        households_file=file.resolve(households["history"]) if "history" in households else
        file.resolve(file.section("recommender").get("models_dir", "models/recommender")) / "history.shoppers.json",
        households=int(households.get("count", 200)),
        orders_db=config.orders_url(file),
        orders_seed=file.resolve(actions.get("orders_seed", "shop/data/orders.yml")),
        currency=load_currency(file),
    )
