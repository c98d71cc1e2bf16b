"""Every service has Prometheus metrics and JSON log lines naming the conversation (their health
endpoints are what the stack fixture waits on)."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.stack import Shopper, cards


def scrape(port: int) -> dict[tuple[str, tuple], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def log_lines(path, conversation_id: str) -> list[dict]:
    lines = []
    for raw in path.read_text(errors="replace").splitlines():
        if raw.startswith("{"):
            line = json.loads(raw)
            if line.get("conversation_id") == conversation_id:
                lines.append(line)
    return lines


def test_metrics_and_logs_follow_a_conversation_through_every_service(stack):
    ports, folder = stack["ports"], stack["folder"]
    before = {name: scrape(ports[name]) for name in ("rasa", "actions", "recommender", "console", "shop")}
    shopper = Shopper(stack, "observed-shopper")
    assert shopper.text("hello")
    shown = len(cards(shopper.say("do you have ground coffee?")))
    assert shown
    assert shopper.text("qwzx vlorp")                     # not understood: the fallback action
    assert shopper.text("can I talk to a person?")        # a handoff (nobody online: the shopper is told)
    with urllib.request.urlopen(f"http://127.0.0.1:{ports['shop']}/", timeout=10):
        pass
    after = {name: scrape(ports[name]) for name in before}

    def grew(service: str, name: str, by: float = 1, **labels: str) -> bool:
        return value(after[service], name, **labels) - value(before[service], name, **labels) >= by

    assert grew("rasa", "rasa_turns_total", 4, channel="rest", outcome="answered")
    assert grew("rasa", "rasa_turn_seconds_count", 4, channel="rest")
    assert grew("actions", "actions_runs_total", action="action_search_products", status="200")
    assert grew("actions", "actions_recommendations_shown_total", shown, action="action_search_products")
    assert grew("actions", "actions_fallbacks_total")
    assert grew("actions", "actions_handoffs_total", outcome="no_agents") or \
        grew("actions", "actions_handoffs_total", outcome="queued")
    assert grew("recommender", "recommender_requests_total", route="/search", status="200")
    assert grew("recommender", "recommender_recommendations_served_total", shown, kind="search")
    assert grew("console", "console_handoffs_total", event="opened")
    assert grew("shop", "shop_requests_total", route="/", status="200")

    rasa = log_lines(folder / "rasa.log", "observed-shopper")
    assert sum(1 for line in rasa if line.get("outcome") == "answered") >= 4
    assert {line["action"] for line in log_lines(folder / f"actions-{ports['actions']}.log", "observed-shopper")
            } >= {"action_search_products", "action_fallback"}
    assert any(
        line["message"] == "POST /search 200" for line in log_lines(folder / "recommender.log", "observed-shopper")
    )
    assert any(
        "opened" in line["message"]
        for line in log_lines(folder / f"console-{ports['console']}.log", "observed-shopper")
    )


def test_metrics_are_refused_to_requests_that_came_through_the_public_proxy(stack):
    for name in ("rasa", "actions", "recommender", "console", "shop"):
        request = urllib.request.Request(
            f"http://127.0.0.1:{stack['ports'][name]}/metrics", headers={"X-Forwarded-For": "203.0.113.7"}
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 404, name
