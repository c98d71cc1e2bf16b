"""Faults on the production shape (`python -m launch.cluster`: 2 Rasa, 2 action servers, 2 recommenders
behind round-robin, PostgreSQL tracker store, Redis lock store), on the demo shop's built artefacts:
a Rasa replica killed, PostgreSQL restarted, Redis gone.

Needs PostgreSQL and redis-server (CI has them; CARTWISE_REQUIRE_POSTGRES=1 turns a skip into a
failure). Redis is this module's own server on a free port, so stopping it disturbs nobody else;
PostgreSQL is the machine's, restarted for real (pg_ctlcluster, as root).
"""
from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from bot.channels import STORE_DOWN
from launch.cluster import absolute_paths
from tests.processes import BOT_BIN, RASA_TOKEN, ROOT, free_port, free_port_run, service_env

MODEL = ROOT / "models" / "rasa" / "cartwise.tar.gz"


def reachable(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def missing(what: str) -> None:
    if os.environ.get("CARTWISE_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{what} (CARTWISE_REQUIRE_POSTGRES=1: the fault tests must run)")
    pytest.skip(what)


class RedisServer:
    """A redis-server of this module's own, to be stopped and started again on the same port."""

    def __init__(self, folder: Path):
        self.port, self.folder, self.process = free_port(), folder, None

    def start(self) -> None:
        self.process = subprocess.Popen([shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
                                        stdout=open(self.folder / "redis.log", "ab"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while not reachable(self.port):
            assert time.monotonic() < deadline and self.process.poll() is None, "redis-server did not start"
            time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(20)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    if shutil.which("redis-server") is None:
        missing("redis-server is not installed")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, redis_server):
    if not reachable(5432):
        missing("PostgreSQL is not running at 127.0.0.1:5432")
    if not (MODEL.exists() and (ROOT / "models" / "recommender" / "manifest.json").exists()):
        pytest.fail("run `make build train` first (make test does)")
    folder = tmp_path_factory.mktemp("cluster")
    raw = absolute_paths(yaml.safe_load((ROOT / "cartwise.yml").read_text()), ROOT)
    base = free_port_run(13)   # ports base+0 .. base+12 (replicas take balancer + 1..2)
    raw["production"]["ports"] = {"rasa": base, "actions": base + 4, "recommender": base + 8, "console": base + 12}
    raw["production"]["tracker_store"]["db"] = f"cartwise_faults_{secrets.token_hex(4)}"
    raw["production"]["lock_store"]["port"] = redis_server.port
    queue = f"cartwise_faults_{secrets.token_hex(4)}" if reachable(5672) else None
    if queue:   # the optional event broker: this module's own queue on the machine's RabbitMQ
        raw["production"]["event_broker"] = {"type": "pika", "url": "127.0.0.1", "port": 5672, "username": "guest",
                                             "password": "guest", "queues": [queue]}
    raw["recommender"]["state_db"] = str(folder / "recommender.db")
    raw["actions"]["orders_db"] = str(folder / "orders.db")
    raw["console"]["accounts_file"] = str(folder / "accounts.txt")
    config = folder / "cartwise.yml"
    config.write_text(yaml.safe_dump(raw, sort_keys=False))
    log = open(folder / "cluster.log", "ab")
    process = subprocess.Popen([str(BOT_BIN / "python"), "-m", "launch.cluster", "--config", str(config),
                                "--folder", str(folder / "run")], cwd=ROOT, env=service_env(config),
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{base}"
    try:
        deadline = time.monotonic() + 600
        while not reachable(base + 12):   # the console starts last
            assert process.poll() is None, f"the cluster exited; see {folder / 'cluster.log'}"
            assert time.monotonic() < deadline, "the cluster did not start in 10 minutes"
            time.sleep(2)
        yield {"url": url, "ports": raw["production"]["ports"], "folder": folder, "queue": queue,
               "db": raw["production"]["tracker_store"]["db"]}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(60)
        if queue:   # nobody would ever read it again
            asyncio.run(broker_queue(queue, delete=True))
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-c",
                        f"DROP DATABASE IF EXISTS {raw['production']['tracker_store']['db']} WITH (FORCE)"],
                       capture_output=True)


def say(url: str, sender: str, text: str) -> list[dict]:
    request = urllib.request.Request(
        url + "/webhooks/rest/webhook",
        json.dumps({"sender": sender, "message": text}).encode(),
        {"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def replica_pid(port: int) -> int:
    """The process listening on `port` (a Rasa replica), found through /proc."""
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if (
                b"run" in cmdline
                and b"--port" in cmdline
                and cmdline[cmdline.index(b"--port") + 1] == str(port).encode()
            ):
                return int(proc.name)
    raise LookupError(f"nothing started with --port {port}")


def test_a_rasa_replica_dies_mid_conversation_and_the_conversation_goes_on(cluster):
    url, sender = cluster["url"], f"failover-{secrets.token_hex(3)}"
    said = ["hello", "do you have ground coffee?"]
    for text in said:
        assert say(url, sender, text), text
    os.kill(replica_pid(cluster["ports"]["rasa"] + 1), signal.SIGKILL)
    # SIGKILL lands asynchronously: a message sent before the socket closes can be accepted by the
    # dying replica and reset, which the balancer rightly does not replay (a POST may have been
    # handled). The test is about the messages after the death, so it waits for the refusal.
    deadline = time.monotonic() + 10
    while reachable(cluster["ports"]["rasa"] + 1):
        assert time.monotonic() < deadline, "the killed replica still accepts connections"
        time.sleep(0.05)
    for text in ["something cheaper", "what else do I need?", "thanks"]:
        said.append(text)
        assert say(url, sender, text), f"no answer to {text!r} after a replica died"
    assert user_texts(url, sender) == said  # nothing lost, nothing reordered
    deadline = time.monotonic() + 240  # and the replica is back
    while not reachable(cluster["ports"]["rasa"] + 1):
        assert time.monotonic() < deadline, "the killed replica was not started again"
        time.sleep(2)


def stored_events(url: str, sender: str) -> list[dict]:
    with urllib.request.urlopen(f"{url}/conversations/{sender}/tracker?token={RASA_TOKEN}", timeout=30) as response:
        return json.loads(response.read())["events"]


def user_texts(url: str, sender: str) -> list[str]:
    return [e["text"] for e in stored_events(url, sender) if e["event"] == "user"]


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def restart_postgresql() -> None:
    versions = sorted(Path("/etc/postgresql").glob("*/main")) if Path("/etc/postgresql").exists() else []
    if not versions or shutil.which("pg_ctlcluster") is None or os.geteuid() != 0:
        missing("restarting PostgreSQL needs pg_ctlcluster and root (Debian's packaging)")
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1].parent.name, "main", "restart"],
        check=True,
        capture_output=True,
        timeout=120,
    )


def test_postgresql_restarts_and_the_cluster_recovers_without_restarting(cluster):
    """Every replica's pooled connections die with the server; the next turns must still work, on the
    same processes (the pool pings a connection before handing it out)."""
    url, sender = cluster["url"], f"pg-restart-{secrets.token_hex(3)}"
    said = ["hello", "do you have ground coffee?"]
    for text in said:
        assert say(url, sender, text)
    replicas = [replica_pid(cluster["ports"]["rasa"] + i) for i in (1, 2)]
    restart_postgresql()
    for text in ["something cheaper", "what else do I need?", "thanks"]:
        said.append(text)
        reply = texts(say(url, sender, text))
        assert reply and STORE_DOWN not in reply, f"{text!r} after the restart got {reply!r}"
    assert user_texts(url, sender) == said
    assert [replica_pid(cluster["ports"]["rasa"] + i) for i in (1, 2)] == replicas, "a replica was restarted"


def test_redis_unavailable_gets_a_clear_answer_and_leaves_the_tracker_whole(cluster, redis_server):
    url, sender = cluster["url"], f"redis-down-{secrets.token_hex(3)}"
    assert say(url, sender, "hello")
    redis_server.stop()
    try:
        for _ in range(2):  # both replicas (round-robin)
            assert texts(say(url, sender, "do you have ground coffee?")) == STORE_DOWN
        assert user_texts(url, sender) == ["hello"]  # the refused messages were not half-stored
    finally:
        redis_server.start()
    assert "ground coffee" in texts(say(url, sender, "do you have ground coffee?")).lower()
    assert user_texts(url, sender) == ["hello", "do you have ground coffee?"]


async def broker_queue(name: str, delete: bool = False, quiet_s: float = 5) -> list[dict]:
    """The events waiting in a RabbitMQ queue (taken off it), until none has come for `quiet_s`."""
    import aio_pika  # Rasa's own RabbitMQ client

    connection = await aio_pika.connect_robust("amqp://guest:guest@127.0.0.1:5672/")
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(name, passive=True)  # as Rasa declared it
        if delete:
            await queue.delete(if_unused=False, if_empty=False)
            return []
        events, last = [], asyncio.get_running_loop().time()
        while asyncio.get_running_loop().time() - last < quiet_s:
            message = await queue.get(no_ack=True, fail=False)
            if message is None:
                await asyncio.sleep(0.2)
                continue
            events.append(json.loads(message.body))
            last = asyncio.get_running_loop().time()
        return events


def test_every_event_also_reaches_the_rabbitmq_event_broker_in_order(cluster):
    if cluster["queue"] is None:
        missing("RabbitMQ is not running at 127.0.0.1:5672")
    url, sender = cluster["url"], f"broker-{secrets.token_hex(3)}"
    said = ["hello", "do you have ground coffee?", "thanks"]
    for text in said:
        assert say(url, sender, text)
    streamed = [e for e in asyncio.run(broker_queue(cluster["queue"])) if e.get("sender_id") == sender]
    assert [e["text"] for e in streamed if e["event"] == "user"] == said
    assert any(e["event"] == "action" and e["name"] == "action_search_products" for e in streamed)
    stored = stored_events(url, sender)

    def outline(events: list[dict]) -> list[tuple]:
        return [(e["event"], e.get("name") or e.get("text")) for e in events]

    assert outline(streamed) == outline(stored)  # the broker gets what the store holds, in the same order


def test_an_agent_message_reaches_a_widget_connected_to_the_other_replica(cluster):
    """The widget's socket lives in one Rasa replica; the console's message arrives through Rasa's API
    at whichever replica the balancer picks. Replies cross over through Redis (bot/channels.py)."""
    import queue

    import socketio  # the widget's protocol, long-polling as in tests/e2e/test_socketio.py

    widget_port, api_port = cluster["ports"]["rasa"] + 1, cluster["ports"]["rasa"] + 2
    client, replies, sessions = socketio.Client(), queue.Queue(), queue.Queue()
    client.on("session_confirm", lambda data: sessions.put(data["session_id"] if isinstance(data, dict) else data))
    client.on("bot_uttered", replies.put)
    client.connect(f"http://127.0.0.1:{widget_port}", socketio_path="/socket.io", transports=["polling"])
    try:
        client.emit("session_request", {"session_id": None})
        session_id = sessions.get(timeout=10)
        client.emit("user_uttered", {"message": "hello", "session_id": session_id})
        assert replies.get(timeout=30)["text"].startswith("Hi!")
        request = urllib.request.Request(
            f"http://127.0.0.1:{api_port}/conversations/{session_id}/tracker/events?token={RASA_TOKEN}"
            "&output_channel=latest&execute_side_effects=true",
            json.dumps([{"event": "bot", "text": "Hello, Alice from the team here."}]).encode(),
            {"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
        while True:  # skip anything left of the greeting
            got = replies.get(timeout=15)
            if got.get("text") == "Hello, Alice from the team here.":
                break
    finally:
        client.disconnect()
