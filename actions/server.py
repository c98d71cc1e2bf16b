"""`python -m actions.server --port 5055`: Rasa SDK's action server (`rasa_sdk.endpoint.create_app`,
the app `rasa run actions` serves) with what production needs on top: Prometheus metrics at
/metrics and JSON log lines that carry the conversation id of the action call."""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time

import aiohttp
from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request

from telemetry import logs
from telemetry.sanic import metrics_handler

from .api.recommender import SHARED_SESSION
from .metrics import REGISTRY, RUN_SECONDS, RUNS

log = logging.getLogger("cartwise.actions.access")


def action_call(request: Request) -> dict:
    """The call's JSON, or {} for a body this middleware cannot read (rasa_sdk answers those itself)."""
    if request.method != "POST" or request.headers.get("Content-Encoding") == "deflate":
        return {}
    try:
        body = request.json   # parsed once: Sanic keeps it for rasa_sdk's handler
    except InvalidUsage:
        return {}
    return body if isinstance(body, dict) else {}


def build_app() -> Sanic:
    app = create_app("actions", cors_origins=[])
    # Sanic closes idle connections after 5 s, aiohttp clients (Rasa's) reuse them for 15 s: one sent
    # on a connection the server was just closing would fail the action. Outlast the clients.
    app.config.KEEP_ALIVE_TIMEOUT = 75

    # One session for the process (aiohttp's advice): a new one per action call paid for a new
    # connection to the recommender each time, a few ms per recommendation turn on this machine.
    @app.listener("before_server_start")
    async def open_recommender_session(app: Sanic, _loop) -> None:
        app.ctx.recommender_session = aiohttp.ClientSession()

    @app.listener("after_server_stop")
    async def close_recommender_session(app: Sanic, _loop) -> None:
        await app.ctx.recommender_session.close()

    @app.middleware("request")
    async def started(request: Request) -> None:
        call = action_call(request) if request.path == "/webhook" else {}
        request.ctx.action = str(call.get("next_action") or "")
        request.ctx.started = time.perf_counter()
        request.ctx.log_token = logs.CONVERSATION.set(str(call.get("sender_id") or "") or None)
        request.ctx.session_token = SHARED_SESSION.set(request.app.ctx.recommender_session)

    @app.middleware("response")
    async def finished(request: Request, resp: response.HTTPResponse) -> None:
        if getattr(request.ctx, "action", ""):
            seconds = time.perf_counter() - request.ctx.started
            RUN_SECONDS.labels(request.ctx.action).observe(seconds)
            RUNS.labels(request.ctx.action, str(resp.status)).inc()
            log.info("%s %d", request.ctx.action, resp.status,
                     extra={"action": request.ctx.action, "status": resp.status, "ms": round(seconds * 1000, 2)})
        if hasattr(request.ctx, "log_token"):
            logs.CONVERSATION.reset(request.ctx.log_token)
            SHARED_SESSION.reset(request.ctx.session_token)

    app.add_route(metrics_handler(REGISTRY), "/metrics", methods=["GET"])
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actions.server", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("SANIC_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args(argv)
    logs.configure("actions")
    build_app().run(host=args.host, port=args.port, workers=1, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
