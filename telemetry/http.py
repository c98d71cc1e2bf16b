"""What an aiohttp service reports about its requests: Prometheus metrics (a latency histogram and a
counter per route, served at `/metrics`), one JSON access-log line per request, and the conversation
id from the X-Conversation-Id header on every line logged while serving it. Each app owns its
registry (tests start many apps in one process)."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Awaitable, Callable, Mapping

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

from .logs import HEADER, conversation

LATENCY_BUCKETS = (.002, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 5)


@dataclass
class HttpTelemetry:
    service: str
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.latency = Histogram(f"{self.service}_request_seconds", "Request latency by route", ["route"],
                                 registry=self.registry, buckets=LATENCY_BUCKETS)
        self.requests = Counter(f"{self.service}_requests_total", "Requests by route and status",
                                ["route", "status"], registry=self.registry)
        self.access = logging.getLogger(f"{self.service}.access")

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.latency.labels(route).observe(seconds)
        self.requests.labels(route, str(status)).inc()
        self.access.info("%s %s %d", method, route, status, extra={"status": status, "ms": round(seconds * 1000, 2)})

    def counter(self, name: str, documentation: str, labels: tuple[str, ...] = ()) -> Counter:
        return Counter(f"{self.service}_{name}", documentation, list(labels), registry=self.registry)

    def middleware(self):
        @web.middleware
        async def observed(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]):
            resource = request.match_info.route.resource
            route = resource.canonical if resource else "unmatched"
            started, status = time.perf_counter(), 500
            with conversation(request.headers.get(HEADER)):
                try:
                    response = await handler(request)
                    status = response.status
                    return response
                except web.HTTPException as exc:
                    status = exc.status
                    raise
                finally:
                    self.observe(request.method, route, status, time.perf_counter() - started)
        return observed

    async def handler(self, request: web.Request) -> web.Response:
        body = exposition(self.registry, request.headers)
        if body is None:
            raise web.HTTPNotFound()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def exposition(registry: CollectorRegistry, headers: Mapping[str, str]) -> bytes | None:
    """The registry in Prometheus' text format, or None for a request the public proxy forwarded."""
    return None if came_through_proxy(headers) else generate_latest(registry)


def came_through_proxy(headers: Mapping[str, str]) -> bool:
    """Metrics are for the scraper inside the network; a request the public proxy forwarded is refused
    (the deployment's proxies add these headers; nginx.conf also answers /metrics itself)."""
    return "X-Forwarded-For" in headers or "Forwarded" in headers
