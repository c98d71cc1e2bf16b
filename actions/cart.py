"""The cart: learn it from words, show it, add and remove, clarify, and complete it."""
from __future__ import annotations

import re
from collections.abc import Sequence

from rasa_sdk.executor import CollectingDispatcher

from . import replies
from .base import Context, ShopAction, brief, entity, user_text, utter_products
from .cart_lines import (
    add_item,
    cart_total,
    match_cart_line,
    named_words,
    parse_ordinals,
    parse_quantity,
    parse_total,
    refers_to_previous,
    refers_to_them,
    remove_item,
    set_quantity,
)
from .config import settings
from .search_replies import say_search, search_page
from .targets import GOES_WITH, Targets, find_targets, products_named_after

YES_NO = replies.buttons(("Yes please", "/affirm"), ("No thanks", "/deny"))
CART_BUTTONS = replies.buttons(("Complete my cart", "/complete_cart"), ("Show my cart", "/show_cart"),
                               ("Any deals?", "/ask_deals"))


def ask_to_choose(ctx: Context, dispatcher: CollectingDispatcher, mention: dict, later: Sequence[dict] = (),
                  adds: bool = False) -> None:
    """An ambiguous mention: keep it pending and offer its options as quick replies. The mentions
    `later` wait their turn ("milk, eggs and bread": which milk, then which bread), not dropped.
    `adds`: the choice adds its quantity to the cart ("add milk"), else it states what the cart
    holds ("I have milk")."""
    options = mention["options"][:4]
    queued = [{"text": m["text"], "qty": m.get("qty", 1), "options": [brief(o) for o in m["options"][:4]]}
              for m in later]
    ctx.set("pending_choice", {"text": mention["text"], "qty": mention.get("qty", 1), "adds": adds,
                               "options": [brief(o) for o in options], "next": queued})
    listed = "\n".join(f"{i}. {o['title']} ({replies.money(o['price'])})" for i, o in enumerate(options, 1))
    then = f" (Then the {', '.join(m['text'] for m in queued)}.)" if queued else ""
    dispatcher.utter_message(
        text=f"Which {mention['text']} do you mean?{then}\n{listed}",
        buttons=[{"title": o["title"], "payload": replies.payload("choose_product", product_id=str(o["id"]))}
                 for o in options])


def added_text(cart: list[dict], added: list[tuple[dict, int]], changed: bool = False) -> str:
    """"Added 2 x ...", or for a total the shopper set on a line already there "Now 3 x ..."."""
    what = ", ".join(f"{qty} x {p['title']}" for p, qty in added)
    count = sum(line["qty"] for line in cart)
    return (
        f"{'Now' if changed else 'Added'} {what}. Your cart now has {count} item{'s' if count != 1 else ''} "
        f"({replies.money(cart_total(cart))})."
    )


def report_unresolved(dispatcher: CollectingDispatcher, targets: Targets) -> None:
    if targets.unresolved:
        names = ", ".join(f"“{u}”" for u in targets.unresolved)
        dispatcher.utter_message(text=f"I couldn't find {names} in our shop.")


class ActionUpdateCartFromWords(ShopAction):
    """'I have 2 bags of tortilla chips and salsa in my cart' -> the cart slot."""

    NAME = "action_update_cart_from_words"
    DEGRADED = "I can't look up products right now, so I couldn't update your cart."

    async def act(self, ctx: Context, dispatcher: CollectingDispatcher) -> None:
        targets = await find_targets(ctx)
        cart = await ctx.cart()
        for product, qty in zip(targets.products, targets.quantities):
            cart = set_quantity(cart, product, qty)  # words state the quantity held, not an addition
        if targets.products:
            ctx.set_cart(cart)
            dispatcher.utter_message(text="Got it. " + replies.cart_summary(cart, cart_total(cart)))
        report_unresolved(dispatcher, targets)
        if targets.ambiguous:
            ask_to_choose(ctx, dispatcher, targets.ambiguous[0], targets.ambiguous[1:])
        elif targets.products:
            dispatcher.utter_message(text="Would you like suggestions to complete your cart?", buttons=YES_NO)
            ctx.set("offer", "complete_cart")
        elif not targets.unresolved:
            dispatcher.utter_message(
                text="Which products are in your cart? For example: \"2 bags of chips and salsa\"."
            )


def pick_option(options: list[dict], text: str, product_id: str | None = None) -> str | None:
    """Which pending option the shopper picked: a button's id, 'the second', or the option's name."""
    if product_id in {o["id"] for o in options}:
        return product_id
    picks = parse_ordinals(text, len(options))
    if picks and (len(picks) < len(options) or len(options) == 1):   # "both", "all of them": no one choice
        return options[picks[0]]["id"]
    words = text.lower()
    named = [o["id"] for o in options if o["title"].split(",")[0].lower() in words]
    return named[0] if named else None


