"""`python -m shop`: serve the demo shop page.

On first start with no shopper accounts, the demo shopper (demo@example.com, who owns the demo
orders) is created with a random password, written to the accounts file (mode 600).
"""
from __future__ import annotations

import argparse
import sys

from aiohttp import web

from cartwise import identity
from cartwise.passwords import make_demo_accounts
from telemetry import logs

from .accounts import ShopperAccounts
from .app import create_app
from .config import ShopSettings, load

DEMO_SHOPPERS = (("demo@example.com", "demo"),)


def ensure_demo_shoppers(settings: ShopSettings, accounts: ShopperAccounts) -> None:
    if accounts.count():
        return
    make_demo_accounts(settings.accounts_file, "email\tshopper id", DEMO_SHOPPERS, accounts.add)
    print(f"shop: demo shopper accounts written to {settings.accounts_file}", flush=True)


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
    try:
        web.run_app(create_app(settings, accounts, identity.load_settings()), host=settings.host,
                    port=args.port or settings.port, print=None)
    finally:
        accounts.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
