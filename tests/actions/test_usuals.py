"""A signed-in shopper's usuals: "buy it again" and a cart completed with their own habits. Only a
verified sign-in counts: a guest, a forged token or a shopper id in plain metadata gets no one's history."""
from __future__ import annotations

from actions.cart import ActionCompleteCart
from actions.usuals import SIGN_IN_FIRST, ActionBuyAgain
from tests.actions.conftest import turn
from tests.actions.test_orders import token
from tests.fixture_shop import favourite

U3_HABITS = {"Ground Coffee Medium Roast", "Coffee Filters", "Coffee Creamer", "Baby Diapers Size 3"}


def titles(messages: list[dict]) -> list[str]:
    cards = next(m["attachment"]["payload"]["elements"] for m in messages if m.get("attachment"))
    return [card["title"].split(",")[0] for card in cards]


def test_a_signed_in_shopper_gets_their_usuals_with_how_often(recommender):
    messages, slots = turn(ActionBuyAgain(), "buy it again", "buy_again", metadata=token("u3"), sender="u3-chat")
    assert messages[0]["text"].startswith("What you buy most often:\n1. ")
    assert set(titles(messages)[:4]) == U3_HABITS
    assert "You've bought this" in messages[0]["text"]
    assert [r["id"] for r in slots["last_results"]][:4] and favourite(3) in [r["id"] for r in slots["last_results"]]


def test_no_verified_sign_in_no_history(recommender):
    forged = token("u3")["identity"].split(".")[0] + ".c2lnbmF0dXJl"
    for who, metadata in (("guest", {}), ("forged", {"identity": forged}),
                          ("plain", {"shopper_id": "u3", "identity": "u3"})):
        messages, slots = turn(ActionBuyAgain(), "my usuals", "buy_again", metadata=metadata, sender=f"x-{who}")
        assert messages[0]["text"] == SIGN_IN_FIRST and "last_results" not in slots, who
    messages, _ = turn(ActionBuyAgain(), "my usuals", "buy_again", metadata={}, sender="u3")   # a sender id is no one
    assert messages[0]["text"] == SIGN_IN_FIRST


def test_a_shopper_without_history_is_told_so(recommender):
    messages, _ = turn(ActionBuyAgain(), "buy it again", "buy_again", metadata=token("new-shopper"), sender="new")
    assert messages[0]["text"].startswith("I don't see any past orders of yours yet")


def test_completing_a_signed_in_cart_brings_in_their_habits(recommender):
    cart = {"cart": [{"id": "pasta-1", "qty": 1, "title": "Spaghetti, 16 oz", "price": 1.29}]}
    guest, _ = turn(ActionCompleteCart(), "what else", "complete_cart", slots=cart, sender="guest-cc")
    mine, _ = turn(ActionCompleteCart(), "what else", "complete_cart", slots=cart, metadata=token("u3"),
                   sender="u3-cc")
    assert "You've bought this" in mine[0]["text"] and "You've bought this" not in guest[0]["text"]
    assert set(titles(mine)) & U3_HABITS and not set(titles(guest)) & {"Baby Diapers Size 3"}
    empty, _ = turn(ActionCompleteCart(), "what else", "complete_cart", metadata=token("u3"), sender="u3-empty")
    assert empty[0]["text"].startswith("Your cart is empty; here is what you often buy:")
    assert set(titles(empty)[:4]) == U3_HABITS


def test_what_the_assistant_knows_and_a_pause_of_the_history(recommender):
    from actions.usuals import GUEST_KNOWS, ActionAboutMe, ActionUseHistory

    said, _ = turn(ActionAboutMe(), "what do you know about me", "ask_my_data", sender="guest-about")
    assert said[0]["text"] == GUEST_KNOWS
    said, _ = turn(ActionAboutMe(), "what do you know about me", "ask_my_data", metadata=token("u20"), sender="u20-a")
    assert said[0]["text"].startswith("You're signed in as u20.") and "products you have bought" in said[0]["text"]
    assert said[0]["buttons"][0]["payload"] == '/history_preference{"history_use": "off"}'
    said, _ = turn(ActionUseHistory(), "stop using my history", "history_preference", metadata=token("u20"),
                   sender="u20-b")
    assert said[0]["text"].startswith("Done: I won't use your purchase history")
    usuals, _ = turn(ActionBuyAgain(), "buy it again", "buy_again", metadata=token("u20"), sender="u20-c")
    assert usuals[0]["text"].startswith("You asked me not to use your purchase history")
    cart = {"cart": [{"id": "pasta-1", "qty": 1, "title": "Spaghetti, 16 oz", "price": 1.29}]}
    completed, _ = turn(ActionCompleteCart(), "what else", "complete_cart", slots=cart, metadata=token("u20"),
                        sender="u20-d")
    assert "You've bought this" not in completed[0]["text"]
    about, _ = turn(ActionAboutMe(), "what do you know about me", "ask_my_data", metadata=token("u20"), sender="u20-e")
    assert "You asked me not to use your purchase history" in about[0]["text"]
    unclear, _ = turn(ActionUseHistory(), "my history", "history_preference", metadata=token("u20"), sender="u20-x")
    assert unclear[0]["text"].startswith("Should I stop using your purchase history")
    said, _ = turn(ActionUseHistory(), "/history_preference", "history_preference", metadata=token("u20"),
                   entities=[{"entity": "history_use", "value": "on"}], sender="u20-f")   # the button
    assert said[0]["text"] == "Done: your suggestions use your purchase history again."
    usuals, _ = turn(ActionBuyAgain(), "buy it again", "buy_again", metadata=token("u20"), sender="u20-g")
    assert usuals[0]["text"].startswith("What you buy most often:")


def test_the_words_say_whether_to_stop_or_use_the_history():
    from actions.usuals import history_wish

    for off in ("stop using what I bought", "don't base suggestions on my orders", "turn personal picks off",
                "I'd rather you didn't look at my history", "pause it", "no more personal suggestions",
                "opt out please", "leave my orders out of this"):
        assert history_wish(off) is False, off
    for on in ("use my history again", "turn it back on", "resume personal suggestions", "opt me back in",
               "you can personalise now", "re-enable it"):
        assert history_wish(on) is True, on
    assert history_wish("my purchase history") is None
