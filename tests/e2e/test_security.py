"""What keeps intruders out, on the running stack: Rasa's HTTP API needs the token, sender ids are
bounded, and a forged coupon code is refused."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

from tests.processes import RASA_TOKEN
from tests.stack import Shopper


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_rasa_http_api_refuses_a_missing_or_wrong_token(stack):
    Shopper(stack, "token-check").say("hello")
    base = f"http://127.0.0.1:{stack['ports']['rasa']}/conversations/token-check/tracker"
    assert status_of(base) == 401
    assert status_of(base + "?token=not-the-token") == 401
    assert status_of(f"{base}?token={RASA_TOKEN}") == 200
    request = urllib.request.Request(f"http://127.0.0.1:{stack['ports']['rasa']}/conversations/token-check/tracker/events",
                                     json.dumps({"event": "bot", "text": "forged"}).encode(),
                                     {"Content-Type": "application/json"}, method="POST")
    try:
        urllib.request.urlopen(request, timeout=10)
        raise AssertionError("events were appended without a token")
    except urllib.error.HTTPError as exc:
        assert exc.code == 401


def test_an_overlong_sender_id_is_refused_with_a_reason_and_nothing_stored(stack):
    sender = "s" * 300
    replies = Shopper(stack, sender).say("hello")
    assert "conversation id is too long" in replies[0]["text"]
    with urllib.request.urlopen(f"http://127.0.0.1:{stack['ports']['rasa']}/conversations/{sender}/tracker"
                                f"?token={RASA_TOKEN}", timeout=10) as response:
        assert [e for e in json.loads(response.read())["events"] if e["event"] == "user"] == []


def test_a_forged_coupon_code_is_refused(stack):
    shopper = Shopper(stack, "forger")
    cart = {"cart": [{"id": "coffee-1", "qty": 2}]}
    for code in ("SAVE99", "FREE100", "CJ0000000001"):
        text = shopper.text(f"apply {code}", cart)
        assert "don't know the code" in text and "Applied" not in text, text
    assert shopper.tracker()["slots"]["applied_coupon"] is None
