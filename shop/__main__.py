"""`python -m shop`: serve the demo shop page."""
from __future__ import annotations

import argparse
import sys

from aiohttp import web

from telemetry import logs

from .app import create_app
from .config import load


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shop", description=__doc__)
    parser.add_argument("--port", type=int)
    args = parser.parse_args(argv)
    settings = load()
    logs.configure("shop")
    if not settings.webchat_js.exists():
        print(f"shop: {settings.webchat_js} is missing; run `make install` (it runs npm ci)", file=sys.stderr)
    web.run_app(create_app(settings), host=settings.host, port=args.port or settings.port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
