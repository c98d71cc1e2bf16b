"""The whole assistant on loopback: recommender (fixture shop), action server, Rasa (trained model)."""
from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import secrets
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from launch.services import actions_command, rasa_command, rasa_status_url
from tests.processes import (
    BOT_BIN,
    RASA_TOKEN,
    ROOT,
    build_fixture_shop,
    free_port,
    service_env,
    start,
    start_console,
    start_recommender,
    stop,
)

STAFF = {"alice": "agent", "bob": "agent", "rita": "reviewer"}
PASSWORD = "correct horse battery staple"

MODEL = ROOT / "models" / "rasa" / "cartwise.tar.gz"


def tracker_endpoints(folder: Path, actions_port: int, store: str) -> Path:
    """endpoints.yml for a test Rasa: the redacting SQL tracker store on SQLite or on a PostgreSQL URL."""
    where = f"dialect: sqlite\n  db: {folder / 'tracker.db'}" if store == "sqlite" else f"url: {store}"
    endpoints = folder / "endpoints.yml"
    endpoints.write_text(f"""action_endpoint:
  url: "http://127.0.0.1:{actions_port}/webhook"
tracker_store:
  type: bot.tracker_store.RedactingSQLTrackerStore
  {where}
lock_store:
  type: in_memory
""")
    return endpoints


def start_actions(config: Path, port: int, folder: Path) -> subprocess.Popen:
    return start(actions_command(port), config, f"http://127.0.0.1:{port}/health", folder / f"actions-{port}.log")


def start_bot(folder: Path, config: Path, ports: dict[str, int], endpoints: Path) -> list[subprocess.Popen]:
    """Action server, Rasa and the staff console (with the test staff), for one tracker store."""
    processes = [start_actions(config, ports["actions"], folder)]
    try:
        processes.append(start(rasa_command(ports["rasa"], MODEL, endpoints, ROOT / "credentials.yml", RASA_TOKEN,
                                            "--cors", f"http://127.0.0.1:{ports['shop']}"), config,
                               rasa_status_url(ports["rasa"], RASA_TOKEN), folder / "rasa.log", timeout_s=300))
        for name, role in STAFF.items():
            subprocess.run([str(BOT_BIN / "python"), "-m", "console", "add-user", name, "--role", role,
                            "--password-stdin"], input=PASSWORD + "\n", text=True, env=service_env(config),
                           cwd=ROOT, check=True, capture_output=True)
        processes.append(start_console(config, ports["console"], folder))
    except RuntimeError:
        stop_all(processes)
        raise
    return processes


def stop_all(processes: list[subprocess.Popen]) -> None:
    for p in reversed(processes):
        stop(p)


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail(f"no trained Rasa model at {MODEL}: run `make train` (make test does)")
    folder = tmp_path_factory.mktemp("stack")
    ports = {name: free_port() for name in ("recommender", "actions", "rasa", "console", "shop")}
    max_wait_s = 15   # short, so the test of a chat nobody takes ends soon; long enough to take one
    endpoints = tracker_endpoints(folder, ports["actions"], "sqlite")
    config = build_fixture_shop(folder, ports, max_wait_s, endpoints=endpoints)
    processes = [start_recommender(config, ports["recommender"], folder)]
    try:
        processes += start_bot(folder, config, ports, endpoints)
        processes.append(start([str(BOT_BIN / "python"), "-m", "shop", "--port", str(ports["shop"])], config,
                               f"http://127.0.0.1:{ports['shop']}/health", folder / "shop.log"))
    except RuntimeError:
        stop_all(processes)
        raise
    yield {"ports": ports, "processes": processes, "folder": folder, "config": config, "max_wait_s": max_wait_s,
           "endpoints": endpoints}
    stop_all(processes)


PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def _pg_connect(url: str):
    import psycopg2  # in .venv-bot: Rasa's PostgreSQL driver
    connection = psycopg2.connect(url, connect_timeout=3)
    connection.autocommit = True
    return connection


