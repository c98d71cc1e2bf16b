"""Rasa's REST and socket.io channels, guarded, plus the server's telemetry (credentials.yml names them).

Same URLs, same payloads and the same `input_channel` names as the built-in channels. Around each
shopper message the guard
- refuses sender ids the tracker store cannot hold and slows down a flooding sender (limits from
  cartwise.yml, `rasa.rate_limit`; each Rasa process keeps its own buckets, so with N replicas a
  sender reaches at most N times the limit, which still stops a flood);
- answers with a clear apology instead of silence when the tracker or lock store is unreachable
  (nothing of that message was stored: the shopper is asked to send it again) or when the action
  server could not run the turn's action (Rasa would otherwise drop the action and say nothing);
- names the conversation for every log line of the turn, and counts and times the turn.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from rasa.core.lock_store import LockError
from redis.exceptions import RedisError
from sanic import Blueprint, Sanic
from socketio import AsyncRedisManager
from sqlalchemy.exc import SQLAlchemyError

from telemetry import logs
from telemetry.logs import conversation
from telemetry.sanic import metrics_handler

from . import config, rasa_patches
from .metrics import REGISTRY, TURN_SECONDS, TURNS
from .rate_limit import RateLimiter
from .turns import failed_action

log = logging.getLogger("cartwise.rasa")
SLOW_DOWN = "You're sending messages faster than I can read them. Please wait a few seconds and try again."
MAX_SENDER_CHARS = 255   # the SQL tracker store's sender_id column; PostgreSQL refuses longer ones
SENDER_TOO_LONG = f"This conversation id is too long (at most {MAX_SENDER_CHARS} characters); nothing was stored."
STORE_DOWN = ("Sorry, I can't take messages right now: our conversation store isn't answering, so I didn't keep "
              "that one. Please send it again in a minute.")
ACTION_FAILED = ("Sorry, I couldn't finish that: part of our system isn't answering right now. Please try again "
                 "in a minute.")
STORE_ERRORS = (SQLAlchemyError, RedisError, LockError)


def limiter_from_config() -> RateLimiter:
    limit = config.load().rate_limit
    return RateLimiter(burst=limit.burst, per_second=limit.per_second)


class CountingOutput(OutputChannel):
    """The channel's own output, counting what the bot sends during one turn."""

    def __init__(self, inner: OutputChannel):
        self.inner = inner
        self.sent = 0

    def name(self) -> str:   # type: ignore[override]   (Rasa picks channel-specific responses by it)
        return self.inner.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.sent += 1
        await self.inner.send_response(recipient_id, message)


class Guarded:
    """Mixin: wraps the handler a channel passes each user message to."""

    limiter: RateLimiter | None = None
    app: Sanic | None = None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        limiter = self.limiter = self.limiter or limiter_from_config()
        channel = self.name()   # type: ignore[attr-defined]

        async def guarded(message: UserMessage) -> None:
            sender = message.sender_id or ""
            started = time.perf_counter()
            with conversation(sender[:MAX_SENDER_CHARS]):
                if len(sender) > MAX_SENDER_CHARS:
                    await message.output_channel.send_text_message(sender, SENDER_TOO_LONG)
                    outcome = "sender_rejected"
                elif not limiter.allow(sender, time.monotonic()):
                    await message.output_channel.send_text_message(sender, SLOW_DOWN)
                    outcome = "rate_limited"
                else:
                    outcome = await self.handle(on_new_message, message)
                seconds = time.perf_counter() - started
                TURN_SECONDS.labels(channel).observe(seconds)
                TURNS.labels(channel, outcome).inc()
                log.info("turn %s", outcome, extra={"channel": channel, "outcome": outcome,
                                                    "ms": round(seconds * 1000, 2)})

        blueprint = super().blueprint(guarded)   # type: ignore[misc]

        @blueprint.listener("before_server_start")
        async def keep_app(app: Sanic, _loop: Any) -> None:
            self.app = app   # the agent (tracker store, domain) is only there once the server runs

        @blueprint.listener("after_server_stop")
        async def close_action_session(app: Sanic, _loop: Any) -> None:
            agent = getattr(app.ctx, "agent", None)
            await rasa_patches.close_endpoint_session(agent.action_endpoint if agent else None)

        return blueprint

    async def handle(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage) -> str:
        output = message.output_channel = CountingOutput(message.output_channel)
        sender = message.sender_id or ""
        try:
            await on_new_message(message)
        except STORE_ERRORS as exc:
            log.error("tracker or lock store unavailable; the message was not processed: %s", exc)
            await output.send_response(sender, {"text": STORE_DOWN})
            return "store_unavailable"
        if output.sent:
            return "answered"
        action = await self.lost_action(sender)
        if action:
            log.error("action %s did not run (action server unreachable?); told the shopper", action)
            await output.send_response(sender, {"text": ACTION_FAILED})
            return "action_failed"
        return "silent"   # a paused conversation (an agent has it) or a message that needs no answer

    async def lost_action(self, sender: str) -> str | None:
        agent = self.app.ctx.agent if self.app else None
        if agent is None or agent.tracker_store is None or agent.domain is None:
            return None
        try:
            tracker = await agent.tracker_store.retrieve(sender)
        except STORE_ERRORS:
            return None
        if tracker is None or tracker.is_paused():
            return None
        return failed_action([e.as_dict() for e in tracker.events_after_latest_restart()], agent.domain.user_actions)


class GuardedRestInput(Guarded, RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"


class GuardedSocketIOInput(Guarded, SocketIOInput):
    """With `rasa.socketio_redis_url` or CARTWISE_SOCKETIO_REDIS_URL set (the cluster and the
    deployment files set it), replies go out through Redis pub/sub to whichever replica holds the
    shopper's socket, so an agent's message sent through Rasa's API at another replica still arrives
    (python-socketio's multi-server setup)."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        url = config.load().socketio_redis_url
        if url:   # as if passed to AsyncServer(client_manager=...): no socket has connected yet
            self.sio.manager = AsyncRedisManager(url, channel="cartwise-socketio")
            self.sio.manager.set_server(self.sio)
        return blueprint


class Telemetry(InputChannel):
    """Not a chat channel: Prometheus metrics at the server's /metrics, and JSON log lines (a channel
    is how Rasa lets a project add to its server). Rasa's CLI installs coloredlogs after reading any
    --logging-config-file, replacing its handlers, so the JSON handler goes in when the server starts."""

    @classmethod
    def name(cls) -> str:
        return "telemetry"

    def url_prefix(self) -> str:
        return "/"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint("cartwise_telemetry", __name__)

        @blueprint.listener("before_server_start")
        async def json_logs(_app: Sanic, _loop: Any) -> None:
            logs.configure("rasa")

        blueprint.add_route(metrics_handler(REGISTRY), "/metrics", methods=["GET"])

        return blueprint
