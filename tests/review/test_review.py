"""The review console over real tracker stores: filters, inbox corrections into Rasa YAML, test stories,
privacy (redaction, forget), export, roles. Each test runs on SQLite and on PostgreSQL."""
from __future__ import annotations

import base64
import datetime as dt
import json
import subprocess
import urllib.parse
import urllib.request
import uuid

import sqlalchemy as sa

from tests.nlu_heldout.evaluate import fallback_settings
from tests.processes import BOT_BIN, ROOT, service_env
from tests.stack import MODEL, Shopper, Staff


def console(target) -> str:
    return f"http://127.0.0.1:{target['ports']['console']}"


def listed(staff: Staff, **filters) -> list[str]:
    """Every conversation id the list returns for these filters, following the pages."""
    found, cursor = [], None
    while True:
        query = {**filters, "limit": "2", **({"cursor": cursor} if cursor else {})}
        status, page = staff.call("GET", "/api/review/conversations?" + urllib.parse.urlencode(query))
        assert status == 200, page
        found += [c["sender_id"] for c in page["items"]]
        cursor = page["next"]
        if cursor is None:
            return found


def ours(found: list[str], conversations) -> set[str]:
    """The test's own conversations among those found (the private one's NLU reading is not the point)."""
    return set(found) & {conversations.shopper, conversations.confused, conversations.human}


def test_filters_return_the_conversations_they_should(filled):
    target, c = filled
    rita = Staff(console(target), "rita")
    everyone = {c.shopper, c.confused, c.human}
    assert ours(listed(rita), c) == everyone
    today = dt.datetime.now(dt.timezone.utc).date()
    assert ours(listed(rita, since=str(today), until=str(today)), c) == everyone
    assert ours(listed(rita, until=str(today - dt.timedelta(days=1))), c) == set()
    assert ours(listed(rita, intent="search_products"), c) == {c.shopper}
    assert ours(listed(rita, entity="product_id"), c) == {c.shopper}
    assert ours(listed(rita, action="action_search_products"), c) == {c.shopper}
    assert ours(listed(rita, slot="applied_coupon=SAVE10"), c) == {c.shopper}
    assert ours(listed(rita, channel="rest"), c) == everyone
    assert ours(listed(rita, channel="socketio"), c) == set()
    assert ours(listed(rita, fallback="yes"), c) == {c.confused}
    assert c.confused not in listed(rita, fallback="no")
    assert ours(listed(rita, handoff="yes"), c) == {c.human}
    # Rasa gives a fallback parse the threshold as its confidence
    fallback_score = fallback_settings(ROOT / "config.yml").threshold
    assert ours(listed(rita, max_confidence=f"{fallback_score + 0.05:.2f}"), c) == {c.confused}
    assert c.confused not in listed(rita, min_confidence=f"{fallback_score + 0.1:.2f}")
    shopper = [x for x in rita.call("GET", "/api/review/conversations?intent=apply_coupon")[1]["items"]
               if x["sender_id"] == c.shopper][0]
    assert (shopper["recs_shown"], shopper["rec_clicks"], shopper["rec_adds"]) >= (1, 1, 1)
    assert shopper["coupons_offered"] >= 1 and shopper["coupons_applied"] == 1

    path = f"/api/review/conversations/{c.human}"
    assert rita.call("POST", path + "/tags", {"tag": "Needs copy"})[0] == 200
    assert rita.call("POST", path + "/reviewed", {"reviewed": True})[0] == 200
    assert ours(listed(rita, tag="needs copy"), c) == {c.human}
    assert ours(listed(rita, reviewed="yes"), c) == {c.human}
    assert c.human not in listed(rita, reviewed="no")
    status, body = rita.call("POST", path + "/notes", {"text": "bot should offer the phone line"})
    assert status == 200 and body["author"] == "rita"
    assert rita.call("GET", path)[1]["notes"][-1]["text"] == "bot should offer the phone line"


