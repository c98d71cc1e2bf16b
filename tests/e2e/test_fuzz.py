"""Generated hostile input (tests/fuzz_corpus.py) through the REST channel, on SQLite and on PostgreSQL:
no 5xx, an answer to every message, bounded latency, and the stack still healthy afterwards.
The CI sample is 300 messages; `make fuzz` runs 10,000 (benchmarks/fuzz_messages.py)."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.fuzz_corpus import corpus

SAMPLE = 300


def send(url: str, case) -> tuple[int, float, object]:
    sender, message, metadata = case
    body = {"sender": sender, "message": message, **({"metadata": metadata} if metadata is not None else {})}
    request = urllib.request.Request(url + "/webhooks/rest/webhook", json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, time.perf_counter() - started, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, time.perf_counter() - started, exc.read()[:200]


@pytest.mark.parametrize("store", ["stack", "postgres_stack"])
def test_hostile_input_gets_answers_and_never_a_server_error(store, request):
    target = request.getfixturevalue(store)
    url = f"http://127.0.0.1:{target['ports']['rasa']}"
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda case: send(url, case), corpus(SAMPLE)))
    failures = [(status, str(body)[:120]) for status, _, body in results if status >= 500]
    assert failures == []
    assert all(status == 200 and isinstance(body, list) for status, _, body in results), \
        [(s, str(b)[:120]) for s, _, b in results if s != 200 or not isinstance(b, list)][:5]
    latencies = sorted(seconds for _, seconds, _ in results)
    assert latencies[int(0.99 * len(latencies))] < 15, f"p99 {latencies[int(0.99 * len(latencies))]:.1f} s"
    with urllib.request.urlopen(url + "/", timeout=10) as response:
        assert response.status == 200
