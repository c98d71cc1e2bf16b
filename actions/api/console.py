"""HTTP client for the staff console's service API: queue a conversation for a person."""
from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from telemetry.logs import HEADER


class ConsoleUnavailable(Exception):
    """The console did not answer: the bot says so and keeps helping."""


async def request_handoff(
    url: str, token: str, timeout_s: float, body: dict[str, Any], path: str = "/api/handoffs"
) -> dict[str, Any]:
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as session:
            headers = {"Authorization": f"Bearer {token}", HEADER: str(body.get("conversation_id", ""))}
            async with session.post(url + path, json=body, headers=headers) as response:
                payload = await response.json(content_type=None)
                if response.status != 200:
                    raise ConsoleUnavailable(f"console answered {response.status}: {payload}")
                return payload
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
        raise ConsoleUnavailable(f"{exc.__class__.__name__} {exc}") from exc
