"""A signed-in shopper's usual products ("buy it again"), from their own purchase history.

Only a verified sign-in (shopper.shopper_id) is asked about: a guest is told how to get the list,
and no sender id or metadata field can pass for a shopper.
"""
from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from . import replies
from .base import Context, ShopAction, brief, utter_products
from .config import settings
from .shopper import shopper_id

SIGN_IN_FIRST = ("I can show what you usually buy once you're signed in on the shop (the \"Sign in\" link at the "
                 "top of the page). Meanwhile I can find products or complete your cart.")


class ActionBuyAgain(ShopAction):
    NAME = "action_buy_again"
    DEGRADED = "I can't reach your purchase history right now."

    async def act(self, ctx: Context, dispatcher: CollectingDispatcher) -> None:
        shopper = shopper_id(ctx.tracker)
        if shopper is None:
            dispatcher.utter_message(text=SIGN_IN_FIRST,
                                     buttons=replies.buttons(("Complete my cart", "/complete_cart")))
            return
        answer = await ctx.rec.buy_again(shopper, await ctx.cart(), settings().results_per_page)
        items = answer["items"]
        if not items:
            dispatcher.utter_message(
                text="I don't see any past orders of yours yet (or you already have them all in your cart). "
                     "Once you've shopped with us, your usuals show up here.",
                buttons=replies.buttons(("Complete my cart", "/complete_cart")))
            return
        utter_products(ctx, dispatcher, replies.products_text("What you buy most often:", items), items,
                       replies.buttons(("Complete my cart", "/complete_cart"), ("Show my cart", "/show_cart")))
        ctx.set("last_results", [brief(p) for p in items])
