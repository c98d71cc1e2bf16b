"""What every Cartwise action shares: the recommender client, the cart, degraded answers.

`ShopAction.act` does the work; `run` wraps it so that
- a recommender that is down or slow yields a short apology plus best sellers (never silence);
- the page's cart, sent as message metadata, replaces the `cart` slot before the action reads it;
- a stale yes/no offer is cleared unless the action makes a new one.
"""
from __future__ import annotations

import json
import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from . import metrics, replies
from .api.recommender import RecommenderClient, RecommenderRejected, RecommenderUnavailable
from .cart_lines import read_cart
from .config import settings
from .shopper import recommender_shopper

log = logging.getLogger("cartwise.actions")


def brief(product: dict) -> dict:
    """What the `last_results` slot keeps of a shown product."""
    return {"id": str(product["id"]), "title": product["title"], "price": product["price"],
            "brand": product.get("brand", "")}


def popular_fallback() -> list[dict]:
    try:
        return json.loads(settings().popular_cache.read_text())[: settings().results_per_page]
    except (OSError, ValueError):
        return []


def entity(tracker: Tracker, name: str) -> str | None:
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value).strip() if value is not None else None


def user_text(tracker: Tracker) -> str:
    text = tracker.latest_message.get("text") or ""
    return "" if text.startswith("/") else text   # button payloads carry entities, not words


def recommender_client() -> RecommenderClient:
    """A client for the recommender service, as configured (opened with `async with`)."""
    s = settings()
    return RecommenderClient(s.recommender_urls, s.recommender_timeout_s, s.service_token)


class Context:
    """One turn's view of the shopper's state, with the events that change it."""

    def __init__(self, tracker: Tracker, rec: RecommenderClient, action: str = ""):
        self.tracker = tracker
        self.rec = rec
        self.action = action
        self.events: list[EventType] = []
        self._cart: list[dict] | None = None
        self.changed_cart: list[dict] | None = None   # set when this turn changed the cart
        self.unreadable: list[str] = []   # cart entries left out this turn, said before the reply
        self._page = read_cart(tracker.latest_message.get("metadata"))   # the page's cart, if it sent one
        self._shopper: str | None = None

    @property
    def shopper(self) -> str:
        """Who the recommender serves this turn (`shopper.recommender_shopper`), checked once."""
        if self._shopper is None:
            self._shopper = recommender_shopper(self.tracker)
        return self._shopper

    async def cart(self) -> list[dict]:
        """The cart: the page's, priced by the catalog (one call), or the slot's (no call)."""
        if self._cart is None:
            if self._page is None:
                self._cart = list(self.tracker.get_slot("cart") or [])
            else:
                await self.cart_turn(k=0, deals=False)
        return self._cart

    async def cart_turn(self, k: int, deals: bool, suggestion_ids: list[str] | None = None) -> dict:
        """A cart turn in one call to the recommender: the priced cart, `k` suggestions and, with
        `deals`, the coupons. The page's cart (message metadata) replaces the slot's, as in cart();
        what of it could not be read, or is not in the catalog, goes to `unreadable`."""
        page = self._page
        if self._cart is not None:
            lines = self._cart
        elif page is not None:
            lines, self.unreadable = page.lines, list(page.unreadable)
        else:
            lines = list(self.tracker.get_slot("cart") or [])
        if not lines and not k and not deals:
            answer = {"cart": {"lines": [], "unknown": [], "total": 0.0}, "suggestions": [], "deals": None}
        else:
            answer = await self.rec.cart(lines, k, self.shopper, deals, suggestion_ids)
        titles = {str(line["id"]): line.get("title") for line in lines}
        self.unreadable += [f"{titles[pid]} (no longer in our catalog)" if titles.get(pid)
                            else f"item {pid} (not in our catalog)" for pid in answer["cart"]["unknown"]]
        if self._cart is None and page is not None:
            self._cart = answer["cart"]["lines"]
            self.events.append(SlotSet("cart", self._cart))
        elif self._cart is None:
            self._cart = lines
        return answer

    def set_cart(self, cart: list[dict]) -> None:
        self._cart = cart
        self.changed_cart = cart
        self.events.append(SlotSet("cart", cart))

    def set(self, slot: str, value: Any) -> None:
        self.events.append(SlotSet(slot, value))

    def last_results(self) -> list[dict]:
        return list(self.tracker.get_slot("last_results") or [])

    def focus_on(self, product_id: str) -> None:
        """The one product this answer is about: "it" in the next message, while the same list is shown."""
        self.set("in_focus", {"id": product_id, "among": [p.get("id") for p in self.last_results()]})

    def in_focus(self) -> str | None:
        """The product the last answer was about, unless another list has been shown since (then
        "it" could be any of that list)."""
        focus = self.tracker.get_slot("in_focus") or {}
        return focus.get("id") if focus.get("among") == [p.get("id") for p in self.last_results()] else None


