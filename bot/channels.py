"""Rasa's REST and socket.io channels with a per-sender rate limit and a sender-id length check
(credentials.yml names them).

Same URLs, same payloads and the same `input_channel` names as the built-in channels; a sender over
the limit gets one short answer and the message is neither processed nor stored. Limits come from
cartwise.yml (`rasa.rate_limit`). Each Rasa process keeps its own buckets: with N replicas a sender
can reach at most N times the limit, which still stops a flood.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Awaitable, Callable

import yaml
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from .rate_limit import RateLimiter

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SLOW_DOWN = "You're sending messages faster than I can read them. Please wait a few seconds and try again."
MAX_SENDER_CHARS = 255   # the SQL tracker store's sender_id column; PostgreSQL refuses longer ones
SENDER_TOO_LONG = f"This conversation id is too long (at most {MAX_SENDER_CHARS} characters); nothing was stored."


def limiter_from_config() -> RateLimiter:
    path = Path(os.environ.get("CARTWISE_CONFIG", PROJECT_ROOT / "cartwise.yml"))
    raw = ((yaml.safe_load(path.read_text()) or {}).get("rasa") or {}).get("rate_limit") or {}
    return RateLimiter(burst=float(raw.get("burst", 15)), per_second=float(raw.get("per_second", 2)))


class RateLimited:
    """Mixin: wraps the handler a channel passes each user message to."""

    limiter: RateLimiter | None = None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        limiter = self.limiter = self.limiter or limiter_from_config()

        async def limited(message: UserMessage) -> Any:
            sender = message.sender_id or ""
            if len(sender) > MAX_SENDER_CHARS:
                await message.output_channel.send_text_message(sender, SENDER_TOO_LONG)
            elif limiter.allow(sender, time.monotonic()):
                return await on_new_message(message)
            else:
                await message.output_channel.send_text_message(sender, SLOW_DOWN)
            return None

        return super().blueprint(limited)   # type: ignore[misc]


class RateLimitedRestInput(RateLimited, RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"


class RateLimitedSocketIOInput(RateLimited, SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"
