"""The action server's typed view of its section of cartwise.yml."""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cartwise import config
from cartwise.money import Currency, load_currency


@dataclass(frozen=True)
class HandoffRules:
    offer_after_fallbacks: int = 2       # misunderstood this many times in a row: offer a person
    handoff_after_fallbacks: int = 3     # ... this many: hand over without asking
    cart_value_threshold: float = 100.0  # a misunderstood shopper with a cart worth this much goes straight to a person
    did_you_mean_from: float = 0.15      # a first misunderstanding offers meanings the NLU scored at least this


@dataclass(frozen=True)
class ActionSettings:
    recommender_urls: tuple[str, ...]   # one URL (a load balancer's), or the replicas to balance over
    recommender_timeout_s: float
    orders_db: str             # a database URL (config.orders_url)
    orders_seed: Path
    identity_db: Path          # which conversation each shopper token was first seen in (replays are guests)
    results_per_page: int
    popular_cache: Path
    return_window_days: int
    console_url: str
    console_timeout_s: float
    service_token: str         # CARTWISE_SERVICE_TOKEN, presented to the console
    handoff: HandoffRules
    currency: Currency         # the shop's (top-level `currency:`), for every amount a reply shows


def urls(value: str | list[str]) -> tuple[str, ...]:
    found = tuple(str(url).rstrip("/") for url in ([value] if isinstance(value, str) else value or []))
    if not found:
        raise ValueError("actions.recommender_url: give a URL or a list of URLs")
    return found


@lru_cache(maxsize=1)
def settings() -> ActionSettings:
    file = config.load()
    raw = file.section("actions")
    return ActionSettings(
        recommender_urls=urls(raw.get("recommender_url", "http://127.0.0.1:5070")),
        recommender_timeout_s=float(raw.get("recommender_timeout_s", 2.0)),
        orders_db=config.orders_url(file),
        orders_seed=file.resolve(raw.get("orders_seed", "shop/data/orders.yml")),
        identity_db=file.resolve(raw.get("identity_db", "var/identity.db")),
        results_per_page=int(raw.get("results_per_page", 5)),
        popular_cache=file.resolve(raw.get("popular_cache", "models/recommender/popular.json")),
        return_window_days=int(raw.get("return_window_days", 30)),
        console_url=str(raw.get("console_url", "http://127.0.0.1:5090")).rstrip("/"),
        console_timeout_s=float(raw.get("console_timeout_s", 2.0)),
        service_token=os.environ.get("CARTWISE_SERVICE_TOKEN", ""),
        handoff=HandoffRules(**(raw.get("handoff") or {})),
        currency=load_currency(file),
    )
