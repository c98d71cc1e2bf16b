"""The Rasa plugins' typed view of cartwise.yml: the `rasa` section, and `privacy` for the tracker store."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cartwise import config


@dataclass(frozen=True)
class RateLimit:
    burst: float = 15.0        # messages a sender may send at once ...
    per_second: float = 2.0    # ... then this many a second (per Rasa process)


@dataclass(frozen=True)
class RasaSettings:
    host: str
    port: int
    rate_limit: RateLimit
    action_timeout_s: float            # Rasa's own wait for the action server is 300 s
    socketio_redis_url: str | None     # replies cross replicas through Redis (the cluster sets it)
    model_dir: Path
    privacy_keep: tuple[str, ...]      # patterns kept although they look personal (`privacy.keep`)


def load(path: Path | None = None) -> RasaSettings:
    file = config.load(path)
    raw = file.section("rasa")
    return RasaSettings(
        host=str(raw.get("host", "127.0.0.1")),
        port=int(raw.get("port", 5005)),
        rate_limit=RateLimit(**(raw.get("rate_limit") or {})),
        action_timeout_s=float(raw.get("action_timeout_s", 10)),
        socketio_redis_url=os.environ.get("CARTWISE_SOCKETIO_REDIS_URL") or raw.get("socketio_redis_url"),
        model_dir=file.resolve(raw.get("model_dir", "models/rasa")),
        privacy_keep=tuple(str(p) for p in file.section("privacy").get("keep") or ()),
    )
