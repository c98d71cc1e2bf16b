"""`python -m recommender.service [--port N] [--workers N]`: load the built artefacts and serve the HTTP API.

The engine's work is CPU-bound on the event loop, so one process uses one core. `--workers N`
starts N processes on the same port (SO_REUSEPORT; the kernel spreads connections), each with its
own copy of the index and catalog; the row files (embeddings, co-purchase, content neighbours)
are read per request, from the page cache they share.
"""
from __future__ import annotations

import argparse
import subprocess
import sys

from aiohttp import web

from telemetry import logs

from ..config import load_settings
from ..engine import Recommender
from ..redemptions import RedemptionStore
from ..shopper_state import ShopperState
from .app import create_app


def main(argv: list[str] | None = None) -> int:
    settings = load_settings()
    parser = argparse.ArgumentParser(description="Cartwise recommender HTTP service")
    parser.add_argument("--host", default=settings.host)
    parser.add_argument("--port", type=int, default=settings.port)
    parser.add_argument("--workers", type=int, default=1, help="processes serving the same port")
    parser.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)   # a worker started by --workers
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    logs.configure("recommender")
    try:
        engine = Recommender.load(settings)
    except FileNotFoundError as exc:
        print(f"recommender: {exc}", file=sys.stderr)
        return 2
    app = create_app(engine, RedemptionStore(settings.state_db), ShopperState(settings.state_db),
                     loader=lambda: Recommender.load(settings))
    shared = args.workers > 1 or args.reuse_port
    workers = [subprocess.Popen([sys.executable, "-m", "recommender.service", "--host", args.host,
                                 "--port", str(args.port), "--reuse-port"]) for _ in range(args.workers - 1)]
    try:
        web.run_app(app, host=args.host, port=args.port, access_log=None, reuse_port=shared or None,
                    print=lambda _: print(f"recommender serving on http://{args.host}:{args.port}", flush=True))
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
