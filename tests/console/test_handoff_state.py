"""The handoff state machine and its store: one owner, compare-and-set, expiry, accounts and sessions."""
import sqlite3
import time

import pytest

from cartwise.passwords import hash_password, verify_password
from console import handoff as hf
from console.store import ConsoleStore
from console.transcript import transcript


@pytest.fixture
def store(tmp_path):
    s = ConsoleStore(tmp_path / "console.db")
    yield s
    s.close()


def test_take_release_and_conflicts():
    h = hf.Handoff(id=1, conversation_id="c", status=hf.WAITING, reason="asked", created=0.0)
    owned = hf.take(h, "alice", 5.0)
    assert (owned.status, owned.owner, owned.taken) == (hf.OWNED, "alice", 5.0)
    assert hf.take(owned, "alice", 6.0) is owned                    # a double click is fine
    with pytest.raises(hf.HandoffConflict, match="owned by alice"):
        hf.take(owned, "bob", 6.0)
    with pytest.raises(hf.HandoffConflict):
        hf.check_owner(owned, "bob")
    with pytest.raises(hf.HandoffConflict):
        hf.release(h, "alice", 7.0)                                  # nobody owns a waiting chat
    closed = hf.release(owned, "alice", 7.0)
    assert closed.status == hf.CLOSED and closed.closed == 7.0
    with pytest.raises(hf.HandoffConflict):
        hf.take(closed, "bob", 8.0)


def test_only_overdue_waiting_chats_expire():
    h = hf.Handoff(id=1, conversation_id="c", status=hf.WAITING, reason="asked", created=100.0)
    assert not hf.is_overdue(h, 399.0, 300) and hf.is_overdue(h, 400.0, 300)
    assert hf.expire(h, 400.0).status == hf.EXPIRED
    with pytest.raises(hf.HandoffConflict):
        hf.expire(hf.take(h, "alice", 150.0), 400.0)


def test_store_allows_one_open_handoff_per_conversation_and_one_winner(store):
    first = store.open_handoff("c1", "asked", {"asked": ["help"]}, agents_online=True)
    again = store.open_handoff("c1", "asked again", {}, agents_online=True)
    assert again.id == first.id and again.summary == {"asked": ["help"]}
    second = store.open_handoff("c2", "asked", {}, agents_online=True)
    assert store.queue_position(first) == 1 and store.queue_position(second) == 2
    alice, bob = hf.take(first, "alice", time.time()), hf.take(first, "bob", time.time())
    assert store.apply(first, alice) is True
    assert store.apply(first, bob) is False                          # bob read the row before alice's write
    assert store.get(first.id).owner == "alice"
    assert store.queue_position(second) == 1


def test_nobody_online_means_missed_and_a_new_request_later_opens_a_new_entry(store):
    missed = store.open_handoff("c1", "asked", {}, agents_online=False)
    assert missed.status == hf.MISSED
    later = store.open_handoff("c1", "asked", {}, agents_online=True)
    assert later.id != missed.id and later.status == hf.WAITING
    store.set_contact(missed.id, "me@example.com")
    assert store.latest_for("c1").id == later.id


def test_accounts_sessions_and_presence(store):
    store.add_user("alice", "agent", "a long enough password")
    store.add_user("rita", "reviewer", "another long password")
    with pytest.raises(ValueError):
        store.add_user("eve", "agent", "short")
    with pytest.raises(ValueError):
        store.add_user("eve", "root", "a long enough password")
    assert store.login("alice", "wrong password", 60) is None
    token, session = store.login("alice", "a long enough password", 60)
    assert session.user.role == "agent" and len(session.csrf) > 20
    assert store.agents_online(30) == 0                              # logging in is not yet polling
    assert store.session(token, 60).user.name == "alice"
    assert store.agents_online(30) == 1
    reviewer_token, _ = store.login("rita", "another long password", 60)
    store.session(reviewer_token, 60)
    assert store.agents_online(30) == 1                              # reviewers are not agents
    store.logout(token)
    assert store.session(token, 60) is None and store.agents_online(30) == 0


def test_sessions_expire(store):
    store.add_user("alice", "agent", "a long enough password")
    token, _ = store.login("alice", "a long enough password", -1)
    assert store.session(token, 60) is None


def test_passwords_are_salted_scrypt():
    a, b = hash_password("secret words"), hash_password("secret words")
    assert a != b and a.startswith("scrypt$")
    assert verify_password("secret words", a) and not verify_password("secret word", a)
    assert not verify_password("x", "md5$whatever")


def test_the_database_rejects_a_second_open_handoff_even_without_the_store(store, tmp_path):
    store.open_handoff("c1", "asked", {}, agents_online=True)
    db = sqlite3.connect(tmp_path / "console.db")
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO handoffs(conversation_id, status, reason, summary, created) "
                   "VALUES ('c1', 'waiting', 'x', '{}', 0)")
    db.close()


def test_transcript_tells_shopper_bot_and_agent_apart():
    events = [
        {"event": "user", "text": "hi", "timestamp": 1, "parse_data": {"intent": {"name": "greet", "confidence": 0.9},
                                                                        "entities": []}},
        {"event": "bot", "text": "Hello", "timestamp": 2, "data": {"attachment": {"payload": {"elements": [
            {"title": "Chips", "subtitle": "$3", "product_id": "c1"}]}}}},
        {"event": "pause", "timestamp": 3},
        {"event": "bot", "text": "Alice here", "timestamp": 4, "metadata": {"agent": "alice"}},
        {"event": "bot", "timestamp": 5, "data": {"custom": {"data": {"text": "Your cart: 1 item, $3.00."}}}},
        {"event": "resume", "timestamp": 6},
        {"event": "slot", "name": "cart", "value": []},
    ]
    lines = transcript(events)
    assert [line["who"] for line in lines] == ["shopper", "bot", "system", "agent", "bot", "system"]
    assert lines[0]["intent"] == "greet" and lines[1]["cards"][0]["product_id"] == "c1"
    assert lines[3]["agent"] == "alice" and lines[4]["text"] == "Your cart: 1 item, $3.00."


def test_the_missed_list_shows_the_latest_chats_when_many_piled_up(store):
    for i in range(25):
        store.open_handoff(f"shopper-{i}", "asked for a person", {}, agents_online=False)
    latest = store.list(("missed",), limit=20, newest_first=True)
    assert [h.conversation_id for h in latest][:2] == ["shopper-24", "shopper-23"] and len(latest) == 20
    assert store.list(("missed",), limit=1)[0].conversation_id == "shopper-0"   # a queue stays oldest first
