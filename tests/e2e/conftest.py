"""The whole assistant on loopback: recommender (fixture shop), action server, Rasa (trained model)."""
from __future__ import annotations

import json
import urllib.request

import pytest

from tests.processes import BOT_BIN, ROOT, build_fixture_shop, free_port, start, start_recommender, stop

MODEL = ROOT / "models" / "rasa" / "cartwise.tar.gz"


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail(f"no trained Rasa model at {MODEL}: run `make train` (make test does)")
    folder = tmp_path_factory.mktemp("stack")
    ports = {"recommender": free_port(), "actions": free_port(), "rasa": free_port()}
    config = build_fixture_shop(folder, ports)
    endpoints = folder / "endpoints.yml"
    endpoints.write_text(f"""action_endpoint:
  url: "http://127.0.0.1:{ports['actions']}/webhook"
tracker_store:
  type: SQL
  dialect: sqlite
  db: {folder / 'tracker.db'}
lock_store:
  type: in_memory
""")
    processes = [start_recommender(config, ports["recommender"], folder)]
    try:
        processes.append(start([str(BOT_BIN / "rasa"), "run", "actions", "--actions", "actions",
                                "--port", str(ports["actions"])], config,
                               f"http://127.0.0.1:{ports['actions']}/health", folder / "actions.log"))
        processes.append(start([str(BOT_BIN / "rasa"), "run", "--enable-api", "--model", str(MODEL),
                                "--endpoints", str(endpoints), "--credentials", str(ROOT / "credentials.yml"),
                                "--port", str(ports["rasa"]), "--interface", "127.0.0.1"], config,
                               f"http://127.0.0.1:{ports['rasa']}/status", folder / "rasa.log", timeout_s=300))
    except RuntimeError:
        for p in processes:
            stop(p)
        raise
    yield {"ports": ports, "processes": processes, "folder": folder, "config": config}
    for p in reversed(processes):
        stop(p)


class Shopper:
    """A shopper talking through the REST webhook, seeing what a widget would show."""

    def __init__(self, stack, sender: str):
        self.rasa = f"http://127.0.0.1:{stack['ports']['rasa']}"
        self.recommender = f"http://127.0.0.1:{stack['ports']['recommender']}"
        self.sender = sender

    def say(self, text: str, metadata: dict | None = None, timeout: float = 30) -> list[dict]:
        body = {"sender": self.sender, "message": text}
        if metadata is not None:
            body["metadata"] = metadata
        request = urllib.request.Request(self.rasa + "/webhooks/rest/webhook", json.dumps(body).encode(),
                                         {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())

    def text(self, text: str, metadata: dict | None = None) -> str:
        return "\n".join(m["text"] for m in self.say(text, metadata) if "text" in m)

    def tracker(self) -> dict:
        with urllib.request.urlopen(f"{self.rasa}/conversations/{self.sender}/tracker", timeout=10) as response:
            return json.loads(response.read())

    def catalog_ids(self, ids: list[str]) -> set[str]:
        request = urllib.request.Request(self.recommender + "/products/lookup", json.dumps({"ids": ids}).encode(),
                                         {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return {p["id"] for p in json.loads(response.read())["items"]}


def cards(messages: list[dict]) -> list[dict]:
    return [e for m in messages if "attachment" in m for e in m["attachment"]["payload"]["elements"]]
