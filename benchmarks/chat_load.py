"""Concurrent shoppers against the running assistant: turns/s, latency by kind of turn, errors, and
whether every event of every conversation is in the tracker store afterwards, in order.

    .venv-bot/bin/python -m benchmarks.chat_load --setup single --shoppers 1 10 50
    .venv-bot/bin/python -m benchmarks.chat_load --setup cluster --shoppers 1 10 50

`single` starts `python -m launch.run` (1 replica each, SQLite tracker store, in-memory lock store);
`cluster` starts `python -m launch.cluster` (2 replicas each behind round-robin, PostgreSQL tracker
store, Redis lock store). Either needs `make build train` first. Each shopper holds one
conversation at a time, five turns each, over the REST channel, for `--seconds` per level:

    hello                                     text turn (a rule, no action server)
    do you have ground coffee?                recommendation turn (search)
    something cheaper                         recommendation turn (refine)
    what else do I need?  + a cart            recommendation turn (complete the cart)
    thanks                                    text turn

A recommendation turn's extra cost is its p50 minus the text turns' p50 in the same run. Errors
are failed requests and recommendation turns answered without product cards (an apology for a
service that is down is an answer, but not the one a load test measures).
Prints a table; writes results/benchmarks/chat_load_<setup>.json.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from benchmarks.table import machine, publish

ROOT = Path(__file__).resolve().parent.parent

CART = {"cart": [{"id": "1029743", "qty": 2}, {"id": "995242", "qty": 1}]}   # Complete Journey products
TURNS = (("text", "hello", None), ("recommendation", "do you have ground coffee?", None),
         ("recommendation", "something cheaper", None), ("recommendation", "what else do I need?", CART),
         ("text", "thanks", None))


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"text": [], "recommendation": []})
    errors: list[str] = field(default_factory=list)
    sent: dict[str, list[str]] = field(default_factory=dict)    # conversation -> texts the store must hold


async def shopper(session: aiohttp.ClientSession, url: str, name: str, deadline: float, tally: Tally) -> None:
    n = 0
    while time.monotonic() < deadline:
        sender = f"{name}-{n}"
        n += 1
        tally.sent[sender] = []
        for kind, text, metadata in TURNS:
            body = {"sender": sender, "message": text, **({"metadata": metadata} if metadata else {})}
            started = time.perf_counter()
            try:
                async with session.post(url + "/webhooks/rest/webhook", json=body) as response:
                    payload = await response.json(content_type=None)
                    if response.status != 200 or not payload:
                        tally.errors.append(f"{sender}: {response.status} {str(payload)[:120]}")
                        continue
                    if kind == "recommendation" and not any(m.get("attachment") for m in payload):
                        # an apology (recommender or action server down) is an answer, not the one asked for
                        tally.errors.append(f"{sender}: no products for {text!r}: {payload[0].get('text', '')[:80]!r}")
                        continue
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                tally.errors.append(f"{sender}: {exc.__class__.__name__}")
                continue
            finally:
                tally.sent[sender].append(text)
            tally.latencies[kind].append((time.perf_counter() - started) * 1000)


async def check_store(session: aiohttp.ClientSession, url: str, token: str, tally: Tally) -> tuple[int, int]:
    """(conversations with a lost event, with events out of order), read back through Rasa's API."""
    lost = reordered = 0
    limit = asyncio.Semaphore(8)

    async def one(sender: str, texts: list[str]) -> None:
        nonlocal lost, reordered
        async with limit, session.get(f"{url}/conversations/{sender}/tracker", params={"token": token}) as r:
            events = (await r.json())["events"]
        stored = [e.get("text") for e in events if e["event"] == "user"]
        if sorted(stored) != sorted(texts):
            lost += 1
        elif stored != texts:
            reordered += 1
    await asyncio.gather(*(one(s, t) for s, t in tally.sent.items()))
    return lost, reordered


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def level(url: str, token: str, shoppers: int, seconds: float, run: str) -> dict:
    tally = Tally()
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(*(shopper(session, url, f"load-{run}-{shoppers}-{i}", deadline, tally)
                               for i in range(shoppers)))
        elapsed = time.monotonic() - started
        lost, reordered = await check_store(session, url, token, tally)
    text, rec = tally.latencies["text"], tally.latencies["recommendation"]
    turns = len(text) + len(rec)
    return {"shoppers": shoppers, "conversations": len(tally.sent), "turns": turns,
            "turns_per_s": round(turns / elapsed, 1), "errors": len(tally.errors), "error_examples": tally.errors[:5],
            "lost": lost, "reordered": reordered,
            "text_p50_ms": round(pct(text, 0.5), 1), "rec_p50_ms": round(pct(rec, 0.5), 1),
            "rec_minus_text_p50_ms": round(pct(rec, 0.5) - pct(text, 0.5), 1),
            "p50_ms": round(pct(text + rec, 0.5), 1), "p95_ms": round(pct(text + rec, 0.95), 1),
            "p99_ms": round(pct(text + rec, 0.99), 1),
            "rec_median_ms": round(statistics.median(rec), 1) if rec else None}


def start_setup(setup: str, token: str) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "CARTWISE_RASA_TOKEN": token, "RASA_TELEMETRY_ENABLED": "false"}
    module, url = ("launch.run", "http://127.0.0.1:5005") if setup == "single" else ("launch.cluster", "http://127.0.0.1:5105")
    log = open(ROOT / "var" / f"chat_load_{setup}.log", "ab")
    process = subprocess.Popen([sys.executable, "-m", module], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    return process, url


async def wait_banner(process: subprocess.Popen, url: str, token: str, timeout_s: float = 900) -> None:
    deadline = time.monotonic() + timeout_s
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the stack exited with {process.returncode}; see var/chat_load_*.log")
            try:
                async with session.get(f"{url}/status", params={"token": token}) as r:
                    if r.status == 200:
                        await asyncio.sleep(20)   # the launcher starts the console after Rasa
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(2)
    raise RuntimeError("the stack did not come up")


async def run(args: argparse.Namespace) -> list[dict]:
    token = secrets.token_urlsafe(16)
    (ROOT / "var").mkdir(exist_ok=True)
    process, url = start_setup(args.setup, token)
    try:
        await wait_banner(process, url, token)
        tag = secrets.token_hex(3)
        await level(url, token, 2, 10, f"warm{tag}")   # load models, fill caches
        return [{"setup": args.setup, **await level(url, token, n, args.seconds, tag)} for n in args.shoppers]
    finally:
        process.terminate()
        process.wait(60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setup", choices=("single", "cluster"), required=True)
    parser.add_argument("--shoppers", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    rows = asyncio.run(run(args))
    out = ROOT / "results" / "benchmarks" / f"chat_load_{args.setup}.json"
    publish(f"Chat load, {args.setup} ({machine()}; {args.seconds:.0f} s per level, REST channel)",
            {"shoppers": lambda r: str(r["shoppers"]), "turns/s": lambda r: f"{r['turns_per_s']:.1f}",
             "text p50": lambda r: f"{r['text_p50_ms']:.0f} ms", "rec p50": lambda r: f"{r['rec_p50_ms']:.0f} ms",
             "rec - text p50": lambda r: f"{r['rec_minus_text_p50_ms']:+.0f} ms",
             "p95": lambda r: f"{r['p95_ms']:.0f} ms", "p99": lambda r: f"{r['p99_ms']:.0f} ms",
             "errors": lambda r: str(r["errors"]), "lost / reordered": lambda r: f"{r['lost']} / {r['reordered']}",
             "conversations": lambda r: str(r["conversations"])},
            rows, out, machine=machine())


if __name__ == "__main__":
    main()
