"""The real recommender on the fixture shop, and a way to run one action on a made-up turn."""
from __future__ import annotations

import asyncio
import os

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import config as action_config
from tests.processes import SERVICE_TOKEN, build_fixture_shop, free_port, start_recommender, stop


@pytest.fixture(scope="session")
def recommender(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shop")
    port = free_port()
    config = build_fixture_shop(folder, {"recommender": port, "actions": free_port()})
    os.environ["CARTWISE_CONFIG"] = str(config)
    os.environ["CARTWISE_SERVICE_TOKEN"] = SERVICE_TOKEN   # the actions run here, as the action server would
    action_config.settings.cache_clear()
    process = start_recommender(config, port, folder)
    yield f"http://127.0.0.1:{port}"
    stop(process)
    os.environ.pop("CARTWISE_CONFIG", None)
    os.environ.pop("CARTWISE_SERVICE_TOKEN", None)
    action_config.settings.cache_clear()


def turn(action, text="", intent="", slots=None, entities=None, metadata=None, events=None, cart_sync=False,
         ranking=None, sender="tester"):
    """Run `action` on one shopper message (`ranking`: the NLU's [(intent, confidence)]); returns
    (messages, slot changes).

    The page's cart-sync message (first, when the cart changed) is left out unless `cart_sync`.
    """
    tracker = Tracker(
        sender_id=sender, slots=dict(slots or {}),
        latest_message={"text": text, "intent": {"name": intent, "confidence": 1.0},
                        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking or []],
                        "entities": entities or [], "metadata": metadata or {}},
        events=events or [], paused=False, followup_action=None, active_loop={}, latest_action_name=None)
    dispatcher = CollectingDispatcher()
    result = asyncio.run(action.run(dispatcher, tracker, {}))
    messages = [m for m in dispatcher.messages if cart_sync or not m.get("custom")]
    return messages, {e["name"]: e["value"] for e in result if e.get("event") == "slot"}