async def settle_choice(ctx: Context, dispatcher: CollectingDispatcher, pending: dict, chosen_id: str) -> None:
    product = (await ctx.rec.lookup([chosen_id]))["items"][0]
    qty, adds = int(pending["qty"]), bool(pending.get("adds"))
    ctx.set("pending_choice", None)
    if adds and product.get("stock", -1) == 0:
        dispatcher.utter_message(text=f"Sorry, {product['title']} is out of stock.")
    else:
        cart = (add_item if adds else set_quantity)(await ctx.cart(), product, qty)
        ctx.set_cart(cart)
        noted = f"Thanks, noted {qty} x {product['title']}. " + replies.cart_summary(cart, cart_total(cart))
        dispatcher.utter_message(text=added_text(cart, [(product, qty)]) if adds else noted)
    waiting = pending.get("next") or []
    if waiting:
        ask_to_choose(ctx, dispatcher, waiting[0], waiting[1:], adds)
        return
    dispatcher.utter_message(text="Would you like suggestions to complete your cart?", buttons=YES_NO)
    ctx.set("offer", "complete_cart")


async def show_chosen(ctx: Context, dispatcher: CollectingDispatcher) -> None:
    """"The fourth one" with no question pending picks from the page last shown: that product, with
    its card's buttons, rather than "I'm not sure what you're choosing"."""
    shown = ctx.last_results()
    chosen_id = pick_option(shown, user_text(ctx.tracker), entity(ctx.tracker, "product_id")) if shown else None
    found = (await ctx.rec.lookup([chosen_id]))["items"] if chosen_id else []
    if not found:
        dispatcher.utter_message(text="Sorry, I'm not sure which one you mean. Say e.g. \"the second one\", "
                                      "or tell me what you're looking for.")
        return
    utter_products(ctx, dispatcher, replies.product_details(found[0]), found)


class ActionChooseProduct(ShopAction):
    NAME = "action_choose_product"

    async def act(self, ctx: Context, dispatcher: CollectingDispatcher) -> None:
        pending = ctx.tracker.get_slot("pending_choice")
        if not pending:
            await show_chosen(ctx, dispatcher)
            return
        chosen_id = pick_option(pending["options"], user_text(ctx.tracker), entity(ctx.tracker, "product_id"))
        if chosen_id is None:
            ask_to_choose(ctx, dispatcher, {"text": pending["text"], "qty": pending["qty"],
                                            "options": pending["options"]}, pending.get("next") or [],
                          bool(pending.get("adds")))
            return
        await settle_choice(ctx, dispatcher, pending, chosen_id)


class ActionAddToCart(ShopAction):
    NAME = "action_add_to_cart"

    async def act(self, ctx: Context, dispatcher: CollectingDispatcher) -> None:
        targets = await find_targets(ctx)
        text = user_text(ctx.tracker)
        total, stated = parse_total(text), parse_quantity(text)
        if not targets.products:
            report_unresolved(dispatcher, targets)
            if targets.ambiguous:
                ask_to_choose(ctx, dispatcher, targets.ambiguous[0], targets.ambiguous[1:], adds=True)
            elif not targets.unresolved:
                dispatcher.utter_message(text="Which product should I add? Say e.g. \"add the first one\" or name it.")
            return
        cart = await ctx.cart()
        one = len(targets.products) == 1
        changed = one and total is not None and any(line["id"] == str(targets.products[0]["id"]) for line in cart)
        added = []
        for product, qty in zip(targets.products, targets.quantities):
            if product.get("stock", -1) == 0:
                dispatcher.utter_message(text=f"Sorry, {product['title']} is out of stock.")
                continue
            if one and total is not None:
                qty, cart = total, set_quantity(cart, product, total)
            else:
                qty = stated if stated and one else qty
                cart = add_item(cart, product, qty)
            added.append((product, qty))
        report_unresolved(dispatcher, targets)   # "add milk and eggs": neither is dropped unsaid
        if added:
            ctx.set_cart(cart)
            dispatcher.utter_message(text=added_text(cart, added, changed),
                                     buttons=None if targets.ambiguous else CART_BUTTONS)
            if len(added) == 1:
                ctx.focus_on(added[0][0]["id"])
        if targets.ambiguous:
            ask_to_choose(ctx, dispatcher, targets.ambiguous[0], targets.ambiguous[1:], adds=True)


