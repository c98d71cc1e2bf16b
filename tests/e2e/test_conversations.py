"""Shoppers talk to the running assistant over the REST channel; assertions are on what they see."""
import re
import signal
import time

import pytest

from bot.channels import ACTION_FAILED
from tests.fixture_shop import ACTION_TIMEOUT_S
from tests.processes import start_recommender, stop
from tests.stack import Shopper, Staff, cards, misunderstood, start_actions


def test_greeting_offers_quick_replies(stack):
    messages = Shopper(stack, "greet").say("hello there")
    assert "Cartwise" in messages[0]["text"]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/complete_cart", "/ask_deals", "/help"]


def test_a_widget_with_its_default_opening_payload_is_greeted(stack):
    """rasa-webchat and most Rasa widgets open the chat by sending /get_started."""
    messages = Shopper(stack, "widget-defaults").say("/get_started")
    assert messages[0]["text"].startswith("Hi! I'm Cartwise") and messages[0]["buttons"]


def test_cart_in_words_then_complete_it(stack):
    shopper = Shopper(stack, "words")
    text = shopper.text("I have 2 bags of tortilla chips and a jar of chunky salsa in my cart")
    assert "2 x Tortilla Chips, 13 oz" in text and "1 x Chunky Salsa, 16 oz" in text and "Total: $9.97" in text
    messages = shopper.say("yes please")
    shown = cards(messages)
    ids = [c["product_id"] for c in shown]
    assert len(ids) == 5 and shopper.catalog_ids(ids) == set(ids)          # real catalog items
    assert not {"chips-1", "salsa-1"} & set(ids)                            # never what is already in the cart
    assert ids[0] in {"sour-1", "cheese-1"} and shown[0]["reason"].startswith("Often bought with your")
    assert all(c["buttons"][0]["payload"] == f'/add_to_cart{{"product_id": "{c["product_id"]}"}}' for c in shown)
    slots = shopper.tracker()["slots"]
    assert [(l["id"], l["qty"]) for l in slots["cart"]] == [("chips-1", 2), ("salsa-1", 1)]


def test_page_cart_metadata_drives_suggestions_and_coupon_math(stack):
    shopper = Shopper(stack, "page")
    page_cart = {"cart": [{"id": "coffee-1", "qty": 2}, {"id": "filter-1", "qty": 1}, {"id": "wine-1", "qty": 1}]}
    shown = cards(shopper.say("what else do I need?", page_cart))
    assert shown and not {"coffee-1", "filter-1", "wine-1"} & {c["product_id"] for c in shown}
    text = shopper.text("apply SAVE10", page_cart)
    assert "saves you $3.35" in text and "now $30.11 (was $33.46)" in text
    assert "expired" in shopper.text("apply OLD25", page_cart)
    assert "don't know the code BOGUS77" in shopper.text("apply BOGUS77", page_cart)


