"""Everyday dialogue that needs state: fallback escalation, asking for a person, yes and no."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from . import replies
from .cart_actions import ActionCompleteCart

FALLBACKS_BEFORE_OFFERING_A_PERSON = 2
ASK_REPHRASE = "Sorry, I didn't quite get that. Could you say it another way?"
HOW_CAN_I_HELP = "How can I help? You can ask for a product, suggestions for your cart, or a deal."


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


class ActionFallback(Action):
    def name(self) -> str:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        if consecutive_fallbacks(tracker.events) >= FALLBACKS_BEFORE_OFFERING_A_PERSON:
            dispatcher.utter_message(text="I'm sorry, I'm still not understanding. Would you like to talk to a person "
                                          "from our team?", buttons=replies.buttons(("Yes, a person", "/affirm"),
                                                                                    ("No, keep trying", "/deny")))
            return [SlotSet("offer", "handoff")]
        dispatcher.utter_message(text=ASK_REPHRASE)
        return [SlotSet("offer", None)]


class ActionRequestHuman(Action):
    """The handoff itself (an agent console) is separate work; here the request is recorded."""

    def name(self) -> str:
        return "action_request_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        dispatcher.utter_message(text="Of course. I've asked a person from our team to join this chat; they will see "
                                      "our conversation so far, so you won't need to repeat yourself. Until they "
                                      "arrive I'm happy to keep helping.")
        return [SlotSet("handoff_requested", True), SlotSet("offer", None)]


class ActionHandleAffirm(Action):
    def name(self) -> str:
        return "action_handle_affirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        offer = tracker.get_slot("offer")
        if offer == "handoff":
            return await ActionRequestHuman().run(dispatcher, tracker, domain)
        if offer == "complete_cart":
            return await ActionCompleteCart().run(dispatcher, tracker, domain)
        dispatcher.utter_message(text=HOW_CAN_I_HELP)
        return []


class ActionHandleDeny(Action):
    def name(self) -> str:
        return "action_handle_deny"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        if tracker.get_slot("offer"):
            dispatcher.utter_message(text="No problem. What else can I do for you?")
            return [SlotSet("offer", None)]
        dispatcher.utter_message(text=HOW_CAN_I_HELP)
        return []