def postgres_available() -> bool:
    try:
        _pg_connect(PG_ADMIN).close()
        return True
    except Exception:
        return False


@contextlib.contextmanager
def scratch_database(prefix: str):
    """A new PostgreSQL database's URL, dropped afterwards. CI must have PostgreSQL
    (CARTWISE_REQUIRE_POSTGRES=1); elsewhere the test is skipped."""
    if not postgres_available():
        if os.environ.get("CARTWISE_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is not reachable at 127.0.0.1:5432 but CARTWISE_REQUIRE_POSTGRES=1")
        pytest.skip("PostgreSQL is not running at 127.0.0.1:5432 (CI runs these)")
    name = f"{prefix}_{secrets.token_hex(4)}"
    with contextlib.closing(_pg_connect(PG_ADMIN)) as admin:
        admin.cursor().execute(f"CREATE DATABASE {name}")
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        # A new connection: the fault tests restart PostgreSQL while a database is in use.
        with contextlib.closing(_pg_connect(PG_ADMIN)) as admin:
            admin.cursor().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def postgres_stack(stack, tmp_path_factory):
    """A second Rasa + action server + console whose tracker store and review index are in PostgreSQL."""
    from tests.fixture_shop import write_config

    with scratch_database("cartwise_test") as url:
        folder = tmp_path_factory.mktemp("postgres")
        ports = {**stack["ports"], "actions": free_port(), "rasa": free_port(), "console": free_port()}
        endpoints = tracker_endpoints(folder, ports["actions"], url)
        data = stack["folder"]
        config = write_config(folder, ports, data / "models", data / "coupons.yml", data / "data" / "catalog.csv",
                              data / "data" / "interactions.csv", stack["max_wait_s"], endpoints=endpoints,
                              review_db=url)
        processes = start_bot(folder, config, ports, endpoints)
        try:
            yield {**stack, "ports": ports, "folder": folder, "config": config, "endpoints": endpoints,
                   "db_url": url}
        finally:
            stop_all(processes)


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
        with urllib.request.urlopen(f"{self.rasa}/conversations/{self.sender}/tracker?token={RASA_TOKEN}",
                                    timeout=10) as response:
            return json.loads(response.read())

    def catalog_ids(self, ids: list[str]) -> set[str]:
        request = urllib.request.Request(self.recommender + "/products/lookup", json.dumps({"ids": ids}).encode(),
                                         {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return {p["id"] for p in json.loads(response.read())["items"]}


def misunderstood(reply: str) -> bool:
    """The bot's first answer to a message it did not understand: "Did you mean ...?" or "say it another way"."""
    return "not sure I understood" in reply or "say it another way" in reply


def cards(messages: list[dict]) -> list[dict]:
    return [e for m in messages if "attachment" in m for e in m["attachment"]["payload"]["elements"]]


class Staff:
    """A staff member's browser session on the console: cookie jar, CSRF header, JSON in and out."""

    def __init__(self, console_url: str, name: str, password: str = PASSWORD):
        self.url = console_url
        self.name = name
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        form = urllib.parse.urlencode({"name": name, "password": password}).encode()
        try:   # a good login redirects to the role's page; a reviewer's is not the agent console (403)
            self.opener.open(f"{console_url}/login", form, timeout=10)
        except urllib.error.HTTPError:
            pass
        self.csrf = self.call("GET", "/api/me")[1].get("csrf", "") if self.logged_in() else ""

    def logged_in(self) -> bool:
        return self.call("GET", "/api/me")[0] == 200

    def call(self, method: str, path: str, body: dict | None = None, csrf: bool = True) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if csrf and getattr(self, "csrf", ""):
            headers["X-CSRF-Token"] = self.csrf
        data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
        request = urllib.request.Request(self.url + path, data, headers, method=method)
        try:
            with self.opener.open(request, timeout=15) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")
