"""Complete-the-cart over HTTP with N concurrent clients, against the real service process.

    .venv-rec/bin/python -m benchmarks.http_load --items 100000 --clients 20 --seconds 30

The catalog is the demo shop replicated to --items (as in complete_cart_scale.py, which writes it).
The service runs as `python -m recommender.service` on loopback with those artefacts; the load
generator (this process, asyncio + aiohttp, keep-alive connections) runs closed-loop: each of the
N clients sends its next request as soon as the last answer arrived, carts of 1-5 of the 500 most
popular products, k=5. The first --warmup seconds are not counted. Client and service share the
machine's 2 cores, so the figures include the generator's own CPU use.
Prints a table; writes results/benchmarks/http_load.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from benchmarks.complete_cart_scale import _child
from benchmarks.table import machine, publish
from cartwise import config as config_file

ROOT = Path(__file__).resolve().parent.parent


def start_service(models: Path, folder: Path, port: int, workers: int) -> list[subprocess.Popen]:
    project = config_file.load()
    main = project.section("recommender")
    config = folder / "cartwise.yml"
    config.write_text(yaml.safe_dump({"recommender": {
        **main, "port": port, "models_dir": str(models), "state_db": str(folder / "recommender.db"),
        "coupons_file": str(project.resolve(main["coupons_file"]))}}))
    env = {**os.environ, "CARTWISE_CONFIG": str(config), "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "recommender.service", "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:   # every worker listening, not just the first
        if listeners(port) >= workers:
            return [process]
        if process.poll() is not None:
            raise RuntimeError("the recommender service exited while starting")
        time.sleep(0.5)
    process.kill()
    raise RuntimeError("the recommender service did not start")


def listeners(port: int) -> int:
    """Sockets listening on the port (one per worker with SO_REUSEPORT), from /proc/net/tcp."""
    with open("/proc/net/tcp") as fh:
        rows = [line.split() for line in fh.readlines()[1:]]
    return sum(1 for r in rows if r[1].endswith(f":{port:04X}") and r[3] == "0A")


def popular_ids(models: Path, n: int) -> list[str]:
    from recommender.artefacts import CATALOG, POPULARITY

    ids = pd.read_parquet(models / CATALOG, columns=["id"])["id"].to_numpy()
    return [str(i) for i in ids[np.argsort(-np.load(models / POPULARITY), kind="stable")[:n]]]


def tree_rss_mb(pid: int) -> int:
    """Resident memory of the service and its worker processes."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo += [int(c) for c in fh.read().split()]
        except OSError:
            continue
    return round(total / 1024)


class Connection:
    """One keep-alive HTTP/1.1 connection, requests written and responses parsed by hand: aiohttp's
    client spent about 0.5 ms of CPU per request here, as much as the service, on the same 2 cores."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes) -> int:
        """The response's status; the connection is opened again after a failure."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        try:
            self.writer.write(f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json"
                              f"\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
            head = await self.reader.readuntil(b"\r\n\r\n")
            length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))
            await self.reader.readexactly(length)
            return int(head[9:12])
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, StopIteration, ValueError):
            self.writer.close()
            self.writer = None
            return 0


async def load(host: str, port: int, ids: list[str], clients: int, seconds: float, warmup: float) -> dict:
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter()
    measure_from, end = start + warmup, start + warmup + seconds

    async def client(seed: int) -> None:
        nonlocal errors
        rng, connection = random.Random(seed), Connection(host, port)
        while time.perf_counter() < end:
            cart = [{"id": pid, "qty": 1} for pid in rng.sample(ids, rng.randint(1, 5))]
            body = json.dumps({"cart": cart, "k": 5}).encode()
            t0 = time.perf_counter()
            status = await connection.post("/complete-cart", body)
            if t0 >= measure_from:
                latencies.append((time.perf_counter() - t0) * 1000)
                errors += status != 200
        if connection.writer is not None:
            connection.writer.close()

    await asyncio.gather(*(client(i) for i in range(clients)))
    ms = np.array(latencies)
    return {"requests": len(ms), "rps": round(len(ms) / seconds, 1), "errors": errors,
            "p50_ms": float(np.median(ms)), "p95_ms": float(np.percentile(ms, 95)),
            "p99_ms": float(np.percentile(ms, 99)), "max_ms": float(ms.max())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--workers", type=int, nargs="+", default=[1], help="service processes (SO_REUSEPORT)")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--work", type=Path, default=ROOT / "models" / "bench")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmarks" / "http_load.json")
    args = parser.parse_args()
    models = args.work / f"replica-{args.items}"
    _child("--write", str(args.items), "--dir", str(models))
    rows = []
    try:
        for workers in args.workers:
            with tempfile.TemporaryDirectory() as tmp:
                port = 5170
                processes = start_service(models, Path(tmp), port, workers)
                try:
                    ids = popular_ids(models, 500)
                    for clients in args.clients:
                        result = asyncio.run(load("127.0.0.1", port, ids, clients, args.seconds, args.warmup))
                        rows.append({"items": args.items, "workers": workers, "clients": clients, **result,
                                     "service_rss_mb": tree_rss_mb(processes[0].pid)})
                        print(f"done {workers} worker(s), {clients} clients", file=sys.stderr)
                finally:
                    for p in processes:
                        p.terminate()
                        p.wait(30)
    finally:
        shutil.rmtree(models, ignore_errors=True)
    where = machine()
    publish(f"Complete-the-cart over HTTP, closed loop ({where}; {args.seconds:.0f} s per row, k=5)", {
        "items": lambda r: f"{r['items']:,}", "service processes": lambda r: str(r["workers"]),
        "clients": lambda r: str(r["clients"]), "requests/s": lambda r: f"{r['rps']:,.0f}",
        "p50 ms": lambda r: f"{r['p50_ms']:.1f}", "p95 ms": lambda r: f"{r['p95_ms']:.1f}",
        "p99 ms": lambda r: f"{r['p99_ms']:.1f}", "errors": lambda r: str(r["errors"]),
        "service RSS MB": lambda r: f"{r['service_rss_mb']:,}",
    }, rows, args.out, machine=where)
    return 0


if __name__ == "__main__":
    sys.exit(main())
