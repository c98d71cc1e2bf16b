"""10,000 hostile messages (tests/fuzz_corpus.py) through the REST channel of the running assistant.

    .venv-bot/bin/python -m benchmarks.fuzz_messages --messages 10000 --setup single

Starts the stack as benchmarks/chat_load.py does (`single`: SQLite; `cluster`: 2 replicas on
PostgreSQL + Redis), sends the corpus with 4 concurrent clients, and reports status codes, latency
percentiles and the slowest kinds of input. Prints a table; writes results/benchmarks/fuzz_<setup>.json.
"""
from __future__ import annotations

import argparse
import asyncio
import secrets
import time
from collections import Counter
from pathlib import Path

import aiohttp

from benchmarks.chat_load import pct, start_setup, wait_banner
from benchmarks.table import machine, publish
from tests.fuzz_corpus import corpus

ROOT = Path(__file__).resolve().parent.parent


async def fire(url: str, n: int, clients: int) -> dict:
    cases = list(corpus(n))
    statuses: Counter[str] = Counter()
    latencies: list[float] = []
    slowest: list[tuple[float, int]] = []
    queue: asyncio.Queue = asyncio.Queue()
    for case in cases:
        queue.put_nowait(case)

    async def client(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            sender, message, metadata = queue.get_nowait()
            body = {"sender": sender, "message": message, **({"metadata": metadata} if metadata is not None else {})}
            started = time.perf_counter()
            try:
                async with session.post(url + "/webhooks/rest/webhook", json=body) as response:
                    await response.read()
                    statuses[str(response.status)] += 1
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                statuses[exc.__class__.__name__] += 1
            seconds = time.perf_counter() - started
            latencies.append(seconds)
            slowest.append((seconds, len(message)))

    started = time.monotonic()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        await asyncio.gather(*(client(session) for _ in range(clients)))
    slowest.sort(reverse=True)
    return {"messages": n, "seconds": round(time.monotonic() - started, 1), "statuses": dict(statuses),
            "server_errors": sum(v for k, v in statuses.items() if not k.isdigit() or int(k) >= 500),
            "p50_ms": round(pct(latencies, 0.5) * 1000, 1), "p99_ms": round(pct(latencies, 0.99) * 1000, 1),
            "max_ms": round(max(latencies) * 1000, 1),
            "slowest_message_chars": [chars for _, chars in slowest[:5]]}


async def run(args: argparse.Namespace) -> dict:
    token = secrets.token_urlsafe(16)
    process, url = start_setup(args.setup, token)
    try:
        await wait_banner(process, url, token)
        result = await fire(url, args.messages, args.clients)
        async with aiohttp.ClientSession() as session, session.get(url + "/") as response:
            result["healthy_after"] = response.status == 200
        return {"setup": args.setup, **result}
    finally:
        process.terminate()
        process.wait(60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--setup", choices=("single", "cluster"), default="single")
    args = parser.parse_args()
    row = asyncio.run(run(args))
    publish(
        f"Fuzz: {args.messages:,} generated messages, {args.clients} clients ({machine()})",
        {
            "setup": lambda r: r["setup"],
            "statuses": lambda r: ", ".join(f"{k}: {v}" for k, v in r["statuses"].items()),
            "5xx / errors": lambda r: str(r["server_errors"]),
            "p50": lambda r: f"{r['p50_ms']:.0f} ms",
            "p99": lambda r: f"{r['p99_ms']:.0f} ms",
            "max": lambda r: f"{r['max_ms']:.0f} ms",
            "healthy after": lambda r: "yes" if r["healthy_after"] else "NO",
        },
        [row],
        ROOT / "results" / "benchmarks" / f"fuzz_{args.setup}.json",
        machine=machine(),
    )


if __name__ == "__main__":
    main()