class ActionRemoveFromCart(ShopAction):
    NAME = "action_remove_from_cart"

    async def act(self, ctx: Context, dispatcher: CollectingDispatcher) -> None:
        cart = await ctx.cart()
        if not cart:
            dispatcher.utter_message(text="Your cart is already empty.")
            return
        text = user_text(ctx.tracker)
        target_id = entity(ctx.tracker, "product_id")
        if target_id is None:
            line = match_cart_line(cart, text)
            shown = ctx.last_results()
            picks = parse_ordinals(text, len(shown)) if line is None else []
            named = named_words(text) if line is None and not picks else []
            if named:   # "remove the candles" with juice in the cart: not the juice
                dispatcher.utter_message(text=f"I don't see “{' '.join(named)}” in your cart. "
                                              + replies.cart_summary(cart, cart_total(cart)))
                return
            if line is not None:
                target_id = line["id"]
            else:   # "the second one" of a page, or "take it out" of a cart of one
                target_id = shown[picks[0]]["id"] if picks else (cart[-1]["id"] if len(cart) == 1 else None)
        line = next((l for l in cart if l["id"] == target_id), None)
        if line is None:
            dispatcher.utter_message(
                text="I couldn't tell which item to remove. " + replies.cart_summary(cart, cart_total(cart))
            )
            return
        qty = parse_quantity(text)
        cart = remove_item(cart, line["id"], qty)
        ctx.set_cart(cart)
        removed = f"{qty} x " if qty and qty < line["qty"] else ""
        dispatcher.utter_message(
            text=f"Removed {removed}{line['title']}. " + replies.cart_summary(cart, cart_total(cart))
        )


# "checkout please", "how do I pay": the cart, and where paying happens (the shop's page, not the chat)
# Wanting to pay, not a payment's problem ("my payment failed" is about an order, not the checkout).
_CHECKOUT = re.compile(r"\bcheck ?out\b|\bpay now\b|\b(?:ready to|want to|how (?:do|can|should) (?:i|we)|can (?:i|we)|"
                       r"let me|time to|go to|proceed to|where do (?:i|we))\s+(?:pay|payment)\b", re.I)
CHECKOUT_HINT = "\nTo pay, use the checkout in the shop's cart on this page; I can't take payments in this chat."


def asks_to_pay(text: str) -> bool:
    """"checkout", "I'm ready to pay": a message about paying (the NLU has no intent of its own for it)."""
    return bool(_CHECKOUT.search(text or ""))


class ActionShowCart(ShopAction):
    NAME = "action_show_cart"

    async def act(self, ctx: Context, dispatcher: CollectingDispatcher) -> None:
        cart = await ctx.cart()
        coupon = ctx.tracker.get_slot("applied_coupon")
        note = f"\nCoupon applied: {coupon}" if coupon and cart else ""
        note += CHECKOUT_HINT if cart and asks_to_pay(user_text(ctx.tracker)) else ""
        dispatcher.utter_message(
            text=replies.cart_summary(cart, cart_total(cart)) + note, buttons=CART_BUTTONS if cart else None
        )


async def _products_meant(ctx: Context, text: str) -> list[dict]:
    """The shown products a message points at ("what goes with them?", "what goes with the
    first one?"), at most three; none when it points at nothing shown."""
    shown = ctx.last_results()
    if not text or not shown or not (refers_to_previous(text) or parse_ordinals(text, len(shown))):
        return []
    if refers_to_them(text) and not parse_ordinals(text, len(shown)):
        return (await ctx.rec.lookup([p["id"] for p in shown[:3]]))["items"]   # the page, by its first few
    return (await find_targets(ctx)).products[:3]


class ActionCompleteCart(ShopAction):
    NAME = "action_complete_cart"
    DEGRADED = "my suggestions are not answering right now."

    async def act(self, ctx: Context, dispatcher: CollectingDispatcher) -> None:
        answer = await ctx.cart_turn(k=settings().results_per_page, deals=True)
        cart, items = await ctx.cart(), answer["suggestions"]  # each suggestion carries its coupon codes
        text = user_text(ctx.tracker)
        if text and not cart:
            # An empty cart has nothing to complete, but "what do I need for tacos" says what the
            # shopping is for: when the shop's search reads the message as a need, answer that.
            found = await search_page(ctx, text, {}, 0)
            if found.get("need") and found["items"]:
                say_search(ctx, dispatcher, text, {}, 0, found)
                return
        # "what goes well with tea?" names what to go with, cart or not; "what goes with them?" after
        # a search, before anything is in the cart, the page
        shown = (await products_named_after(ctx, text, GOES_WITH))[1] or (
            await _products_meant(ctx, text) if not cart else [])
        if shown:
            items = (await ctx.rec.cart([{"id": p["id"], "qty": 1} for p in shown], settings().results_per_page,
                                        ctx.shopper, deals=False))["suggestions"]
        if not items:
            dispatcher.utter_message(text="I have no suggestions for this cart right now.")
            return
        if cart or shown:
            names = ", ".join(dict.fromkeys(line["title"].split(",")[0].lower() for line in (shown or cart)[:3]))
            intro = f"To go with {names}, you might like:" if shown else f"To go with your {names}, you might like:"
        else:
            intro = ("Your cart is empty; here is what you often buy:" if answer.get("personal")
                     else "Your cart is empty; here is what shoppers buy most:")
        utter_products(
            ctx,
            dispatcher,
            replies.products_text(intro, items),
            items,
            replies.buttons(("Any deals?", "/ask_deals"), ("Show my cart", "/show_cart")),
        )
        ctx.set("last_results", [brief(p) for p in items])
