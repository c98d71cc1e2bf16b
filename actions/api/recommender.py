"""HTTP client for the recommender service, with a hard timeout so the bot never goes silent."""
from __future__ import annotations

import asyncio
import random
from contextvars import ContextVar
from typing import Any, Sequence

import aiohttp

from telemetry.logs import CONVERSATION, HEADER

# The action server lends every action call one long-lived session, whose pool keeps connections to
# the recommender open between calls (`actions.server`); a client used outside it opens its own.
SHARED_SESSION: ContextVar[aiohttp.ClientSession | None] = ContextVar("recommender_session", default=None)


class RecommenderUnavailable(Exception):
    """Down, too slow, or failing: the caller answers in a degraded way."""


class RecommenderRejected(Exception):
    """A 4xx: the request itself was wrong (unknown product, bad code...)."""

    def __init__(self, status: int, body: dict):
        super().__init__(body.get("message", f"HTTP {status}"))
        self.status = status
        self.error = body.get("error", "")
        self.body = body


class RecommenderClient:
    """Calls one recommender URL, or spreads calls over several replicas: each call starts at a
    random one and goes to the next if a replica refuses the connection (safe: it never saw the
    request). The local cluster uses the replica list rather than a proxy process, which cost
    ~2 ms per call here; a deployment gives its load balancer's single URL."""

    def __init__(self, base_urls: Sequence[str], timeout_s: float, service_token: str = ""):
        self._bases = [url.rstrip("/") for url in base_urls]
        # Shown on every call; the recommender asks for it where a call changes a shopper's state.
        self._auth = {"Authorization": f"Bearer {service_token}"} if service_token else {}
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None
        self._owns_session = False
        self.artefacts: str | None = None   # the artefact version that answered last (X-Cartwise-Artefacts)

    async def __aenter__(self) -> RecommenderClient:
        self._session = SHARED_SESSION.get()
        if self._session is None:
            self._session, self._owns_session = aiohttp.ClientSession(), True
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._owns_session and self._session:
            await self._session.close()

    async def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        assert self._session is not None, "use `async with RecommenderClient(...)`"
        start = random.randrange(len(self._bases))
        replicas = self._bases[start:] + self._bases[:start]
        for base in replicas[:-1]:
            try:
                return await self._call_one(base, method, path, body)
            except RecommenderUnavailable as exc:
                if not isinstance(exc.__cause__, aiohttp.ClientConnectorError):
                    raise
        return await self._call_one(replicas[-1], method, path, body)

    async def _call_one(self, base: str, method: str, path: str, body: dict | None) -> dict:
        try:
            # The recommender logs which conversation asked.
            headers = {HEADER: CONVERSATION.get() or "", **self._auth}
            async with self._session.request(method, base + path, json=body, headers=headers,
                                              timeout=self._timeout) as response:
                self.artefacts = response.headers.get("X-Cartwise-Artefacts", self.artefacts)
                payload = await response.json(content_type=None)
                if 400 <= response.status < 500:
                    raise RecommenderRejected(response.status, payload if isinstance(payload, dict) else {})
                if response.status >= 500:
                    raise RecommenderUnavailable(f"{path}: HTTP {response.status}")
                return payload
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise RecommenderUnavailable(f"{path}: {exc.__class__.__name__} {exc}") from exc

    async def search(self, query: str, k: int, offset: int = 0, filters: dict | None = None) -> dict:
        return await self._call("POST", "/search", {"query": query, "k": k, "offset": offset, "filters": filters or {}})

    async def similar(self, product_id: str, k: int) -> dict:
        return await self._call("POST", "/similar", {"product_id": product_id, "k": k})

    async def sizes(self, product_id: str, k: int, direction: str) -> dict:
        """The product's own size and its type in other sizes (POST /sizes)."""
        return await self._call("POST", "/sizes", {"product_id": product_id, "k": k, "direction": direction})

    async def cart(self, cart: list[dict], k: int, shopper_id: str | None, deals: bool,
                   suggestion_ids: list[str] | None = None) -> dict:
        """One cart turn: the priced lines (the `cart` slot's shape), `k` suggestions with their
        coupon codes and, with `deals`, the coupons the cart can use (POST /cart)."""
        return await self._call("POST", "/cart", {"cart": _ids(cart), "k": k, "shopper_id": shopper_id,
                                                  "deals": deals, "suggestion_ids": suggestion_ids or []})

    async def buy_again(self, shopper_id: str, cart: list[dict], k: int) -> dict:
        """A signed-in shopper's usual products, not those in the cart (POST /buy-again)."""
        return await self._call("POST", "/buy-again", {"shopper_id": shopper_id, "cart": _ids(cart), "k": k})

    async def shopper_about(self, shopper_id: str) -> dict:
        """What the recommender holds about a signed-in shopper (POST /shoppers/about)."""
        return await self._call("POST", "/shoppers/about", {"shopper_id": shopper_id})

    async def use_history(self, shopper_id: str, use: bool) -> dict:
        """Stop or start using a signed-in shopper's history (POST /shoppers/history)."""
        return await self._call("POST", "/shoppers/history", {"shopper_id": shopper_id, "use": use})

    async def validate_coupon(self, code: str, cart: list[dict], shopper_id: str | None) -> dict:
        return await self._call(
            "POST", "/coupons/validate", {"code": code, "cart": _ids(cart), "shopper_id": shopper_id}
        )

    async def resolve_mentions(self, text: str) -> list[dict[str, Any]]:
        return (await self._call("POST", "/resolve-mentions", {"text": text}))["mentions"]

    async def lookup(self, ids: list[str], question: str | None = None) -> dict:
        """The products; with a question ("is it vegan?"), also which attributes it asks about each shows."""
        body: dict[str, Any] = {"ids": ids, **({"question": question} if question else {})}
        return await self._call("POST", "/products/lookup", body)


def _ids(cart: list[dict]) -> list[dict]:
    return [{"id": str(item["id"]), "qty": int(item.get("qty", 1))} for item in cart]
