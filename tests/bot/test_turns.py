"""Which custom action of the latest turn never ran (Rasa's trace when the action server is down)."""
from bot.turns import failed_action

CUSTOM = {"action_search_products", "action_fallback"}


def user(text: str) -> dict:
    return {"event": "user", "text": text}


def action(name: str) -> dict:
    return {"event": "action", "name": name}


def test_an_action_followed_directly_by_the_next_action_failed():
    events = [user("hi"), action("utter_greet"), {"event": "bot", "text": "Hi"}, action("action_listen"),
              user("coffee?"), action("action_search_products"), action("action_listen")]
    assert failed_action(events, CUSTOM) == "action_search_products"


def test_an_action_that_left_a_message_or_an_event_ran():
    for trace in ({"event": "bot", "text": "Here is what I found"}, {"event": "slot", "name": "offer", "value": None}):
        events = [user("coffee?"), action("action_search_products"), trace, action("action_listen")]
        assert failed_action(events, CUSTOM) is None


def test_only_the_latest_turn_counts_and_responses_are_not_custom_actions():
    earlier_failure = [user("coffee?"), action("action_search_products"), action("action_listen")]
    assert failed_action(earlier_failure + [user("thanks"), action("utter_thanks"), action("action_listen")],
                         CUSTOM) is None
    assert failed_action([user("x"), action("action_search_products")], CUSTOM) == "action_search_products"
    assert failed_action([], CUSTOM) is None
