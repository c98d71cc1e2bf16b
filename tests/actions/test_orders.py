"""Orders belong to shoppers: only the signed-in owner, or a guest who gives the order's email, sees
or changes one; a cancel or return waits for a yes and records who said it."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from actions.config import settings
from actions.conversation import ActionHandleAffirm, ActionHandleDeny, ActionLeaveEmail
from actions.orders import ORDER_DIGITS, ActionCancelOrder, ActionOrderStatus, ActionReturnOrder, order_number_said
from cartwise import identity
from cartwise.orders import OrderStore
from tests.actions.conftest import turn

ROOT = Path(__file__).resolve().parents[2]
DEMO_ORDERS = ["10001", "10002", "10003", "10004", "10005"]
ITEM_WORDS = ["Coffee", "Chips", "Diapers", "Wines", "Pasta", "$"]   # anything of an order's contents


def order_entity(order_id: str) -> list[dict]:
    return [{"entity": "order_id", "value": order_id}]


def token(shopper: str, **kwargs) -> dict:
    return {"identity": identity.issue(shopper, identity.load_settings(), **kwargs)}


def reveals_nothing(messages: list[dict], order_id: str) -> bool:
    text = " ".join(m.get("text") or "" for m in messages)
    return text.startswith(f"To keep orders private, I need to check that order {order_id} is yours") and \
        not any(word in text for word in ITEM_WORDS)


@pytest.mark.parametrize("who", ["guest", "another shopper", "forged", "expired", "replayed", "plain metadata"])
def test_no_order_is_shown_to_anyone_but_its_owner(recommender, who):
    stolen = token("demo")
    turn(ActionOrderStatus(), "where is order 10001", "order_status", entities=order_entity("10001"),
         metadata=stolen, sender="the-owner")   # the owner's conversation binds the token
    forged = stolen["identity"].split(".")[0] + ".c2lnbmF0dXJl"
    metadata = {"guest": {}, "another shopper": token("household-7"), "forged": {"identity": forged},
                "expired": token("demo", now=time.time() - 3600), "replayed": stolen,
                "plain metadata": {"shopper_id": "demo", "identity": "demo"}}[who]
    for action, intent in ((ActionOrderStatus(), "order_status"), (ActionCancelOrder(), "cancel_order"),
                           (ActionReturnOrder(), "return_order")):
        for order_id in DEMO_ORDERS + ["55555"]:   # a number that does not exist gets the same answer
            messages, slots = turn(action, f"{intent} {order_id}", intent, entities=order_entity(order_id),
                                   metadata=metadata, sender=f"intruder-{who}")
            assert reveals_nothing(messages, order_id), (who, order_id, messages)
            assert slots["order_check"] == {"order_id": order_id, "action": action.name()}
            assert slots.get("offer") is None


def test_the_signed_in_owner_sees_their_order_at_once(recommender):
    messages, _ = turn(ActionOrderStatus(), "where is order 10001", "order_status", entities=order_entity("10001"),
                       metadata=token("demo"), sender="owner-status")
    assert "Order 10001 (Ground Coffee, 11.5 oz" in messages[0]["text"] and "has shipped" in messages[0]["text"]


def test_a_guest_who_gives_the_orders_email_sees_it_and_a_wrong_email_reveals_nothing(recommender):
    asked = {"order_check": {"order_id": "10003", "action": "action_order_status"}}
    wrong, slots = turn(ActionLeaveEmail(), "it's someone@example.com", "leave_email", slots=asked, sender="guest-1")
    assert wrong[0]["text"].startswith("That email address and order 10003 don't go together")
    assert "orders_proven" not in slots and "Diapers" not in wrong[0]["text"]
    right, slots = turn(ActionLeaveEmail(), "DEMO@example.com", "leave_email", slots=asked, sender="guest-1")
    assert "Order 10003 (Baby Diapers, 80 ct" in right[0]["text"] and slots["orders_proven"] == ["10003"]
    assert slots["order_check"] is None
    again, _ = turn(ActionOrderStatus(), "and order 10003?", "order_status", entities=order_entity("10003"),
                    slots={"orders_proven": ["10003"]}, sender="guest-1")
    assert "was delivered" in again[0]["text"]   # proven once per conversation
    other, _ = turn(ActionOrderStatus(), "and 10001?", "order_status", entities=order_entity("10001"),
                    slots={"orders_proven": ["10003"]}, sender="guest-1")
    assert reveals_nothing(other, "10001")   # one order's email opens that order only


def test_guessing_emails_stops_after_five_wrong_ones_for_that_order(recommender):
    asked = {"order_check": {"order_id": "10004", "action": "action_order_status"}}
    for n in range(5):
        turn(ActionLeaveEmail(), f"guess{n}@example.com", "leave_email", slots=asked, sender=f"guesser-{n}")
    locked, slots = turn(ActionLeaveEmail(), "demo@example.com", "leave_email", slots=asked, sender="guesser-x")
    assert locked[0]["text"] == ("That's too many tries for order 10004. Please try again in an hour, or say "
                                 "\"talk to a person\".")
    assert "orders_proven" not in slots


def test_cancel_names_the_order_and_its_value_waits_for_yes_and_records_who(recommender):
    owner = token("demo")
    asked, slots = turn(ActionCancelOrder(), "cancel order 10002", "cancel_order", entities=order_entity("10002"),
                        metadata=owner, sender="owner-cancel")
    assert asked[0]["text"] == ("Cancel order 10002 (Tortilla/Nacho Chips, 12.5 oz and 1 more item, $12.15)? "
                                "The full amount is refunded.")
    assert [b["payload"] for b in asked[0]["buttons"]] == ["/affirm", "/deny"]
    assert slots["offer"] == "order_change" and slots["pending_order_change"]["order_id"] == "10002"
    pending = {"offer": "order_change", "pending_order_change": slots["pending_order_change"]}
    kept, slots = turn(ActionHandleDeny(), "no", "deny", slots=pending, metadata=owner, sender="owner-cancel")
    assert kept[0]["text"] == "OK, I've left order 10002 as it is." and slots["offer"] is None
    store = OrderStore(settings().orders_db)
    assert store.get("10002").status == "processing"
    done, slots = turn(ActionHandleAffirm(), "yes", "affirm", slots=pending, metadata=owner, sender="owner-cancel")
    assert done[0]["text"].startswith("Done: order 10002 is cancelled") and slots["pending_order_change"] is None
    assert store.get("10002").status == "cancelled"
    assert store.changes("10002") == [("cancelled", "shopper demo", "owner-cancel")]
    twice, _ = turn(ActionHandleAffirm(), "yes", "affirm", slots=pending, metadata=owner, sender="owner-cancel")
    assert twice[0]["text"] == "Order 10002 was already cancelled."   # checked again, not done twice
    store.close()


def test_a_yes_from_a_conversation_that_is_not_the_owners_changes_nothing(recommender):
    pending = {"offer": "order_change", "pending_order_change": {"order_id": "10003", "action": "action_return_order"}}
    messages, _ = turn(ActionHandleAffirm(), "yes", "affirm", slots=pending, sender="someone-else")
    assert messages[0]["text"] == "I can't change that order from this chat. Which order do you mean?"
    assert OrderStore(settings().orders_db).get("10003").status == "delivered"


@pytest.mark.parametrize("text, said", [("order 1234", "1234"), ("my order number is 55", "55"),
                                        ("where's #123456789", "123456789"), ("order no. 12", "12"),
                                        ("cancel my order of 2 pizzas", None), ("I ordered 3 days ago", None),
                                        ("reorder 4", None), ("where is order 10001", "10001"),
                                        ("I placed an order 2 weeks ago", None), ("order 3 more bags", None)])
def test_a_number_given_as_an_orders_is_read_and_a_count_is_not(text, said):
    assert order_number_said(text) == said


def test_a_number_that_cannot_be_an_order_is_said_so_not_swapped_for_the_last_order(recommender):
    owner = token("demo")
    before = {"order_id": "10001"}   # the order talked about earlier in this conversation
    for action, intent in ((ActionOrderStatus(), "order_status"), (ActionCancelOrder(), "cancel_order")):
        messages, slots = turn(action, "what about order 1234", intent, slots=before, metadata=owner,
                               sender="owner-wrong-number")
        assert messages[0]["text"] == ("I can't find an order numbered 1234: order numbers have 5 to 8 digits, "
                                       "like 10001. You'll find yours in your confirmation email.")
        assert "order_id" not in slots and not slots.get("pending_order_change") and len(messages) == 1
    fresh, _ = turn(ActionCancelOrder(), "I want to cancel order 55", "cancel_order", sender="guest-wrong-number")
    assert fresh[0]["text"].startswith("I can't find an order numbered 55")   # not "What's the order number?"
    store = OrderStore(settings().orders_db)
    assert store.get("10001").status != "cancelled"
    store.close()


def test_the_order_number_length_is_the_nlus():
    pattern = next(r for r in yaml.safe_load((ROOT / "data" / "nlu" / "regexes.yml").read_text())["nlu"]
                   if r.get("regex") == "order_id")["examples"]
    assert f"[0-9]{{{ORDER_DIGITS[0]},{ORDER_DIGITS[1]}}}" in pattern