class ShopAction(Action):
    """Subclasses set NAME and implement act()."""

    NAME = ""
    DEGRADED = "I can't reach our product catalog right now."   # follows "Sorry, "

    def name(self) -> str:
        return self.NAME

    async def act(self, ctx: Context, dispatcher: CollectingDispatcher) -> None:
        raise NotImplementedError

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        async with recommender_client() as rec:
            ctx = Context(tracker, rec, self.NAME)
            coupon_note = CollectingDispatcher()
            try:
                await self.act(ctx, dispatcher)
            except RecommenderUnavailable as exc:
                metrics.DEGRADED.labels(self.NAME).inc()
                log.warning("%s: recommender unavailable (%s); answering from the popular cache", self.NAME, exc)
                degraded_reply(dispatcher, self.DEGRADED)
            except RecommenderRejected as exc:   # e.g. a product id the catalog no longer has
                log.warning("%s: recommender refused the request: %s", self.NAME, exc)
                dispatcher.utter_message(text=f"Sorry, I couldn't do that: {exc} Could you try again another way?")
            try:   # apart: a turn answered well is not apologised for when only this check fails
                await recheck_coupon(ctx, coupon_note)
            except (RecommenderUnavailable, RecommenderRejected) as exc:
                log.warning("%s: could not re-check the applied coupon (%s); it stays applied", self.NAME, exc)
        first = CollectingDispatcher()   # before the turn's reply, which keeps its quick replies last
        if ctx.changed_cart is not None and tracker.get_latest_input_channel() not in TEXT_ONLY_CHANNELS:
            first.utter_message(json_message=replies.cart_sync(ctx.changed_cart))
        if ctx.unreadable:
            first.utter_message(text=replies.unreadable_lines(ctx.unreadable, rest=bool(ctx._cart)))
        dispatcher.messages[:0] = first.messages + coupon_note.messages
        if not any(e.get("event") == "slot" and e.get("name") == "offer" for e in ctx.events):
            ctx.events.append(SlotSet("offer", None))
        return ctx.events


async def recheck_coupon(ctx: Context, note: CollectingDispatcher) -> None:
    """A cart this turn changed may no longer qualify for the coupon applied before (the coffee it
    was for taken out): say so and take the coupon off, rather than keep showing it applied."""
    code = ctx.tracker.get_slot("applied_coupon")
    if not code or ctx.changed_cart is None:
        return
    result = await ctx.rec.validate_coupon(code, ctx.changed_cart, ctx.shopper)
    if result["status"] != "valid":
        ctx.set("applied_coupon", None)
        note.utter_message(text=f"Your coupon no longer applies, so I've taken it off: {result['message']}")


async def current_cart(tracker: Tracker) -> tuple[list[dict], list[EventType]]:
    """The cart for actions outside ShopAction: the page's (priced by the catalog) or the slot's."""
    async with recommender_client() as rec:
        ctx = Context(tracker, rec)
        try:
            return await ctx.cart(), ctx.events
        except (RecommenderUnavailable, RecommenderRejected):
            return list(tracker.get_slot("cart") or []), []


async def names_a_product(text: str) -> bool:
    """Whether the message names something the catalog has ("crackers to go with it"), for actions
    outside ShopAction; False when the recommender cannot say."""
    async with recommender_client() as rec:
        try:
            return any(m["status"] != "unresolved" for m in await rec.resolve_mentions(text))
        except (RecommenderUnavailable, RecommenderRejected):
            return False


def degraded_reply(dispatcher: CollectingDispatcher, apology: str) -> None:
    popular = popular_fallback()
    if not popular:
        dispatcher.utter_message(text=f"Sorry, {apology} Please try again in a minute.")
        return
    text = replies.products_text(f"Sorry, {apology} Meanwhile, these are popular with other shoppers:", popular)
    dispatcher.utter_message(text=text)


TEXT_ONLY_CHANNELS = {"cmdline"}   # rasa shell: the text already lists the products


def utter_products(ctx: Context, dispatcher: CollectingDispatcher, text: str, products: list[dict],
                   buttons: list[dict] | None = None) -> None:
    """Text listing the products, a card carousel for channels that show one, then the quick replies.

    The carousel is a generic-template attachment (what rasa-webchat renders); Rasa's console
    channel cannot print a dict attachment (it crashes), so text-only channels get the text alone.
    Widgets show quick replies only under the latest message, so they come after the cards.
    The message's metadata records what was shown, for review and analytics.
    """
    record = replies.shown_record(products)
    metrics.RECOMMENDATIONS.labels(ctx.action).inc(len(products))
    if ctx.rec.artefacts:   # which build answered: after a reload, review can tell old answers from new
        record["recommender_version"] = ctx.rec.artefacts
    if ctx.tracker.get_latest_input_channel() in TEXT_ONLY_CHANNELS:
        dispatcher.utter_message(text=text, buttons=buttons, **record)
        return
    dispatcher.utter_message(text=text, attachment=replies.carousel(products), **record)
    if buttons:
        dispatcher.utter_message(text="Or would you like something else?", buttons=buttons)


def coupon_code_in(text: str) -> str | None:
    m = re.search(r"\b([A-Za-z]{3,10}[0-9]{1,3}|[Cc][Jj][0-9]{5,12})\b", text)   # shop codes; Complete Journey's
    return m.group(1).upper() if m else None