def test_a_message_the_index_cannot_store_as_typed_does_not_stop_indexing(filled, tmp_path):
    """A NUL character (PostgreSQL text cannot hold one) and a line separator: the conversation is
    listed, so is one that came after it, and the export keeps one conversation per line."""
    target, _ = filled
    run = f"odd{uuid.uuid4().hex[:6]}"
    Shopper(target, f"{run}-nul").say("hello\x00 there\u2028bye")
    Shopper(target, f"{run}-after").say("hello")
    assert {f"{run}-nul", f"{run}-after"} <= set(listed(Staff(console(target), "rita")))
    out = tmp_path / "all.jsonl"
    done = subprocess.run([str(BOT_BIN / "python"), "-m", "console", "export", "--out", str(out)], cwd=ROOT,
                          env=service_env(target["config"]), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    exported = {json.loads(line)["sender_id"] for line in out.read_text().splitlines()}
    assert {f"{run}-nul", f"{run}-after"} <= exported


def test_bad_filters_get_a_clear_error(filled):
    rita = Staff(console(filled[0]), "rita")
    for query, words in [("since=yesterday", "expected a date"), ("fallback=maybe", "yes or no"),
                         ("max_confidence=2", "from 0 to 1"), ("colour=red", "unknown filter"),
                         ("slot=cart", "name=value"), ("cursor=!!", "cursor"), ("limit=1000", "limit")]:
        status, body = rita.call("GET", "/api/review/conversations?" + query)
        assert status == 400 and words in body["message"], (query, body)


def test_conversation_view_shows_intents_actions_slots_and_cards(filled):
    target, c = filled
    status, view = Staff(console(target), "rita").call("GET", f"/api/review/conversations/{c.shopper}")
    assert status == 200
    lines = view["transcript"]
    said = [l for l in lines if l["who"] == "shopper"]
    assert said[1]["intent"] == "search_products" and 0 < said[1]["confidence"] <= 1
    assert any(l["who"] == "bot" and l["cards"] for l in lines)
    assert any(l["who"] == "action" and l["text"] == "action_apply_coupon" for l in lines)
    assert any(l["who"] == "slot" and l["text"] == "applied_coupon = SAVE10" for l in lines)


def _validate(nlu_file) -> subprocess.CompletedProcess:
    return subprocess.run([str(BOT_BIN / "rasa"), "data", "validate", "--fail-on-warnings", "--quiet",
                           "--data", str(ROOT / "data"), str(nlu_file), "--domain", str(ROOT / "domain.yml"),
                           "--config", str(ROOT / "config.yml")], cwd=ROOT, capture_output=True, text=True,
                          env=service_env(ROOT / "cartwise.yml"), timeout=300)


def test_inbox_correction_lands_in_the_training_data_and_rasa_accepts_it(filled):
    target, c = filled
    rita = Staff(console(target), "rita")
    status, inbox = rita.call("GET", "/api/review/inbox?limit=100")
    assert status == 200
    mine = [m for m in inbox["items"] if m["sender_id"] == c.confused]
    assert [m["text"] for m in mine] == ["grz vbn", "blorp zzkx qqq"]   # newest first
    assert all(m["fallback"] and m["intent"] == "nlu_fallback" for m in mine)
    status, result = rita.call("POST", f"/api/review/messages/{mine[1]['event_id']}/correct",
                               {"intent": "out_of_scope", "example": "blorp zzkx qqq"})
    assert status == 200 and result["status"] == "corrected" and result["outcome"] == "added"
    status, bad = rita.call("POST", f"/api/review/messages/{mine[0]['event_id']}/correct",
                            {"intent": "no_such_intent", "example": "grz vbn"})
    assert status == 400 and "not an intent" in bad["message"]
    status, bad = rita.call("POST", f"/api/review/messages/{mine[0]['event_id']}/correct",
                            {"intent": "out_of_scope", "example": "something else entirely"})
    assert status == 400 and "keep the shopper's words" in bad["message"]
    assert rita.call("POST", f"/api/review/messages/{mine[0]['event_id']}/ignore")[0] == 200
    left = [m for m in rita.call("GET", "/api/review/inbox?limit=100")[1]["items"] if m["sender_id"] == c.confused]
    assert left == []

    # What the project's data already says: confirmed as it is, refused as something else.
    shopper = rita.call("GET", f"/api/review/conversations/{c.shopper}")[1]["transcript"]
    apply = [l for l in shopper if l["who"] == "shopper" and l["text"] == "apply SAVE10"][0]
    status, result = rita.call("POST", f"/api/review/messages/{apply['event_id']}/correct",
                               {"intent": "apply_coupon", "example": "apply [SAVE10](coupon_code)"})
    assert status == 200 and result["outcome"] == "already"
    status, bad = rita.call("POST", f"/api/review/messages/{apply['event_id']}/correct",
                            {"intent": "ask_deals", "example": "apply SAVE10"})
    assert status == 400 and "training example of 'apply_coupon'" in bad["message"]
    # A new text with an entity, corrected twice: one example stays, the later one.
    human = rita.call("GET", f"/api/review/conversations/{c.human}")[1]["transcript"]
    code = [l for l in human if l["who"] == "shopper" and l["text"] == "could I use SAVE10 on this"][0]
    for intent in ("ask_deals", "apply_coupon"):
        status, result = rita.call("POST", f"/api/review/messages/{code['event_id']}/correct",
                                   {"intent": intent, "example": "could I use [SAVE10](coupon_code) on this"})
        assert status == 200, result
    assert result["outcome"] == "replaced"
    nlu_file = target["folder"] / "reviewed_nlu.yml"
    text = nlu_file.read_text()
    assert "- intent: out_of_scope\n  examples: |\n    - blorp zzkx qqq" in text
    assert "- could I use [SAVE10](coupon_code) on this" in text and text.count("SAVE10") == 1
    assert "ask_deals" not in text
    checked = _validate(nlu_file)
    assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-3000:]


