"""Order status, cancellation and returns: only for the order's owner, and changes only when confirmed.

The owner is the signed-in shopper who placed the order (`shopper.py`), or a guest who gives the
email address on it (checked once per conversation; wrong emails are limited per order number,
`cartwise.orders.PROOF_TRIES`). Anyone else is asked for that email, whether or not the number exists,
so an order number alone reveals nothing. Cancel and return name the order and its value and wait
for a yes; the change records who made it.
"""
from __future__ import annotations

import datetime as dt
import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from cartwise.orders import (
    Order,
    OrderStore,
    cancel_decision,
    describe_status,
    email_matches,
    owned_by,
    return_decision,
    summary,
)

from . import replies
from .base import entity, user_text
from .config import settings
from .shopper import shopper_id

_ASKS_TO_RETURN = re.compile(r"\b(?:return|returns|refund|refunds|send (?:\w+ )?back|money back|exchange|swap)\b", re.I)
ASK_NUMBER = "What's the order number? You'll find it in your confirmation email (e.g. \"order 10001\")."
ASK_EMAIL = ("To keep orders private, I need to check that order {id} is yours: what's the email address on it? "
             "(Signed in on the shop page, you won't need this.)")
NO_MATCH = ("That email address and order {id} don't go together. Please check both and try again, or say "
            "\"talk to a person\".")
LOCKED = "That's too many tries for order {id}. Please try again in an hour, or say \"talk to a person\"."
GUEST = "guest who gave the order's email"
# An order number has 5 to 8 digits, as the NLU's `order_id` pattern (data/nlu/regexes.yml) reads them.
ORDER_DIGITS = (5, 8)
NOT_A_NUMBER = ("I can't find an order numbered {given}: order numbers have {low} to {high} digits, like 10001. "
                "You'll find yours in your confirmation email.")
# A number said as the order's ("order 1234", "order number is 55", "#123"), not a count or a time
# ("order of 2 pizzas", "an order 2 weeks ago", "order 3 more").
_SAID_AS_ORDER = re.compile(
    r"(?:\border|#)\s*(?:number|no\.?|#)?\s*(?:is|:)?\s*#?(\d+)\b"
    r"(?!\s*(?:more|x\b|of\b|minutes?|mins?|hours?|hrs?|days?|weeks?|wks?|months?|years?|items?|things?|times?|"
    r"pieces?|pcs|packs?|bags?|boxes?|bottles?|cans?|ago)\b)",
    re.I,
)


def order_number_said(text: str) -> str | None:
    """The number the shopper gave as an order's, if any, whatever its length."""
    match = _SAID_AS_ORDER.search(text)
    return match.group(1) if match else None


def not_an_order_number(text: str) -> str | None:
    """A number given as the order's that cannot be one (too short or long): the shopper must hear so,
    not get the order talked about before, nor be asked for a number they just gave."""
    said = order_number_said(text)
    low, high = ORDER_DIGITS
    return said if said is not None and not low <= len(said) <= high else None


def open_store() -> OrderStore:
    s = settings()
    return OrderStore(s.orders_db, s.orders_seed)


def actor_for(tracker: Tracker, order: Order | None) -> str | None:
    """Who may act on this order in this conversation, as recorded with a change; None: nobody here."""
    shopper = shopper_id(tracker)
    if owned_by(order, shopper):
        return f"shopper {shopper}"
    if order is not None and order.id in (tracker.get_slot("orders_proven") or []):
        return GUEST
    return None


def _cleared() -> list[EventType]:
    return [SlotSet("offer", None), SlotSet("pending_order_change", None)]


class OrderAction(Action):
    """Finds the order the shopper names and checks they may see it; the subclass answers."""

    NAME = ""

    def name(self) -> str:
        return self.NAME

    def answer(self, dispatcher: CollectingDispatcher, order: Order) -> list[EventType]:
        raise NotImplementedError

    def ask_number(self, text: str) -> str:
        return ASK_NUMBER

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        order_id = entity(tracker, "order_id")
        wrong = None if order_id else not_an_order_number(user_text(tracker))
        if wrong:
            low, high = ORDER_DIGITS
            dispatcher.utter_message(text=NOT_A_NUMBER.format(given=wrong, low=low, high=high))
            return _cleared()
        order_id = order_id or tracker.get_slot("order_id")
        if not order_id:
            dispatcher.utter_message(text=self.ask_number(user_text(tracker)))
            return [SlotSet("offer", None)]
        order_id = order_id.lstrip("#")
        pending = tracker.get_slot("pending_order_change") or {}
        if tracker.get_slot("offer") == "order_change" and pending == {"order_id": order_id, "action": self.NAME}:
            return confirm_change(dispatcher, tracker)   # "yes, cancel it" answers the question asked
        store = open_store()
        try:
            order = store.get(order_id)
        finally:
            store.close()
        events: list[EventType] = [SlotSet("order_id", order_id)]
        if actor_for(tracker, order) is None:   # the same words whether the number exists or not
            dispatcher.utter_message(text=ASK_EMAIL.format(id=order_id))
            return events + _cleared() + [SlotSet("order_check", {"order_id": order_id, "action": self.NAME})]
        return events + _cleared() + self.answer(dispatcher, order)


