"""`python -m shop`: serve the demo shop page.

On first start with no shopper accounts, the demo shopper (demo@example.com, who owns the demo
orders) is created with a random password, written to the accounts file (mode 600).
"""
from __future__ import annotations

import argparse
import secrets
import sys

from aiohttp import web

from cartwise import identity
from telemetry import logs

from .accounts import ShopperAccounts
from .app import create_app
from .config import ShopSettings, load

DEMO_SHOPPERS = (("demo@example.com", "demo"),)


def ensure_demo_shoppers(settings: ShopSettings, accounts: ShopperAccounts) -> None:
    if accounts.count():
        return
    lines = []
    for email, shopper_id in DEMO_SHOPPERS:
        password = secrets.token_urlsafe(12)
        accounts.add(email, shopper_id, password)
        lines.append(f"{email}\t{shopper_id}\t{password}")
    settings.accounts_file.parent.mkdir(parents=True, exist_ok=True)
    settings.accounts_file.touch(mode=0o600)
    settings.accounts_file.write_text("# email\tshopper id\tpassword (demo shoppers made on first start)\n"
                                      + "\n".join(lines) + "\n")
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