def test_a_saved_conversation_passes_rasa_test(sqlite_filled):
    target, c = sqlite_filled
    rita = Staff(console(target), "rita")
    status, saved = rita.call("POST", f"/api/review/conversations/{c.shopper}/story", {"name": "coffee and coupon"})
    assert status == 200 and saved["steps"] >= 8
    stories = target["folder"] / "reviewed_stories.yml"
    assert "coffee and coupon" in stories.read_text()
    out = target["folder"] / "story-results"
    result = subprocess.run([str(BOT_BIN / "rasa"), "test", "core", "--model", str(MODEL), "--stories", str(stories),
                             "--fail-on-prediction-errors", "--out", str(out)], cwd=ROOT, capture_output=True,
                            text=True, env=service_env(target["config"]), timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert not (out / "failed_test_stories.yml").exists() or "none of the test stories failed" in \
        (out / "failed_test_stories.yml").read_text().lower()


def _raw_rows(target, sender: str) -> list[str]:
    url = target.get("db_url") or f"sqlite:///{target['folder'] / 'tracker.db'}"
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [row[0] for row in conn.execute(sa.text("SELECT data FROM events WHERE sender_id = :s"),
                                                   {"s": sender})]
    finally:
        engine.dispose()


def test_personal_data_never_reaches_the_store_and_forget_removes_everything(filled):
    target, c = filled
    rows = _raw_rows(target, c.private)
    stored = "\n".join(rows)
    assert rows and "jane.doe@example.com" not in stored and "7946" not in stored and "4111" not in stored
    assert "[email]" in stored and "[phone]" in stored and "[card]" in stored
    assert "ORD-5550-1234-5678" in stored                           # the allow-listed order format
    rita = Staff(console(target), "rita")
    assert c.private in listed(rita)
    assert rita.call("POST", f"/api/review/conversations/{c.private}/tags", {"tag": "pii"})[0] == 200
    done = subprocess.run([str(BOT_BIN / "python"), "-m", "console", "forget", c.private], cwd=ROOT,
                          env=service_env(target["config"]), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"forgot {c.private}: {len(rows)} tracker_events" in done.stdout
    assert _raw_rows(target, c.private) == []
    assert c.private not in listed(rita)
    assert rita.call("GET", f"/api/review/conversations/{c.private}")[0] == 404


def test_export_writes_filtered_conversations_as_jsonl(filled, tmp_path):
    target, c = filled
    out = tmp_path / "export.jsonl"
    done = subprocess.run([str(BOT_BIN / "python"), "-m", "console", "export", "--out", str(out),
                           "--fallback", "yes"], cwd=ROOT, env=service_env(target["config"]),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert c.confused in {x["sender_id"] for x in lines} and c.shopper not in {x["sender_id"] for x in lines}
    mine = [x for x in lines if x["sender_id"] == c.confused][0]
    assert [e["text"] for e in mine["events"] if e["event"] == "user"] == ["blorp zzkx qqq", "grz vbn"]
    bad = subprocess.run([str(BOT_BIN / "python"), "-m", "console", "export", "--since", "soon"], cwd=ROOT,
                         env=service_env(target["config"]), capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "expected a date" in bad.stderr


def test_rasa_export_to_an_event_broker_still_works(sqlite_filled, tmp_path):
    target, c = sqlite_filled
    endpoints = tmp_path / "endpoints.yml"
    broker = tmp_path / "broker.db"
    endpoints.write_text(target["endpoints"].read_text() + f"event_broker:\n  type: SQL\n  dialect: sqlite\n"
                                                           f"  db: {broker}\n")
    done = subprocess.run([str(BOT_BIN / "rasa"), "export", "--endpoints", str(endpoints),
                           "--conversation-ids", c.confused], cwd=ROOT, env=service_env(target["config"]),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    engine = sa.create_engine(f"sqlite:///{broker}")
    with engine.connect() as conn:
        rows = [json.loads(r[0]) for r in conn.execute(sa.text("SELECT data FROM events WHERE sender_id = :s"),
                                                        {"s": c.confused})]
    assert [e["text"] for e in rows if e["event"] == "user"] == ["blorp zzkx qqq", "grz vbn"]


def test_analytics_counts_and_plots(filled):
    target, c = filled
    rita = Staff(console(target), "rita")
    status, a = rita.call("GET", "/api/review/analytics")
    assert status == 200 and a["conversations"] >= 3   # the private one may be forgotten already
    assert 0 < a["fallback_rate"] < 1 and 0 < a["handoff_rate"] < 1
    assert a["recommendation_click_through"] > 0 and a["recommendation_add_to_cart"] > 0
    assert a["coupon_acceptance"] > 0 and a["per_day"][-1]["conversations"] >= 3
    assert "search_products" in {t["intent"] for t in a["top_intents"]}
    status, only = rita.call("GET", "/api/review/analytics?fallback=yes")
    assert only["fallback_rate"] == 1.0
    for name in ("per_day", "rates", "intents"):
        request = urllib.request.Request(console(target) + f"/api/review/plots/{name}.png?fallback=yes&v=1")
        with rita.opener.open(request, timeout=30) as response:
            assert response.headers["Content-Type"] == "image/png" and response.read(8) == b"\x89PNG\r\n\x1a\n"
    status, with_plots = rita.call("GET", "/api/review/analytics?fallback=yes&plots=1")   # what the page asks
    assert status == 200 and with_plots["fallback_rate"] == 1.0
    assert set(with_plots["plots"]) == {"per_day", "rates", "intents"}
    assert all(
        base64.b64decode(url.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n" for url in with_plots["plots"].values()
    )


def test_only_reviewers_reach_the_review_console(filled):
    target, _ = filled
    alice = Staff(console(target), "alice")  # an agent
    assert alice.call("GET", "/api/review/conversations")[0] == 403
    assert alice.call("GET", "/review")[0] == 403
    rita = Staff(console(target), "rita")
    assert rita.call("GET", "/api/queue")[0] == 403  # and reviewers do not take chats
    nobody = Staff(console(target), "mallory", "wrong password")
    assert nobody.call("GET", "/api/review/conversations")[0] == 401
    status, body = rita.call("POST", "/api/review/conversations/x/tags", {"tag": "a"}, csrf=False)
    assert status == 403 and body["error"] == "csrf"
