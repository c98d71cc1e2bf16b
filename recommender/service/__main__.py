"""`python -m recommender.service [--port N]`: load the built artefacts and serve the HTTP API."""
from __future__ import annotations

import argparse
import logging
import sys

from aiohttp import web

from ..config import load_settings
from ..engine import Recommender
from ..redemptions import RedemptionStore
from .app import create_app


def main(argv: list[str] | None = None) -> int:
    settings = load_settings()
    parser = argparse.ArgumentParser(description="Cartwise recommender HTTP service")
    parser.add_argument("--host", default=settings.host)
    parser.add_argument("--port", type=int, default=settings.port)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        engine = Recommender.load(settings)
    except FileNotFoundError as exc:
        print(f"recommender: {exc}", file=sys.stderr)
        return 2
    app = create_app(engine, RedemptionStore(settings.state_db))
    web.run_app(app, host=args.host, port=args.port, access_log=None,
                print=lambda _: print(f"recommender serving on http://{args.host}:{args.port}", flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
