"""`python -m shop`: serve the demo shop page.

On start, the demo shopper (demo@example.com, who owns the demo orders) and accounts for the first
households of the recommender's current build (household-<id>@example.com, each with that
household's purchase history) that do not have an account yet are created with random passwords,
added to the accounts file (mode 600): a new build's households can sign in without a fresh
database, and earlier passwords keep working.
"""
from __future__ import annotations

import argparse
import json
import sys

from aiohttp import web

from cartwise import identity
from cartwise.orders import OrderStore
from cartwise.passwords import make_demo_accounts
from telemetry import logs

from .accounts import ShopperAccounts
from .app import create_app
from .config import ShopSettings, load

DEMO_SHOPPERS = (("demo@example.com", "demo"),)


def households(settings: ShopSettings) -> list[tuple[str, str]]:
    """(email, shopper id) for the first households of the recommender's build; none before a build."""
    try:
        shoppers = json.loads(settings.households_file.read_text())["shoppers"]
    except (OSError, ValueError, KeyError):
        return []
    return [(f"household-{s}@example.com", str(s)) for s in shoppers[:settings.households]]


def ensure_demo_shoppers(settings: ShopSettings, accounts: ShopperAccounts) -> None:
    made = [(email, shopper) for email, shopper in [*DEMO_SHOPPERS, *households(settings)]
            if accounts.email_of(shopper) is None]
    if not made:
        return
    make_demo_accounts(settings.accounts_file, "email\tshopper id", made, accounts.add, append=accounts.count() > 0)
    print(f"shop: {len(made)} demo shopper accounts added to {settings.accounts_file}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shop", description=__doc__)
    parser.add_argument("--port", type=int)
    args = parser.parse_args(argv)
    settings = load()
    logs.configure("shop")
    if not settings.webchat_js.exists():
        print(f"shop: {settings.webchat_js} is missing; run `make install` (it runs npm ci)", file=sys.stderr)
    accounts = ShopperAccounts(settings.db)
    ensure_demo_shoppers(settings, accounts)
    orders = OrderStore(settings.orders_db, settings.orders_seed)
    try:
        web.run_app(create_app(settings, accounts, identity.load_settings(), orders), host=settings.host,
                    port=args.port or settings.port, print=None)
    finally:
        accounts.close()
        orders.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
