"""The action server as Rasa calls it: HTTP POSTs to /webhook, answered from the real recommender."""
from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.processes import free_port, open_connections, stop
from tests.stack import start_actions


def action_call(port: int, action: str, text: str, sender: str) -> dict:
    tracker = {"sender_id": sender, "slots": {}, "latest_message": {"text": text, "intent": {"name": "search_product"},
                                                                    "entities": [], "metadata": {}},
               "events": [], "paused": False, "followup_action": None, "active_loop": {}, "latest_action_name": None}
    body = json.dumps({"next_action": action, "sender_id": sender, "tracker": tracker, "domain": {},
                       "version": "3.6.21"}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/webhook", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


@pytest.fixture()
def action_server(recommender, tmp_path):
    port = free_port()
    process = start_actions(Path(os.environ["CARTWISE_CONFIG"]), port, tmp_path)
    yield port, process
    stop(process)


def test_action_calls_reuse_one_connection_to_the_recommender(recommender, action_server):
    """A new connection per call cost a few ms per recommendation turn; the server keeps one open."""
    port, process = action_server
    for i, query in enumerate(["ground coffee", "tortilla chips", "red wine"]):
        answer = action_call(port, "action_search_products", query, f"shopper-{i}")
        assert "\n1. " in answer["responses"][0]["text"]   # a list of products, not an apology
        assert any(r.get("attachment") for r in answer["responses"])
    assert open_connections(process.pid, urlsplit(recommender).port) == 1
