"""The whole review loop on the running assistant: a shopper is misunderstood, a reviewer corrects the
message in the console, retrains from the console, and the running bot answers it right.

It retrains and reloads the model of the PostgreSQL stack's Rasa, which only review tests use, and
runs after test_review.py (file order), so no other test sees the new model.
"""
from __future__ import annotations

import time

from tests.stack import Shopper, Staff, misunderstood

SAID = "zorblax quintessa fnord"


def test_correct_retrain_and_the_bot_understands(postgres_stack):
    target = postgres_stack
    before = Shopper(target, "loop-before")
    assert misunderstood(before.text(SAID))
    rita = Staff(f"http://127.0.0.1:{target['ports']['console']}", "rita")
    inbox = rita.call("GET", "/api/review/inbox?limit=100")[1]["items"]
    message = next(m for m in inbox if m["sender_id"] == "loop-before" and m["text"] == SAID)
    status, result = rita.call("POST", f"/api/review/messages/{message['event_id']}/correct",
                               {"intent": "ask_deals", "example": SAID})
    assert status == 200 and result["status"] == "corrected"

    status, training = rita.call("POST", "/api/review/retrain")
    assert status == 202 and training["state"] == "training"
    assert rita.call("POST", "/api/review/retrain")[0] == 409          # one run at a time
    deadline = time.monotonic() + 900
    while training["state"] in ("training", "loading") and time.monotonic() < deadline:
        time.sleep(3)
        training = rita.call("GET", "/api/review/retrain")[1]
    assert training["state"] == "done", training

    after = Shopper(target, "loop-after")
    reply = after.text(SAID)
    assert not misunderstood(reply) and "coupons" in reply, reply
    latest = [e for e in after.tracker()["events"] if e["event"] == "user"][-1]
    assert latest["parse_data"]["intent"]["name"] == "ask_deals"
