"""Everyday dialogue that needs state: fallback escalation, handing over to a person, yes and no."""
from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from . import metrics, replies
from .api.console import ConsoleUnavailable, request_handoff
from .base import current_cart, names_a_product
from .cart import CHECKOUT_HINT, ActionCompleteCart, asks_to_pay
from .cart_lines import cart_total
from .clarify import ASK_REPHRASE, DID_YOU_MEAN, did_you_mean
from .config import settings
from .handoff import ASKED_FOR_PERSON, fallback_reason, fallback_step, summary
from .orders import check_order_email, confirm_change, keep_order

log = logging.getLogger("cartwise.actions")
HOW_CAN_I_HELP = "How can I help? You can ask for a product, suggestions for your cart, or a deal."
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,253}\.[A-Za-z]{2,}")


def consecutive_fallbacks(events: list[dict[str, Any]]) -> int:
    """How many of the latest user messages in a row the bot did not understand."""
    count = 0
    for event in reversed(events):
        if event.get("event") != "user":
            continue
        if (event.get("parse_data") or {}).get("intent", {}).get("name") == "nlu_fallback":
            count += 1
        else:
            break
    return count


async def hand_over(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str,
                    cart: list[dict] | None = None) -> list[EventType]:
    """Queue the chat for an agent and pause the bot; with nobody online, say so and keep helping."""
    s = settings()
    cart_events: list[EventType] = []
    if cart is None:
        cart, cart_events = await current_cart(tracker)
    body = {"conversation_id": tracker.sender_id, "reason": reason,
            "summary": summary(tracker.events, cart, list(tracker.get_slot("last_results") or []))}
    try:
        queued = await request_handoff(s.console_url, s.service_token, s.console_timeout_s, body)
    except ConsoleUnavailable as exc:
        log.warning("handoff for %s failed: %s", tracker.sender_id, exc)
        metrics.HANDOFFS.labels("console_down").inc()
        dispatcher.utter_message(text="Sorry, I can't reach our team right now. Please try again in a few minutes; "
                                      "until then I'm happy to keep helping.")
        return cart_events + [SlotSet("offer", None)]
    if queued["status"] not in ("waiting", "owned"):
        metrics.HANDOFFS.labels("no_agents").inc()
        dispatcher.utter_message(
            text="Nobody from our team is online right now. You can leave your email address here and they will "
                 "write to you, or keep chatting with me.",
            buttons=replies.buttons(("Keep chatting", "/help")))
        return cart_events + [SlotSet("handoff_requested", True), SlotSet("offer", None)]
    metrics.HANDOFFS.labels("queued").inc()
    position = queued.get("position")
    line = f" You are number {position} in line." if position else ""
    dispatcher.utter_message(text="A person from our team will join this chat shortly; they can see our conversation "
                                  f"so far, so you won't need to repeat yourself.{line} I'll stay quiet until they "
                                  "hand you back to me.")
    return cart_events + [SlotSet("handoff_requested", True), SlotSet("offer", None), ConversationPaused()]


class ActionFallback(Action):
    def name(self) -> str:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        metrics.FALLBACKS.inc()
        rules = settings().handoff
        count = consecutive_fallbacks(tracker.events)
        cart, cart_events = await current_cart(tracker)
        value = cart_total(cart)
        text = tracker.latest_message.get("text") or ""
        if asks_to_pay(text):   # "checkout", "take me to checkout": where paying happens, with the cart
            dispatcher.utter_message(text=(replies.cart_summary(cart, value) + CHECKOUT_HINT) if cart else
                                     "Your cart is empty. Find something first, and you pay at the shop's checkout.")
            return cart_events + [SlotSet("offer", None)]
        step = fallback_step(count, value, rules)
        if step == "handoff":
            reason = fallback_reason(count, value, rules, settings().currency)
            return cart_events + await hand_over(dispatcher, tracker, reason, cart)
        if step == "offer":
            dispatcher.utter_message(text="I'm sorry, I'm still not understanding. Would you like to talk to a person "
                                          "from our team?", buttons=replies.buttons(("Yes, a person", "/affirm"),
                                                                                    ("No, keep trying", "/deny")))
            return cart_events + [SlotSet("offer", "handoff")]
        ranking = [(r.get("name"), r.get("confidence", 0.0)) for r in tracker.latest_message.get("intent_ranking", [])]
        if dict(ranking).get("search_products", 0.0) < rules.did_you_mean_from and await names_a_product(text):
            # "crackers to go with it": the NLU could not place it, but it names something the shop has
            ranking = [("search_products", 1.0)] + [r for r in ranking if r[0] != "search_products"]
        choices = did_you_mean(ranking, text, rules.did_you_mean_from, bool(tracker.get_slot("last_results")))
        if choices:
            metrics.FALLBACKS_CLARIFIED.inc()
            dispatcher.utter_message(text=DID_YOU_MEAN, buttons=replies.buttons(*choices))
            return cart_events + [SlotSet("offer", None), SlotSet("unclear_text", text)]
        dispatcher.utter_message(text=ASK_REPHRASE)
        return cart_events + [SlotSet("offer", None), SlotSet("unclear_text", None)]


class ActionRequestHuman(Action):
    def name(self) -> str:
        return "action_request_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        return await hand_over(dispatcher, tracker, ASKED_FOR_PERSON)


class ActionLeaveEmail(Action):
    """A shopper nobody could serve leaves an address; the team sees it with the missed chat."""

    def name(self) -> str:
        return "action_leave_email"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        found = EMAIL.search(tracker.latest_message.get("text") or "")
        if not found:
            dispatcher.utter_message(text="I couldn't find an email address in that. Could you type it again?")
            return []
        if tracker.get_slot("order_check"):   # the answer to "what's the email on order X?"
            return check_order_email(dispatcher, tracker, found.group(0))
        s = settings()
        try:
            await request_handoff(s.console_url, s.service_token, s.console_timeout_s,
                                  {"conversation_id": tracker.sender_id, "email": found.group(0)},
                                  path="/api/handoffs/contact")
        except ConsoleUnavailable as exc:
            log.warning("contact for %s not saved: %s", tracker.sender_id, exc)
            dispatcher.utter_message(text="Sorry, I couldn't pass that on just now. Please try again in a minute.")
            return []
        dispatcher.utter_message(
            text=f"Thanks! Our team will write to {found.group(0)}. Anything else I can do meanwhile?"
        )
        return []


class ActionHandleAffirm(Action):
    def name(self) -> str:
        return "action_handle_affirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        offer = tracker.get_slot("offer")
        if offer == "order_change":
            return confirm_change(dispatcher, tracker)
        if offer == "handoff":
            return await hand_over(dispatcher, tracker, ASKED_FOR_PERSON)
        if offer == "complete_cart":
            return await ActionCompleteCart().run(dispatcher, tracker, domain)
        dispatcher.utter_message(text=HOW_CAN_I_HELP)
        return []


class ActionHandleDeny(Action):
    def name(self) -> str:
        return "action_handle_deny"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        if tracker.get_slot("offer") == "order_change":
            return keep_order(dispatcher, tracker)
        if tracker.get_slot("offer"):
            dispatcher.utter_message(text="No problem. What else can I do for you?")
            return [SlotSet("offer", None)]
        dispatcher.utter_message(text=HOW_CAN_I_HELP)
        return []
