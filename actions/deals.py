"""Coupons: which ones this cart can use, and applying a code."""
from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from . import replies
from .base import Context, ShopAction, coupon_code_in, entity, user_text
from .cart_lines import cart_total
from .targets import DEALS_FOR, products_named_after


def deals_text(found: dict, cart_is_empty: bool, about: str | None = None, titles: dict | None = None) -> str:
    """The coupons a cart can use or nearly can, and those for the products suggested, or for the
    products the shopper asked about (`about`: "coffee" of "any coupons for coffee?"): for which
    product (`titles`: id -> title of those shown) and what each gives."""
    lines = []
    for c in found["applicable"]:
        lines.append(f"- {c['code']}: {c['description']} - saves you {replies.money(c['saving'])} now")
    for c in found["almost"]:
        lines.append(f"- {c['code']}: {c['description']} - add {replies.money(c['shortfall'])} more to use it")
    described = found.get("described") or {}
    by_code: dict[str, list[str]] = {}   # a code for several products shown is said once, with all of them
    for product_id, product_codes in found["for_suggestions"].items():
        for code in product_codes:
            by_code.setdefault(code, []).append((titles or {}).get(product_id, ""))
    codes = sorted(by_code)
    for code in codes:
        named = [t for t in dict.fromkeys(by_code[code]) if t]
        what = f" ({described[code]})" if described.get(code) else ""
        lines.append(f"- for {about or '; '.join(named) or 'items I suggested'}: {code}{what}")
    none_for = [f"I have no coupon for {about} right now."] if about and not codes else []
    if not lines:
        return none_for[0] if none_for else (
            "I don't have a coupon for this cart right now." if not cart_is_empty
            else "Tell me what's in your cart (or add items) and I'll find coupons that apply.")
    return "\n".join(none_for + ["Deals for your cart:"] + lines + ["Say \"apply CODE\" to use one."])


class ActionShowDeals(ShopAction):
    NAME = "action_show_deals"
    DEGRADED = "I can't check coupons right now."

    async def act(self, ctx: Context, dispatcher: CollectingDispatcher) -> None:
        about, named = await products_named_after(ctx, user_text(ctx.tracker), DEALS_FOR)   # "coupons for coffee?"
        asked = named or ctx.last_results()
        answer = await ctx.cart_turn(k=0, deals=True, suggestion_ids=[p["id"] for p in asked])
        cart, found = await ctx.cart(), answer["deals"]
        best = found["applicable"][:2]
        offered = sorted({c["code"] for c in found["applicable"] + found["almost"]}
                         | {code for codes in found["for_suggestions"].values() for code in codes})
        dispatcher.utter_message(
            text=deals_text(found, not cart, about if named else None, {p["id"]: p["title"] for p in asked}),
            buttons=[{"title": f"Apply {c['code']}", "payload": f"apply {c['code']}"} for c in best] or None,
            **({"coupons_offered": offered} if offered else {}))


class ActionApplyCoupon(ShopAction):
    NAME = "action_apply_coupon"
    DEGRADED = "I can't check coupons right now."

    async def act(self, ctx: Context, dispatcher: CollectingDispatcher) -> None:
        code = entity(ctx.tracker, "coupon_code") or coupon_code_in(user_text(ctx.tracker))
        if not code:
            dispatcher.utter_message(text="Which code would you like to use? Say e.g. \"apply SAVE10\".")
            return
        cart = await ctx.cart()
        if not cart:
            dispatcher.utter_message(text=f"Your cart is empty, so there is nothing to apply {code.upper()} to yet.")
            return
        result = await ctx.rec.validate_coupon(code, cart, ctx.shopper)
        if result["status"] != "valid":
            dispatcher.utter_message(text=result["message"])
            return
        total = cart_total(cart)
        ctx.set("applied_coupon", result["code"])
        dispatcher.utter_message(text=f"Applied! {result['message']} Your total is now "
                                      f"{replies.money(total - result['saving'])} (was {replies.money(total)}).")
