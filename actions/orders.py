"""Order status, cancellation and returns for an order number."""
from __future__ import annotations

import datetime as dt

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from .base import entity
from .config import settings
from .order_store import Order, OrderStore, cancel_decision, describe_status, return_decision


class OrderAction(Action):
    """Finds the order the shopper names, then lets the subclass decide."""

    NAME = ""

    def name(self) -> str:
        return self.NAME

    def handle(self, store: OrderStore, order: Order) -> str:
        raise NotImplementedError

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        order_id = entity(tracker, "order_id") or tracker.get_slot("order_id")
        if not order_id:
            dispatcher.utter_message(text="What's the order number? You'll find it in your confirmation email "
                                          "(e.g. \"order 10001\").")
            return [SlotSet("offer", None)]
        order_id = order_id.lstrip("#")
        s = settings()
        store = OrderStore(s.orders_db, s.orders_seed)
        try:
            order = store.get(order_id)
            if order is None:
                dispatcher.utter_message(text=f"I can't find an order {order_id}. Please check the number.")
                return [SlotSet("order_id", None), SlotSet("offer", None)]
            dispatcher.utter_message(text=self.handle(store, order))
        finally:
            store.close()
        return [SlotSet("order_id", order_id), SlotSet("offer", None)]


class ActionOrderStatus(OrderAction):
    NAME = "action_order_status"

    def handle(self, store: OrderStore, order: Order) -> str:
        return describe_status(order)


class ActionCancelOrder(OrderAction):
    NAME = "action_cancel_order"

    def handle(self, store: OrderStore, order: Order) -> str:
        allowed, message = cancel_decision(order)
        if allowed:
            store.set_status(order.id, "cancelled")
        return message


class ActionReturnOrder(OrderAction):
    NAME = "action_return_order"

    def handle(self, store: OrderStore, order: Order) -> str:
        allowed, message = return_decision(order, dt.date.today(), settings().return_window_days)
        if allowed:
            store.set_status(order.id, "return_requested")
        return message
