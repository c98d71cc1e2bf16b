"""The shop page's typed view of its section of cartwise.yml."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ShopSettings:
    host: str
    port: int
    rasa_url: str           # the widget's socket.io server, as the shopper's browser reaches it
    recommender_url: str    # reached by this server only; the browser never talks to it directly
    webchat_js: Path        # rasa-webchat's browser bundle, installed from npm by `make install`


def load(path: Path | None = None) -> ShopSettings:
    path = (path or Path(os.environ.get("CARTWISE_CONFIG", PROJECT_ROOT / "cartwise.yml"))).resolve()
    raw = (yaml.safe_load(path.read_text()) or {}).get("shop", {})
    return ShopSettings(
        host=str(raw.get("host", "127.0.0.1")),
        port=int(raw.get("port", 5080)),
        rasa_url=str(raw.get("rasa_url", "http://127.0.0.1:5005")).rstrip("/"),
        recommender_url=str(raw.get("recommender_url", "http://127.0.0.1:5070")).rstrip("/"),
        webchat_js=PROJECT_ROOT / "node_modules" / "rasa-webchat" / "lib" / "index.js",
    )
