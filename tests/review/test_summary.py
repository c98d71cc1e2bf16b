"""What a conversation is filtered on, read off its events (console/review/summary.py), and filter parsing."""
from __future__ import annotations

import pytest

from console.review.queries import BadFilter, Filters, decode_cursor, encode_cursor, parse_filters
from console.review.summary import summarize


def user(text, intent, confidence=0.9, entities=(), channel="socketio"):
    return {"event": "user", "timestamp": 100.0, "text": text, "input_channel": channel,
            "parse_data": {"text": text, "intent": {"name": intent, "confidence": confidence},
                           "entities": list(entities)}}


def action(name):
    return {"event": "action", "name": name, "timestamp": 101.0}


def test_suggestions_clicks_adds_and_coupons_are_counted_only_for_what_the_bot_showed():
    events = [user("coffee", "search_products"), action("action_search_products"),
              {"event": "bot", "timestamp": 102.0, "text": "Here", "metadata": {"shown": ["c1", "c2"],
                                                                                "coupons_offered": ["SAVE10"]}},
              user('/add_to_cart{"product_id": "c1"}', "add_to_cart", 1.0, [{"entity": "product_id", "value": "c1"}]),
              {"event": "slot", "name": "cart", "value": [{"id": "c1", "qty": 1}], "timestamp": 103.0},
              user('/add_to_cart{"product_id": "zz"}', "add_to_cart", 1.0, [{"entity": "product_id", "value": "zz"}]),
              {"event": "slot", "name": "cart", "value": [{"id": "c1", "qty": 1}, {"id": "zz", "qty": 1}],
               "timestamp": 104.0},
              {"event": "slot", "name": "applied_coupon", "value": "SAVE10", "timestamp": 105.0}]
    s = summarize("a", enumerate(events, start=1))
    assert (s.recs_shown, s.rec_clicks, s.rec_adds) == (1, 1, 1)       # "zz" was never suggested
    assert (s.coupons_offered, s.coupons_applied) == (1, 1)
    assert s.user_turns == 3 and s.channel == "socketio" and s.last_event_id == 8
    assert len(s.messages) == 1 and s.min_confidence == 0.9           # button payloads are not NLU
    assert {("intent", "add_to_cart"), ("entity", "product_id"), ("action", "action_search_products"),
            ("slot", "applied_coupon=SAVE10")} <= s.facts
    assert not any(kind == "slot" and value.startswith("cart=") for kind, value in s.facts)


def test_fallbacks_from_nlu_and_from_the_core_policy_are_marked_and_handoffs_seen():
    events = [user("blorp", "nlu_fallback", 0.4), action("action_fallback"),
              user("where is it", "order_status", 0.8), action("action_fallback"),
              {"event": "slot", "name": "handoff_requested", "value": True, "timestamp": 1.0}, {"event": "pause"}]
    s = summarize("b", enumerate(events, start=1))
    assert s.fallback and s.handoff and s.min_confidence == 0.4
    assert [m.fallback for m in s.messages] == [True, True]           # the second: core fallback on a parse


@pytest.mark.parametrize("params, message", [
    ({"since": "23/11/2026"}, "expected a date"), ({"min_confidence": "high"}, "from 0 to 1"),
    ({"handoff": "perhaps"}, "yes or no"), ({"slot": "applied_coupon"}, "name=value"),
    ({"nonsense": "1"}, "unknown filter nonsense")])
def test_bad_filters_say_what_is_wrong(params, message):
    with pytest.raises(BadFilter, match=message):
        parse_filters(params)


def test_filters_and_cursors_round_trip():
    f = parse_filters({"since": "2026-11-01", "until": "2026-11-01", "fallback": "no", "intent": " greet ", "tag": ""})
    assert f.until - f.since == 86400 and f.fallback is False and f.intent == "greet" and f.tag is None
    assert parse_filters({}) == Filters()
    assert decode_cursor(encode_cursor(12.5, "abc")) == (12.5, "abc")
    with pytest.raises(BadFilter):
        decode_cursor("not-a-cursor")
