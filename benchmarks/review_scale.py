"""Review console at scale: list, filter and inbox latency over 100,000 conversations, SQLite and PostgreSQL.

    .venv-bot/bin/python -m benchmarks.review_scale --conversations 100000 --stores sqlite postgresql

Synthetic conversations are written straight into a Rasa `events` table (the schema and JSON Rasa's
SQL tracker store writes): 2-6 shopper turns each, intents drawn Zipf-like from the domain, 8 % of
turns misunderstood (nlu_fallback), 3 % of conversations handed to a person, product suggestions with
clicks and adds, coupons offered and applied, over 30 days. Then the review indexer indexes them all
(timed), and each query the console makes is timed on the index: the first page of the list with
each filter, page 40 (keyset paging), the NLU inbox, and analytics. PostgreSQL is the running server
at 127.0.0.1:5432 (a scratch database, dropped afterwards).
Prints a table; writes results/benchmarks/review_scale.json.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import sqlalchemy as sa
import yaml

from benchmarks.table import machine, publish
from console.review import db, indexer, queries

ROOT = Path(__file__).resolve().parent.parent

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "cartwise_bench_review"
DAY = 86400.0
SEARCHES = ("search_products", "refine_cheaper", "more_like_this", "complete_cart")


def intents() -> list[str]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    return [i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]]


def conversation(i: int, rng: random.Random, names: list[str], weights: list[float], start: float
                 ) -> Iterator[dict[str, Any]]:
    """One synthetic conversation's events, as Rasa's tracker store serialises them."""
    ts = start
    sender_channel = "socketio" if i % 3 else "rest"

    def at() -> float:
        nonlocal ts
        ts += rng.uniform(0.2, 20.0)
        return ts

    yield {"event": "action", "name": "action_session_start", "timestamp": at()}
    yield {"event": "session_started", "timestamp": at()}
    yield {"event": "action", "name": "action_listen", "timestamp": at()}
    shown: list[str] = []
    for turn in range(rng.randint(2, 6)):
        fallback = rng.random() < 0.08
        intent = "nlu_fallback" if fallback else rng.choices(names, weights)[0]
        confidence = 0.4 if fallback else round(rng.betavariate(8, 2), 4)
        entities = []
        text = f"message {turn} of shopper {i}"
        if intent in ("add_to_cart", "more_like_this") and shown and rng.random() < 0.5:
            text = f'/{intent}{{"product_id": "{shown[0]}"}}'
            entities = [{"entity": "product_id", "value": shown[0]}]
        yield {"event": "user", "timestamp": at(), "text": text, "input_channel": sender_channel,
               "parse_data": {"text": text, "intent": {"name": intent, "confidence": confidence},
                              "entities": entities}}
        action = "action_fallback" if fallback else f"action_{intent}"
        yield {"event": "action", "name": action, "timestamp": at()}
        if intent in SEARCHES:
            shown = [f"p{rng.randint(1, 50000)}" for _ in range(5)]
            yield {"event": "bot", "timestamp": at(), "text": "Here is what I found",
                   "metadata": {"shown": shown, **({"coupons_offered": ["SAVE10"]} if rng.random() < 0.2 else {})}}
            yield {"event": "slot", "name": "last_query", "value": f"query {rng.randint(1, 500)}", "timestamp": at()}
        else:
            yield {"event": "bot", "timestamp": at(), "text": "Sure."}
        if intent == "add_to_cart" and shown:
            yield {"event": "slot", "name": "cart", "value": [{"id": shown[0], "qty": 1}], "timestamp": at()}
        if intent == "apply_coupon":
            yield {"event": "slot", "name": "applied_coupon", "value": "SAVE10", "timestamp": at()}
        yield {"event": "action", "name": "action_listen", "timestamp": at()}
    if rng.random() < 0.03:
        yield {"event": "slot", "name": "handoff_requested", "value": True, "timestamp": at()}
        yield {"event": "pause", "timestamp": at()}


def rows(n: int, first: int = 0, seed: int = 0) -> Iterator[tuple[str, str, float, str | None, str | None, str]]:
    rng = random.Random(seed + first)
    names = [x for x in intents() if x != "nlu_fallback"]
    weights = [1.0 / (rank + 1) for rank in range(len(names))]
    begin = time.time() - 30 * DAY
    for i in range(first, first + n):
        for e in conversation(i, rng, names, weights, begin + rng.uniform(0, 30 * DAY)):
            intent = (e.get("parse_data") or {}).get("intent", {}).get("name")
            yield (f"bench-{i:07d}", e["event"], e["timestamp"], intent, e.get("name"), json.dumps(e))


def load_events(engine: sa.engine.Engine, n: int, first: int = 0) -> int:
    """Bulk-load synthetic events into a Rasa-shaped events table; returns how many."""
    db.tracker_events.metadata.create_all(engine)
    count = 0
    columns = "sender_id, type_name, timestamp, intent_name, action_name, data"
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        batch: list[tuple] = []

        def flush() -> None:
            if engine.dialect.name == "postgresql":   # COPY: executemany would take minutes here
                buffer = io.StringIO()
                csv.writer(buffer).writerows(batch)
                buffer.seek(0)
                cursor.copy_expert(f"COPY events ({columns}) FROM STDIN WITH (FORMAT csv)", buffer)
            else:
                cursor.executemany(f"INSERT INTO events ({columns}) VALUES (?, ?, ?, ?, ?, ?)", batch)
            batch.clear()

        for row in rows(n, first):
            batch.append(row)
            count += 1
            if len(batch) >= 50000:
                flush()
        if batch:
            flush()
        cursor.execute("CREATE INDEX IF NOT EXISTS ix_events_sender_id ON events (sender_id)")   # as Rasa makes it
        raw.commit()
    finally:
        raw.close()
    return count


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Median and 95th-percentile milliseconds over `repeat` runs (after one warm-up)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))]


def deep_cursor(review: sa.engine.Engine, pages: int) -> str | None:
    cursor = None
    with review.connect() as conn:
        for _ in range(pages - 1):
            _, cursor = queries.list_conversations(conn, queries.Filters(), cursor, 25)
    return cursor


def measure(store: str, tracker: sa.engine.Engine, review: sa.engine.Engine, n: int, repeat: int) -> list[dict]:
    from tqdm import tqdm

    started = time.perf_counter()
    events = load_events(tracker, n)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    with tqdm(total=events, desc=f"{store}: indexing", unit=" events", file=sys.stderr) as bar:
        result = indexer.index_pass(tracker, review, progress=bar.update)
    index_s = time.perf_counter() - started
    new_events = load_events(tracker, 100, first=n)        # what arrives between two console passes
    started = time.perf_counter()
    indexer.index_pass(tracker, review)
    increment_ms = (time.perf_counter() - started) * 1000
    with review.begin() as conn:   # reviewers' tags on 1 % of conversations
        ids = [r[0] for r in conn.execute(sa.select(db.conversations.c.sender_id).limit(max(1, n // 100)))]
        conn.execute(db.tags.insert(), [{"tag": "needs-copy", "sender_id": i} for i in ids])
    common = {"store": store, "conversations": result.conversations, "events": events,
              "load_s": round(load_s, 1), "index_s": round(index_s, 1),
              "index_events_per_s": round(events / index_s), "increment_100_conversations_ms": round(increment_ms, 1),
              "increment_events": new_events}
    today = time.strftime("%Y-%m-%d", time.gmtime())
    week_ago = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 7 * DAY))
    cases: list[tuple[str, Callable[[], Any]]] = []
    for label, params in [("list, no filter", {}), ("intent = apply_coupon", {"intent": "apply_coupon"}),
                          ("intent = leave_email (rare)", {"intent": "leave_email"}),
                          ("entity = product_id", {"entity": "product_id"}),
                          ("action = action_fallback", {"action": "action_fallback"}),
                          ("slot applied_coupon=SAVE10", {"slot": "applied_coupon=SAVE10"}),
                          ("channel = rest", {"channel": "rest"}),
                          ("lowest confidence <= 0.5", {"max_confidence": "0.5"}),
                          ("fallback = yes", {"fallback": "yes"}), ("handoff = yes", {"handoff": "yes"}),
                          ("reviewed = no", {"reviewed": "no"}), ("tag = needs-copy", {"tag": "needs-copy"}),
                          ("last 7 days + intent + fallback", {"since": week_ago, "until": today,
                                                               "intent": "search_products", "fallback": "yes"})]:
        filters = queries.parse_filters(params)
        cases.append((label, lambda f=filters: _page(review, f, None)))
    cursor = deep_cursor(review, 40)
    cases.append(("list, page 40 (keyset)", lambda: _page(review, queries.Filters(), cursor)))
    cases.append(("NLU inbox, first page", lambda: _inbox(review)))
    cases.append(("analytics, all conversations", lambda: _analytics(review)))
    out = []
    for label, fn in cases:
        median, p95 = timed(fn, repeat)
        out.append({**common, "query": label, "median_ms": round(median, 2), "p95_ms": round(p95, 2)})
    return out


def _page(review: sa.engine.Engine, filters: queries.Filters, cursor: str | None) -> None:
    with review.connect() as conn:
        queries.list_conversations(conn, filters, cursor, 25)


def _inbox(review: sa.engine.Engine) -> None:
    with review.connect() as conn:
        queries.inbox(conn, 0.6, None, 25)


def _analytics(review: sa.engine.Engine) -> None:
    with review.connect() as conn:
        queries.analytics(conn, queries.Filters())


def postgres_engines() -> tuple[sa.engine.Engine, sa.engine.Engine, Callable[[], None]]:
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)"))
        conn.execute(sa.text(f"CREATE DATABASE {PG_DB}"))
    url = f"postgresql://postgres@127.0.0.1:5432/{PG_DB}"
    tracker, review = db.engine_for(url), db.review_engine(url)

    def drop() -> None:
        tracker.dispose()
        review.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)"))
        admin.dispose()
    return tracker, review, drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--stores", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmarks" / "review_scale.json")
    args = parser.parse_args()
    results = []
    for store in args.stores:
        if store == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                tracker = db.engine_for(f"sqlite:///{folder}/tracker.db")
                review = db.review_engine(f"sqlite:///{folder}/review.db")
                results += measure(store, tracker, review, args.conversations, args.repeat)
                tracker.dispose()
                review.dispose()
        else:
            tracker, review, drop = postgres_engines()
            try:
                results += measure(store, tracker, review, args.conversations, args.repeat)
            finally:
                drop()
    for store in args.stores:
        first = next(r for r in results if r["store"] == store)
        print(f"{store}: {first['events']:,} events of {first['conversations']:,} conversations loaded in "
              f"{first['load_s']} s, indexed in {first['index_s']} s ({first['index_events_per_s']:,} events/s); "
              f"indexing 100 new conversations: {first['increment_100_conversations_ms']} ms")
    publish(f"Review queries over {args.conversations:,} conversations (25 rows a page; {machine()})",
            {"store": lambda r: r["store"], "query": lambda r: r["query"],
             "median ms": lambda r: f"{r['median_ms']:.2f}", "p95 ms": lambda r: f"{r['p95_ms']:.2f}"},
            results, args.out, machine=machine(), conversations=args.conversations)


if __name__ == "__main__":
    main()