def test_search_refine_and_add_by_button(stack):
    shopper = Shopper(stack, "search")
    coffee = cards(shopper.say("do you have ground coffee under $10?"))
    assert {c["product_id"] for c in coffee} >= {"coffee-1", "coffee-2"} and all(c["price"] <= 10 for c in coffee)
    first = cards(shopper.say("I'm looking for tortilla chips"))
    assert {c["product_id"] for c in first} >= {"chips-1", "chips-2", "chips-3"}
    cheaper = cards(shopper.say("something cheaper"))
    middle = sorted(c["price"] for c in first)[(len(first) - 1) // 2]
    assert cheaper and max(c["price"] for c in cheaper) < middle
    text = shopper.text(f'/add_to_cart{{"product_id": "{cheaper[0]["product_id"]}"}}')
    assert f"Added 1 x {cheaper[0]['title']}" in text
    # The record says what was shown and which recommender build answered (for review after a reload).
    shown = [e["metadata"] for e in shopper.tracker()["events"] if e["event"] == "bot" and e["metadata"].get("shown")]
    assert shown[-1]["shown"] == [c["product_id"] for c in cheaper]
    assert re.fullmatch(r"[0-9a-f]{12}", shown[-1]["recommender_version"])
    # "it" is the product just talked about, on the same page
    second = cheaper[1] if len(cheaper) > 1 else cheaper[0]
    about = "the second one" if len(cheaper) > 1 else "the first one"
    assert shopper.text(f"tell me about {about}").startswith(second["title"])
    assert shopper.text("is it in stock?").startswith(second["title"])


def test_search_answers_say_what_they_are(stack):
    """Through the trained bot: something the shop lacks is said to be missing, a price word orders
    the list and is repeated, a need gets one of each thing, a size the shop cannot check is named."""
    shopper = Shopper(stack, "honest")
    # The thing asked for, not the question: "do you sell" is how they asked.
    lacking = shopper.text("do you sell lawn mowers?")
    assert lacking.startswith("Sorry, I don't think we have “lawn mowers” in this shop"), lacking
    assert "Here is what I found for “diapers”" in shopper.text("we ran out of nappies")
    cheapest = shopper.say("cheapest coffee")
    assert "cheapest first" in cheapest[0]["text"]
    prices = [c["price"] for c in cards(cheapest)]
    assert prices and prices == sorted(prices)
    night = shopper.say("what do I need for a chips and salsa night?")
    assert "a few different things" in night[0]["text"]
    assert len({c["product_id"].split("-")[0] for c in cards(night)}) >= 4
    assert shopper.text("salsa 6 pack").startswith("I can't check size 6 pack in this shop")


def test_cheaper_again_and_again_ends_with_an_honest_nothing(stack):
    shopper = Shopper(stack, "cheaper")
    shown = cards(shopper.say("find tortilla chips"))
    for _ in range(6):
        messages = shopper.say("cheaper")
        below = cards(messages)
        if not below:
            assert "couldn't find" in messages[0]["text"] and "under $" in messages[0]["text"]
            return
        assert max(c["price"] for c in below) < sorted(c["price"] for c in shown)[(len(shown) - 1) // 2]
        shown = below
    pytest.fail("'cheaper' never ran out of cheaper products")


def test_ambiguous_item_gets_a_clarifying_question(stack):
    shopper = Shopper(stack, "clarify")
    messages = shopper.say("I have chips")
    question = messages[-1]
    assert question["text"].startswith("Which chips do you mean?")
    choice = next(b for b in question["buttons"] if "Potato" in b["title"])
    assert "Potato Chips" in shopper.text(choice["payload"])
    assert shopper.tracker()["slots"]["cart"][0]["id"].startswith("potato-")


def test_orders_are_only_their_owners(stack):
    from cartwise import identity
    guest = Shopper(stack, "orders-guest")
    assert guest.text("where is my order 10001?").startswith("To keep orders private, I need to check that order "
                                                             "10001 is yours")
    assert guest.text("what about order 1234").startswith("I can't find an order numbered 1234")   # not 10001 again
    assert "don't go together" in guest.text("it's someone@example.com")
    assert "has shipped" in guest.text("demo@example.com")
    assert guest.text("please cancel order 10002").startswith("To keep orders private")   # one order's email
    assert guest.text("demo@example.com").startswith("Cancel order 10002 (Tortilla/Nacho Chips")
    assert "left order 10002 as it is" in guest.text("no, keep it")
    signed_in = {"identity": identity.issue("demo", identity.load_settings(stack["config"]))}
    owner = Shopper(stack, "orders-owner")
    assert "has shipped" in owner.text("where is my order 10001?", signed_in)
    assert owner.text("cancel order 10002", signed_in).startswith("Cancel order 10002")
    assert "is cancelled" in owner.text("yes", signed_in)
    assert "already cancelled" in owner.text("cancel order 10002", signed_in)
    copied = Shopper(stack, "orders-copied-token")   # the owner's token in someone else's chat
    assert copied.text("where is my order 10003?", signed_in).startswith("To keep orders private")


def test_repeated_misunderstanding_offers_a_person_then_hands_over(stack):
    console = f"http://127.0.0.1:{stack['ports']['console']}"
    alice = Staff(console, "alice")
    alice.call("GET", "/api/queue")              # an agent is online
    for name, turns in (("lost", ["zxcvbnm", "lorem ipsum dolor", "yes"]),
                        ("very-lost", ["zxcvbnm", "lorem ipsum dolor", "blorp zzyzx quux"])):
        shopper = Shopper(stack, name)
        first, second, third = (shopper.text(t) for t in turns)   # gibberish this model sends to nlu_fallback
        assert misunderstood(first) and "talk to a person" in second
        assert "person from our team will join" in third           # said yes, or misunderstood a third time
        tracker = shopper.tracker()
        assert tracker["paused"] is True and tracker["slots"]["handoff_requested"] is True
        _, queue = alice.call("GET", "/api/queue")
        entry = next(h for h in queue["waiting"] if h["conversation_id"] == name)
        assert entry["reason"] == ("asked for a person" if name == "lost" else "not understood 3 times in a row")
        for step in ("take", "hand-back"):      # leave the queue empty for the next test
            assert alice.call("POST", f"/api/chats/{entry['id']}/{step}")[0] == 200
    assert alice.call("POST", "/logout")[0] == 200


@pytest.mark.parametrize("message,metadata", [
    ("", None), ("x" * 100_000, None), ("<script>alert(1)</script>", None), ("🛒🛒🛒 مرحبا", None),
    ("what else do I need?", {"cart": "not a list"}), ("what else do I need?", {"cart": [{"id": None, "qty": -3}]}),
    ("what else do I need?", {"cart": [{"id": "ghost", "qty": 1}]}),
])
def test_bad_input_still_gets_an_answer(stack, message, metadata):
    messages = Shopper(stack, f"bad-{abs(hash(message)) % 10_000}").say(message, metadata)
    assert messages and all(m.get("text") or m.get("attachment") for m in messages)


def test_recommender_down_degrades_within_the_timeout(stack):
    stop(stack["processes"][0])
    try:
        shopper = Shopper(stack, "degraded")
        started = time.monotonic()
        text = shopper.text("I have 2 bags of tortilla chips")
        assert time.monotonic() - started < 10
        assert text.startswith("Sorry, I can't look up products right now")
        assert re.search(r"popular with other shoppers:\n1\. ", text)
    finally:   # later tests need it back
        stack["processes"][0] = start_recommender(stack["config"], stack["ports"]["recommender"], stack["folder"])
    assert "Got it." in shopper.text("I have 2 bags of tortilla chips")


def test_action_server_down_gets_an_apology_not_silence(stack):
    """Rasa drops an action it cannot reach and would say nothing; the channel notices and apologises."""
    stop(stack["processes"][1])
    try:
        shopper = Shopper(stack, "no-actions")
        assert "Cartwise" in shopper.text("hello")          # responses from the domain need no action server
        assert shopper.text("do you have ground coffee?") == ACTION_FAILED
    finally:   # later tests need it back
        stack["processes"][1] = start_actions(stack["config"], stack["ports"]["actions"], stack["folder"])
    assert "ground coffee" in shopper.text("do you have ground coffee?").lower()
    said = [e["text"] for e in shopper.tracker()["events"] if e["event"] == "user"]
    assert said == ["hello", "do you have ground coffee?", "do you have ground coffee?"]


def test_a_hung_action_server_gets_an_apology_within_the_action_timeout(stack):
    """Rasa's own wait is 300 s, with the shopper's conversation locked all along; ours is rasa.action_timeout_s."""
    actions = stack["processes"][1]
    shopper = Shopper(stack, "hung-actions")
    actions.send_signal(signal.SIGSTOP)   # accepts connections (the kernel does), never answers
    try:
        started = time.monotonic()
        assert shopper.text("do you have ground coffee?") == ACTION_FAILED
        waited = time.monotonic() - started
    finally:
        actions.send_signal(signal.SIGCONT)
    assert ACTION_TIMEOUT_S <= waited < ACTION_TIMEOUT_S + 10
    assert "ground coffee" in shopper.text("do you have ground coffee?").lower()   # the lock was let go


def test_a_flooding_sender_is_slowed_down_and_others_are_not(stack):
    """Rasa's channels limit each sender (burst 15, then 2 a second): the rest get a short answer and
    are neither processed nor stored; another shopper chatting meanwhile is answered normally."""
    from concurrent.futures import ThreadPoolExecutor

    flood = Shopper(stack, "flood")
    with ThreadPoolExecutor(30) as pool:
        replies = list(pool.map(lambda i: flood.text(f"hello {i}"), range(40)))
    slowed = [r for r in replies if "faster than I can read" in r]
    assert len(slowed) >= 15 and len(slowed) < 40
    assert "Cartwise" in Shopper(stack, "calm-neighbour").text("hello")
    stored = [e for e in flood.tracker()["events"] if e["event"] == "user"]
    assert len(stored) == 40 - len(slowed)