class ActionOrderStatus(OrderAction):
    NAME = "action_order_status"

    def answer(self, dispatcher: CollectingDispatcher, order: Order) -> list[EventType]:
        dispatcher.utter_message(text=describe_status(order))
        return []


class OrderChange(OrderAction):
    """Cancel or return: say whether it can be done, and if so ask before doing it."""

    STATUS = ""
    QUESTION = ""
    YES = ""

    def decide(self, order: Order) -> tuple[bool, str]:
        raise NotImplementedError

    def answer(self, dispatcher: CollectingDispatcher, order: Order) -> list[EventType]:
        allowed, message = self.decide(order)
        if not allowed:
            dispatcher.utter_message(text=message)
            return []
        dispatcher.utter_message(text=self.QUESTION.format(order=summary(order, settings().currency)),
                                 buttons=replies.buttons((self.YES, "/affirm"), ("No, keep it", "/deny")))
        return [SlotSet("offer", "order_change"),
                SlotSet("pending_order_change", {"order_id": order.id, "action": self.NAME})]


class ActionCancelOrder(OrderChange):
    NAME = "action_cancel_order"
    STATUS = "cancelled"
    QUESTION = "Cancel {order}? The full amount is refunded."
    YES = "Yes, cancel it"

    def decide(self, order: Order) -> tuple[bool, str]:
        return cancel_decision(order, settings().currency)


class ActionReturnOrder(OrderChange):
    NAME = "action_return_order"
    STATUS = "return_requested"
    QUESTION = "Start a return for {order}?"
    YES = "Yes, return it"

    def decide(self, order: Order) -> tuple[bool, str]:
        return return_decision(order, dt.date.today(), settings().return_window_days, settings().currency)

    def ask_number(self, text: str) -> str:
        # "my eggs arrived broken" tells of a problem before it asks for anything: say sorry first
        return ASK_NUMBER if not text or _ASKS_TO_RETURN.search(text) else f"Sorry about that. {ASK_NUMBER}"


ACTIONS: dict[str, OrderAction] = {a.NAME: a for a in (ActionOrderStatus(), ActionCancelOrder(), ActionReturnOrder())}


def confirm_change(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """The shopper said yes to a cancel or a return: check again (the order may have moved on, the
    conversation may no longer be the owner's), then change it and record who did."""
    pending = tracker.get_slot("pending_order_change") or {}
    action = ACTIONS.get(pending.get("action", ""))
    store = open_store()
    try:
        order = store.get(str(pending.get("order_id", "")))
        actor = actor_for(tracker, order)
        if not isinstance(action, OrderChange) or actor is None or order is None:
            dispatcher.utter_message(text="I can't change that order from this chat. Which order do you mean?")
            return _cleared()
        allowed, message = action.decide(order)
        if allowed:
            store.set_status(order.id, action.STATUS, actor, tracker.sender_id)
    finally:
        store.close()
    dispatcher.utter_message(text=message)
    return _cleared()


def keep_order(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    pending = tracker.get_slot("pending_order_change") or {}
    dispatcher.utter_message(text=f"OK, I've left order {pending.get('order_id', '')} as it is.")
    return _cleared()


def check_order_email(dispatcher: CollectingDispatcher, tracker: Tracker, email: str) -> list[EventType]:
    """A guest's answer to "what's the email on order X?": right, and the asked-for action goes on."""
    check = tracker.get_slot("order_check") or {}
    order_id, action = str(check.get("order_id", "")), ACTIONS.get(check.get("action", ""))
    store = open_store()
    try:
        if store.proof_tries_left(order_id) == 0:
            dispatcher.utter_message(text=LOCKED.format(id=order_id))
            return [SlotSet("order_check", None)]
        order = store.get(order_id)
        if not email_matches(order, email) or action is None:
            store.record_failed_proof(order_id)
            dispatcher.utter_message(text=NO_MATCH.format(id=order_id))
            return []
    finally:
        store.close()
    proven = list(dict.fromkeys([*(tracker.get_slot("orders_proven") or []), order.id]))
    return [SlotSet("order_check", None), SlotSet("orders_proven", proven)] + _cleared() + \
        action.answer(dispatcher, order)
