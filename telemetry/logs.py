"""One JSON object per log line, with the service name and the conversation the line is about.

The conversation id lives in a context variable: a request handler sets it once (`conversation`)
and every line logged while that request is served, in any module, carries it. Each asyncio task
has its own copy, so concurrent conversations never mix.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import sys
from contextvars import ContextVar
from typing import Iterator

CONVERSATION: ContextVar[str | None] = ContextVar("cartwise_conversation_id", default=None)
# Header that carries the id from one service to the next (actions -> recommender, console).
HEADER = "X-Conversation-Id"
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


@contextlib.contextmanager
def conversation(conversation_id: str | None) -> Iterator[None]:
    token = CONVERSATION.set(conversation_id)
    try:
        yield
    finally:
        CONVERSATION.reset(token)


def bind(conversation_id: str | None) -> None:
    """Name the conversation for the rest of the current request: only inside a scope that resets
    it afterwards (`conversation(...)`, which HttpTelemetry's middleware opens for every request)."""
    CONVERSATION.set(conversation_id)


class JsonFormatter(logging.Formatter):
    """{"ts", "level", "service", "logger", "message", "conversation_id", ...extra fields}.

    A message that is itself a JSON object (Rasa's structlog events) is merged in, not quoted."""

    def __init__(self, service: str = "") -> None:
        super().__init__()
        self.service = service or os.environ.get("CARTWISE_SERVICE", "")

    def format(self, record: logging.LogRecord) -> str:
        line: dict = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
        }
        message = record.getMessage()
        merged = _json_object(message)
        if merged is None:
            line["message"] = message
        else:
            line.update(merged)
        conversation_id = getattr(record, "conversation_id", None) or CONVERSATION.get()
        if conversation_id:
            line["conversation_id"] = conversation_id
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD and k not in line})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def _json_object(message: str) -> dict | None:
    if not message.startswith("{"):
        return None
    try:
        parsed = json.loads(message)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def configure(service: str, level: str | None = None) -> None:
    """Root logger -> stderr as JSON lines (level from LOG_LEVEL, default INFO)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    level = (level or os.environ.get("LOG_LEVEL") or "INFO").upper()
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Our own loggers keep their level even when a library resets the root's (loading a Rasa model
    # sets it to WARNING).
    for ours in ("cartwise", service):
        logging.getLogger(ours).setLevel(level)
    # Sanic applies its default logging config with disable_existing_loggers, which silences every
    # logger created before it (ours included); this process's logging is being set up here.
    for existing in logging.root.manager.loggerDict.values():
        if isinstance(existing, logging.Logger):
            existing.disabled = False
