"""A signed-in shopper's own history: their usual products ("buy it again"), what the assistant
knows about them, and stopping or restarting its use.

Only a verified sign-in (shopper.shopper_id) is asked about: a guest is told how to get the list,
and no sender id or metadata field can pass for a shopper.
"""
from __future__ import annotations

import re

from rasa_sdk.executor import CollectingDispatcher

from . import replies
from .api.recommender import RecommenderRejected
from .base import Context, ShopAction, brief, entity, user_text, utter_products
from .config import settings
from .shopper import shopper_id

GUEST_KNOWS = ("You're not signed in, so I only know this conversation and the cart on this page, and I use no "
               "purchase history. Signed in, I suggest from what you buy, and you can ask me to stop.")
STOP_BUTTON = ("Stop using my history", replies.payload("history_preference", history_use="off"))
USE_BUTTON = ("Use my history again", replies.payload("history_preference", history_use="on"))
# One intent says "about using my history"; whether to stop or start is in the words. A refusal
# word wins ("don't use my orders"), then a word of turning on; neither: the bot asks.
_OFF = re.compile(r"\b(?:stop|don'?t|do not|no|not|never|off|pause|disable|quit|opt(?:ing)? out|forget|"
                  r"rather you didn'?t|leave)\b", re.I)
_ON = re.compile(r"\b(?:again|back|resume|re-?enable|enable|start|on|opt (?:me )?(?:back )?in|changed my mind|"
                 r"go ahead|you can|you may|use|using|personali[sz]e)\b", re.I)


def history_wish(text: str) -> bool | None:
    """True to use the shopper's history, False to stop, None when the words do not say."""
    if _OFF.search(text):
        return False
    return True if _ON.search(text) else None


SIGN_IN_FIRST = ("I can show what you usually buy once you're signed in on the shop (the \"Sign in\" link at the "
                 "top of the page). Meanwhile I can find products or complete your cart.")


class SignedInAction(ShopAction):
    """An action about the signed-in shopper's own history: `act_for` them; a guest gets GUEST_REPLY."""

    GUEST_REPLY = GUEST_KNOWS
    GUEST_BUTTONS: tuple[tuple[str, str], ...] = ()

    async def act(self, ctx: Context, dispatcher: CollectingDispatcher) -> None:
        shopper = shopper_id(ctx.tracker)
        if shopper is None:
            dispatcher.utter_message(text=self.GUEST_REPLY, buttons=replies.buttons(*self.GUEST_BUTTONS))
            return
        await self.act_for(shopper, ctx, dispatcher)

    async def act_for(self, shopper: str, ctx: Context, dispatcher: CollectingDispatcher) -> None:
        raise NotImplementedError


class ActionBuyAgain(SignedInAction):
    NAME = "action_buy_again"
    DEGRADED = "I can't reach your purchase history right now."
    GUEST_REPLY = SIGN_IN_FIRST
    GUEST_BUTTONS = (("Complete my cart", "/complete_cart"),)

    async def act_for(self, shopper: str, ctx: Context, dispatcher: CollectingDispatcher) -> None:
        answer = await ctx.rec.buy_again(shopper, await ctx.cart(), settings().results_per_page)
        items = answer["items"]
        if answer.get("history_off"):
            dispatcher.utter_message(text="You asked me not to use your purchase history, so I have no usuals to "
                                          "show.", buttons=replies.buttons(USE_BUTTON))
            return
        if not items:
            dispatcher.utter_message(
                text="I don't see any past orders of yours yet (or you already have them all in your cart). "
                     "Once you've shopped with us, your usuals show up here.",
                buttons=replies.buttons(("Complete my cart", "/complete_cart")))
            return
        utter_products(ctx, dispatcher, replies.products_text("What you buy most often:", items), items,
                       replies.buttons(("Complete my cart", "/complete_cart"), ("Show my cart", "/show_cart")))
        ctx.set("last_results", [brief(p) for p in items])


class ActionAboutMe(SignedInAction):
    """ "What do you know about me?": what is kept, whether it is used, and how to change that."""

    NAME = "action_about_me"
    DEGRADED = "I can't look that up right now."

    async def act_for(self, shopper: str, ctx: Context, dispatcher: CollectingDispatcher) -> None:
        about = await ctx.rec.shopper_about(shopper)
        said = f"You're signed in as {shopper}. I can see your cart and look up your orders."
        if about["history"] == "forgotten":
            dispatcher.utter_message(text=f"{said} Your purchase history was deleted at your request; I don't use it.")
        elif about["history"] == "off":
            dispatcher.utter_message(
                text=f"{said} You asked me not to use your purchase history, so my suggestions are the ones any "
                     "shopper gets.", buttons=replies.buttons(USE_BUTTON))
        elif not about["known"]:
            dispatcher.utter_message(text=f"{said} I have no purchase history of yours yet.")
        else:
            dispatcher.utter_message(
                text=f"{said} I use your purchase history for suggestions ({about['products']} products you have "
                     "bought) and can list your usuals. Say \"stop using my history\" and I won't.",
                buttons=replies.buttons(STOP_BUTTON))


class ActionUseHistory(SignedInAction):
    """Stop or start using a signed-in shopper's history, as they ask."""

    NAME = "action_use_history"
    DEGRADED = "I can't change that right now."

    async def act_for(self, shopper: str, ctx: Context, dispatcher: CollectingDispatcher) -> None:
        said = entity(ctx.tracker, "history_use")   # the buttons say it; words are read
        use = said == "on" if said in ("on", "off") else history_wish(user_text(ctx.tracker))
        if use is None:
            dispatcher.utter_message(text="Should I stop using your purchase history for suggestions, or use it "
                                          "again?", buttons=replies.buttons(STOP_BUTTON, USE_BUTTON))
            return
        try:
            await ctx.rec.use_history(shopper, use)
        except RecommenderRejected as exc:
            if exc.status != 409:
                raise
            dispatcher.utter_message(text="Your purchase history was deleted at your request, so there is nothing "
                                          "of it to use; suggestions are the ones any shopper gets.")
            return
        if use:
            dispatcher.utter_message(text="Done: your suggestions use your purchase history again.")
        else:
            dispatcher.utter_message(
                text="Done: I won't use your purchase history for suggestions until you say so. Your orders are "
                     "still yours to ask about.", buttons=replies.buttons(USE_BUTTON))
