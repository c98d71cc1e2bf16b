"""Human handoff against the real Rasa, action server and console: pause, one owner, live messages, resume."""
import time
import uuid

import pytest

from tests.stack import Shopper, Staff


@pytest.fixture
def console(stack):
    return f"http://127.0.0.1:{stack['ports']['console']}"


def shopper(stack) -> Shopper:
    return Shopper(stack, f"handoff-{uuid.uuid4().hex[:8]}")


def waiting_entry(agent: Staff, conversation_id: str) -> dict:
    status, queue = agent.call("GET", "/api/queue")
    assert status == 200
    return next(h for h in queue["waiting"] if h["conversation_id"] == conversation_id)


def test_a_person_takes_over_and_hands_back(stack, console):
    alice, bob = Staff(console, "alice"), Staff(console, "bob")
    alice.call("GET", "/api/queue")                       # alice's console is open: an agent is online
    me = shopper(stack)
    page = {"cart": [{"id": "pasta-1", "qty": 2}]}
    me.say("what else do I need?", page)
    answer = me.text("I want to talk to a person", page)
    assert "person from our team will join" in answer and "number 1 in line" in answer
    assert me.tracker()["paused"] is True

    entry = waiting_entry(alice, me.sender)
    assert entry["reason"] == "asked for a person"
    assert entry["summary"]["asked"][-1] == "I want to talk to a person"
    assert entry["summary"]["cart_items"] == 2 and entry["summary"]["suggested"]

    assert me.say("hello? anyone there?") == []           # paused: the bot stays quiet
    status, _ = alice.call("POST", f"/api/chats/{entry['id']}/take")
    assert status == 200
    status, body = bob.call("POST", f"/api/chats/{entry['id']}/take")
    assert status == 409 and "alice" in body["message"]   # one owner at a time
    status, _ = bob.call("POST", f"/api/chats/{entry['id']}/messages", {"text": "I'm here too"})
    assert status == 409
    status, _ = alice.call("POST", f"/api/chats/{entry['id']}/messages", {"text": "Hi, Alice here. How can I help?"})
    assert status == 200
    assert me.say("do you have gluten free pasta?") == []

    status, chat = alice.call("GET", f"/api/chats/{entry['id']}")
    lines = [(line["who"], line["text"]) for line in chat["transcript"]]
    assert ("shopper", "hello? anyone there?") in lines
    assert ("agent", "Hi, Alice here. How can I help?") in lines
    assert ("shopper", "do you have gluten free pasta?") in lines
    assert chat["slots"]["cart"][0]["id"] == "pasta-1"

    status, _ = alice.call("POST", f"/api/chats/{entry['id']}/hand-back")
    assert status == 200
    tracker = me.tracker()
    assert tracker["paused"] is False
    agent_lines = [e for e in tracker["events"] if e["event"] == "bot" and (e.get("metadata") or {}).get("agent")]
    assert [e["metadata"]["agent"] for e in agent_lines] == ["alice", "alice"]   # joined + her message, stored
    answer = me.text("coffee under $6")                   # the bot is back, with the conversation intact
    assert "$" in answer and "coffee" in answer.lower()


def test_no_agent_online_keeps_the_bot_talking_and_takes_an_email(stack, console):
    for name in ("alice", "bob"):                         # logging out makes an agent away at once
        agent = Staff(console, name)
        assert agent.call("POST", "/logout")[0] == 200
    reviewer = Staff(console, "rita")
    assert reviewer.call("GET", "/api/queue")[0] == 403   # a reviewer is not an agent, nor online as one
    me = shopper(stack)
    answer = me.text("can I speak to a human")
    assert "Nobody from our team is online" in answer and "leave your email" in answer
    assert me.tracker()["paused"] is False
    assert "Our team will write to shopper@example.com" in me.text("my email is shopper@example.com")
    alice = Staff(console, "alice")
    _, queue = alice.call("GET", "/api/queue")
    missed = next(h for h in queue["missed"] if h["conversation_id"] == me.sender)
    assert missed["status"] == "missed" and missed["contact"] == "shopper@example.com"
    assert alice.call("POST", "/logout")[0] == 200


def test_nobody_takes_the_chat_in_time_and_the_bot_comes_back(stack, console):
    alice = Staff(console, "alice")
    alice.call("GET", "/api/queue")
    me = shopper(stack)
    me.text("I need a live agent")
    assert me.tracker()["paused"] is True
    assert alice.call("POST", "/logout")[0] == 200       # and nobody takes it
    deadline = time.monotonic() + stack["max_wait_s"] + 20
    while me.tracker()["paused"] and time.monotonic() < deadline:
        time.sleep(1)
    tracker = me.tracker()
    assert tracker["paused"] is False
    assert any("nobody from our team could take your chat" in (e.get("text") or "")
               for e in tracker["events"] if e["event"] == "bot")
    assert "$" in me.text("pasta")


def test_console_refuses_what_it_should(stack, console):
    alice = Staff(console, "alice")
    status, body = alice.call("POST", "/api/chats/1/take", csrf=False)
    assert status == 403 and body["error"] == "csrf"
    wrong = Staff(console, "alice", password="not her password")
    assert wrong.call("GET", "/api/queue")[0] == 401
    status, _ = alice.call("POST", "/api/handoffs", {"conversation_id": "x"})     # a session is not a service token
    assert status == 401
    assert alice.call("GET", "/api/chats/999999")[0] == 404
    assert alice.call("POST", "/logout")[0] == 200
