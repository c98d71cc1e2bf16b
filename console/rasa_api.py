"""The slice of Rasa's HTTP API the console needs: read a conversation, append events to it, load a model."""
from __future__ import annotations

import asyncio
from typing import Any

import aiohttp


class RasaUnavailable(Exception):
    """Rasa did not answer, or refused (a wrong token answers 401)."""


class RasaApi:
    def __init__(self, base_url: str, token: str, timeout_s: float = 10):
        self._base = base_url.rstrip("/")
        self._params = {"token": token} if token else {}
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s))

    async def close(self) -> None:
        await self._session.close()

    async def tracker(self, conversation_id: str) -> dict[str, Any]:
        return await self._call("GET", f"/conversations/{conversation_id}/tracker", None, {})

    async def append(self, conversation_id: str, events: list[dict[str, Any]]) -> dict[str, Any]:
        """Store the events; bot messages among them also go out live to the shopper's last channel
        (the socket.io room of their widget), which is how an agent's words reach the shopper."""
        return await self._call("POST", f"/conversations/{conversation_id}/tracker/events", events,
                                {"output_channel": "latest", "execute_side_effects": "true"})

    async def load_model(self, model_file: str, timeout_s: float = 180) -> None:
        """Make the running server answer with another model (Rasa loads it, then swaps)."""
        await self._call("PUT", "/model", {"model_file": model_file}, {}, timeout_s)

    async def _call(self, method: str, path: str, body: Any, params: dict[str, str],
                    timeout_s: float | None = None) -> dict[str, Any]:
        timeout = aiohttp.ClientTimeout(total=timeout_s) if timeout_s else None
        try:
            async with self._session.request(method, self._base + path, json=body, timeout=timeout,
                                             params={**self._params, **params}) as response:
                if response.status == 204:
                    return {}
                if response.status != 200:
                    raise RasaUnavailable(f"Rasa answered {response.status} to {method} {path}")
                return await response.json()
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise RasaUnavailable(f"Rasa did not answer {method} {path}: {exc.__class__.__name__}") from exc


def agent_message(agent: str, text: str) -> dict[str, Any]:
    return {"event": "bot", "text": text, "metadata": {"agent": agent}}


def hand_back_events(text: str) -> list[dict[str, Any]]:
    """Resume the bot, and end with action_listen so its policies see an ordinary turn boundary."""
    return [{"event": "bot", "text": text},
            {"event": "resume"}, {"event": "action", "name": "action_listen"}]
