"""`/metrics` for the Sanic servers (Rasa and the action server), with the same rules as the
aiohttp services. Sanic is only in the bot environment, so this is not in `telemetry.http`."""
from __future__ import annotations

from typing import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry
from sanic import response
from sanic.request import Request

from .http import exposition


def metrics_handler(registry: CollectorRegistry) -> Callable[[Request], Awaitable[response.HTTPResponse]]:
    async def metrics(request: Request) -> response.HTTPResponse:
        body = exposition(registry, request.headers)
        if body is None:
            return response.json({"error": "not_found"}, status=404)
        return response.raw(body, content_type=CONTENT_TYPE_LATEST)
    return metrics
