"""Hostile and odd input for the assistant, generated deterministically (stdlib only).

Each case is (sender, message, metadata): empty and huge texts, control characters, RTL and emoji,
HTML/JS and SQL-looking text, format strings, malformed metadata and carts, odd sender ids. Used by
the CI fuzz test (a sample) and by benchmarks/fuzz_messages.py (10,000 and more).
"""
from __future__ import annotations

import random
from typing import Any, Iterator

INJECTIONS = ['<script>alert("x")</script>', '<img src=x onerror="window.__pwned=1">', "javascript:alert(1)",
              "'; DROP TABLE events; --", '" OR 1=1 --', "{{7*7}} ${7*7} %s%n%x {0}", "../../etc/passwd",
              "\\u0000\\x00", "<!--", "]]>", "`rm -rf /`", "{\"intent\": \"greet\"}", "/greet{\"x\": \"<b>\"}",
              "/add_to_cart{\"product_id\": \"<svg onload=alert(1)>\"}", "/add_to_cart{not json", "/nonexistent_intent"]
SCRIPTS = ["مرحبا أريد قهوة", "שלום אני רוצה חלב", "こんにちは コーヒー", "кофе без сахара", "咖啡 和 牛奶",
           "👨‍👩‍👧‍👦🛒🍕🥑", "🏳️‍🌈🇺🇳", "e\u0301\u0301\u0301", "\u202egnirts desrever", "\ufeffbom", "ǅ ǈ ǋ"]
WORDS = ["coffee", "milk", "cheaper", "cart", "chips", "salsa", "apply", "SAVE10", "order", "10001", "help",
         "person", "deals", "remove", "add", "2", "bags", "of", "under", "$5", "yes", "no"]
BAD_METADATA: list[Any] = [
    {"cart": "not a list"}, {"cart": [{"id": None, "qty": -3}]}, {"cart": [{"id": "ghost", "qty": 1}]},
    {"cart": [{"id": "1029743", "qty": 10**12}]}, {"cart": [{"qty": 1}]}, {"cart": [[1, 2], "x", None]},
    {"cart": [{"id": str(i), "qty": 1} for i in range(5000)]}, {"cart": {"id": "1029743"}}, {"cart": None},
    {"cart": [{"id": "<script>", "qty": "two"}]}, {"unexpected": {"deep": [{"deeper": ["x"] * 100}]}}, [], "string",
]


def _text(rng: random.Random) -> str:
    kind = rng.randrange(10)
    if kind == 0:
        return rng.choice(["", " ", "\n\t", "\u200b", "."])
    if kind == 1:
        return "".join(chr(rng.randrange(0, 32)) for _ in range(rng.randrange(1, 40)))
    if kind == 2:
        return rng.choice(INJECTIONS)
    if kind == 3:
        return rng.choice(SCRIPTS)
    if kind == 4:
        return rng.choice(WORDS) * rng.randrange(1000, 20000)
    if kind == 5:
        return "".join(chr(rng.randrange(0x20, 0x2FFF)) for _ in range(rng.randrange(1, 200)))
    if kind == 6:
        return " ".join(rng.choice(WORDS + INJECTIONS + SCRIPTS) for _ in range(rng.randrange(1, 30)))
    if kind == 7:
        return "a" * (1 << 20) if rng.random() < 0.02 else "9" * rng.randrange(10, 5000)
    return " ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 12)))


def _sender(rng: random.Random, i: int) -> str:
    kind = rng.randrange(12)
    if kind == 0:
        return "x" * rng.randrange(200, 300)
    if kind == 1:
        return rng.choice(SCRIPTS) + str(i)
    if kind == 2:
        return f"../{i}/<b>"
    return f"fuzz-{i // 8}"   # a handful of messages per conversation, under the rate limit


def corpus(n: int, seed: int = 7) -> Iterator[tuple[str, str, Any]]:
    rng = random.Random(seed)
    for i in range(n):
        metadata = rng.choice(BAD_METADATA) if rng.random() < 0.2 else None
        yield _sender(rng, i), _text(rng), metadata
