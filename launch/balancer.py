"""`python -m launch.balancer --port 5105 http://127.0.0.1:5106 http://127.0.0.1:5107`: round-robin HTTP.

The stand-in for what a deployment puts in front of replicas (a Kubernetes Service, nginx, a cloud
load balancer) when several run on one machine. A replica that refuses connections is skipped for
`--down-for` seconds and the request goes to the next one, which is safe: a refused connection
never reached the replica. Every request opens its own connection to a replica: a kept-alive one to
a replica that has just been killed fails only once the request is written, and then nobody can tell
whether the replica saw it (a POST is not retried; a GET is). Plain HTTP only (REST channel, action
webhook, recommender API); the socket.io channel needs sticky sessions, which this does not do.
"""
from __future__ import annotations

import argparse
import itertools
import logging
import time
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

log = logging.getLogger("cartwise.balancer")
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "host", "content-length"}
IDEMPOTENT = {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}


@dataclass
class Pool:
    backends: list[str]
    down_for_s: float = 5.0
    down_until: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._turn = itertools.cycle(range(len(self.backends)))

    def order(self, now: float) -> list[str]:
        """Backends to try for one request: the next in turn first, those marked down last."""
        start = next(self._turn)
        ring = self.backends[start:] + self.backends[:start]
        return sorted(ring, key=lambda b: self.down_until.get(b, 0.0) > now)

    def mark_down(self, backend: str, now: float) -> None:
        self.down_until[backend] = now + self.down_for_s


POOL = web.AppKey("pool", Pool)
CLIENT = web.AppKey("client", aiohttp.ClientSession)


async def forward(request: web.Request) -> web.StreamResponse:
    pool, client = request.app[POOL], request.app[CLIENT]
    body = await request.read()
    headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
    for backend in pool.order(time.monotonic()):
        try:
            # No body at all for a bodiless request: an empty one goes out as "Content-Length: 0",
            # and Sanic (Rasa, the action server) logs an ERROR "body not consumed" for every such GET.
            async with client.request(request.method, backend + request.path_qs, data=body or None, headers=headers,
                                      allow_redirects=False) as upstream:
                payload = await upstream.read()
                out = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP}
                return web.Response(status=upstream.status, body=payload, headers=out)
        except aiohttp.ClientConnectorError:
            log.warning("%s refused the connection; trying the next replica", backend)
            pool.mark_down(backend, time.monotonic())
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as error:
            pool.mark_down(backend, time.monotonic())
            if request.method not in IDEMPOTENT:
                log.error("%s went away during a %s (%s); not retried", backend, request.method, error)
                return web.json_response({"error": "replica_lost", "message": "The replica answering this request "
                                          "stopped; send it again."}, status=502)
            log.warning("%s went away during a %s (%s); trying the next replica", backend, request.method, error)
    return web.json_response({"error": "no_backend", "message": "No replica is answering."}, status=502)


def create_app(backends: list[str], down_for_s: float, timeout_s: float) -> web.Application:
    app = web.Application(client_max_size=4 * 1024 * 1024)
    app[POOL] = Pool([b.rstrip("/") for b in backends], down_for_s)

    async def client(app: web.Application):
        app[CLIENT] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s),
                                            connector=aiohttp.TCPConnector(limit=0, force_close=True),
                                            auto_decompress=False)
        yield
        await app[CLIENT].close()

    app.cleanup_ctx.append(client)
    app.router.add_route("*", "/{tail:.*}", forward)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--down-for", type=float, default=5.0, help="seconds a refusing replica is skipped")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("backends", nargs="+")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    web.run_app(create_app(args.backends, args.down_for, args.timeout), host=args.host, port=args.port,
                print=None, access_log=None)


if __name__ == "__main__":
    main()
