"""Finding products: search, refinements, similar items, product details, comparisons."""
from __future__ import annotations

import re

from rasa_sdk.executor import CollectingDispatcher

from . import replies
from .base import Context, ShopAction, brief, user_text, utter_products
from .cart import pick_option, settle_choice
from .cart_lines import refers_to_previous
from .config import settings
from .targets import find_targets

REFINE_BUTTONS = replies.buttons(("Cheaper", "/refine_cheaper"), ("Another brand", "/refine_other_brand"),
                                 ("Show more", "/show_more"))


def _constraint_words(filters: dict) -> str:
    parts = []
    if filters.get("min_price") is not None:
        parts.append(f"over {replies.money(filters['min_price'])}")
    if filters.get("max_price") is not None:
        parts.append(f"under {replies.money(filters['max_price'])}")
    if filters.get("size"):
        parts.append(f"in {filters['size']}")
    if filters.get("color"):
        parts.append(f"in {filters['color']}")
    if filters.get("brand"):
        parts.append(f"from {filters['brand']}")
    if filters.get("exclude_brands"):
        parts.append("from other brands")
    return (" " + " ".join(parts)) if parts else ""


def _order_words(result: dict) -> str:
    """What the shopper asked beyond filters, repeated so they see it was understood."""
    parts = [f"not {phrase}" for phrase in result.get("excluded") or []]
    if result.get("sort") == "price":
        parts.append("cheapest first")
    elif result.get("sort") == "unit_price":
        parts.append("lowest price per unit first")
    return (", " + ", ".join(parts)) if parts else ""


def _respelled(typed: str, spelled: str) -> str:
    """“shampo” as “shampoo”: the words the search corrected (it replaces words one for one)."""
    pairs = [(a, b) for a, b in zip(re.findall(r"[A-Za-z]+", typed), re.findall(r"[A-Za-z]+", spelled)) if a != b]
    return " and ".join(f"“{a}” as “{b}”" for a, b in pairs) or f"that as “{spelled}”"


async def show_search(ctx: Context, dispatcher: CollectingDispatcher, query: str, filters: dict, offset: int) -> None:
    per_page = settings().results_per_page
    result = await ctx.rec.search(
        query,
        per_page,
        offset,
        {k: v for k, v in filters.items() if k in ("max_price", "min_price", "brand", "exclude_brands")},
    )
    applied = {**filters, **{k: v for k, v in result["filters"].items() if v is not None}}
    what = f"“{result['query_text'] or query}”{_constraint_words(applied)}{_order_words(result)}"
    items = result["items"]
    told = ctx.tracker.get_slot("last_query") == query   # a refine of the search already told
    if result.get("spelled_as") and not offset and not told:   # say it: a wrong guess is seen and retyped
        dispatcher.utter_message(text=f"(I read {_respelled(query, result['spelled_as'])}.)")
    if result.get("unchecked"):   # the catalog cannot tell: say so rather than pretend it filtered
        dispatcher.utter_message(text=f"I can't check {' or '.join(result['unchecked'])} in this shop, "
                                      "so I haven't filtered on it.")
    if result.get("unmet"):   # the shop has such products, only none of this kind
        dispatcher.utter_message(text=f"None of the products like {what} is marked {' or '.join(result['unmet'])}, "
                                      "so these are not.")
    if result.get("unmet_size"):   # nothing like it in that size: say so, show the sizes there are
        dispatcher.utter_message(text=f"I don't have “{result['query_text'] or query}” in {result['unmet_size']}; "
                                      "here it is in other sizes.")
    not_here = f"Sorry, I don't think we have {what} in this shop."
    if result.get("not_here") and not items:
        dispatcher.utter_message(text=not_here)
        return
    if not items:
        more = "more " if offset else ""
        dispatcher.utter_message(text=f"I couldn't find {more}products for {what}. Could you try other words?")
        return
    if result.get("not_here"):   # said plainly: what follows is offered as an alternative, not a match
        intro = f"{not_here} The closest I have:"
    elif result.get("need") and not offset:   # one of each thing, each with why it is there
        intro = f"For {what}, a few different things ({len(items)} of {result['total']}):"
    else:
        intro = f"Here is what I found for {what} ({offset + 1}-{offset + len(items)} of {result['total']}):"
    utter_products(ctx, dispatcher, replies.products_text(intro, items), items, REFINE_BUTTONS)
    ctx.set("last_results", [brief(p) for p in items])
    ctx.set("last_query", query)
    ctx.set("search_filters", {**applied, "offset": offset})


class ActionSearchProducts(ShopAction):
    NAME = "action_search_products"
    DEGRADED = "my product search is not answering right now."

    async def act(self, ctx: Context, dispatcher: CollectingDispatcher) -> None:
        query = user_text(ctx.tracker).strip()
        if not query and (ctx.tracker.latest_message.get("text") or "").startswith("/search_products"):
            query = (ctx.tracker.get_slot("unclear_text") or "").strip()   # a did-you-mean's "Search for" button
            ctx.set("unclear_text", None)
        if not query:
            dispatcher.utter_message(text="What are you looking for? For example: \"coffee under $10\".")
            return
        pending = ctx.tracker.get_slot("pending_choice")
        chosen = pick_option(pending["options"], query) if pending else None
        if chosen:  # "the potato chips" answering "which chips?" reads like a search; it is an answer
            await settle_choice(ctx, dispatcher, pending, chosen)
            return
        await show_search(ctx, dispatcher, query, {}, 0)


class ActionRefineSearch(ShopAction):
    """'cheaper', 'another brand', 'show more': change the last search and run it again."""

    NAME = "action_refine_search"
    DEGRADED = "my product search is not answering right now."

    async def act(self, ctx: Context, dispatcher: CollectingDispatcher) -> None:
        query = ctx.tracker.get_slot("last_query")
        shown = ctx.last_results()
        if not query or not shown:
            dispatcher.utter_message(text="What are you looking for? Tell me and I'll find options.")
            return
        intent = ctx.tracker.latest_message.get("intent", {}).get("name")
        filters = dict(ctx.tracker.get_slot("search_filters") or {})
        offset = 0
        if intent == "refine_cheaper":  # below the middle of what was shown: cheaper, still relevant
            prices = sorted(p["price"] for p in shown)
            filters["max_price"] = round(prices[(len(prices) - 1) // 2] - 0.01, 2)
            if filters["max_price"] <= 0:
                dispatcher.utter_message(text="Those are already the cheapest I have.")
                return
        elif intent == "refine_other_brand":
            filters["exclude_brands"] = sorted(set(filters.get("exclude_brands", [])) | {p["brand"] for p in shown})
            filters.pop("brand", None)
        else:
            offset = int(filters.get("offset", 0)) + settings().results_per_page
        filters.pop("offset", None)
        await show_search(ctx, dispatcher, query, filters, offset)


class ActionMoreLikeThis(ShopAction):
    NAME = "action_more_like_this"

    async def act(self, ctx: Context, dispatcher: CollectingDispatcher) -> None:
        targets = await find_targets(ctx)
        if not targets.products:
            dispatcher.utter_message(text="Which product? Say e.g. \"more like the first one\".")
            return
        base = targets.products[0]
        items = (await ctx.rec.similar(base["id"], settings().results_per_page))["items"]
        if not items:
            dispatcher.utter_message(text=f"I have nothing quite like {base['title']}.")
            return
        for item in items:
            item["reason"] = f"Similar to {base['title'].split(',')[0]}"
        utter_products(ctx, dispatcher, replies.products_text(f"More like {base['title']}:", items), items)
        ctx.set("last_results", [brief(p) for p in items])


class ActionProductInfo(ShopAction):
    NAME = "action_product_info"

    async def act(self, ctx: Context, dispatcher: CollectingDispatcher) -> None:
        targets = await find_targets(ctx)
        if targets.ambiguous and not targets.products:
            names = ", ".join(o["title"] for o in targets.ambiguous[0]["options"])
            dispatcher.utter_message(text=f"Which {targets.ambiguous[0]['text']} do you mean? I have: {names}.")
            return
        if not targets.products:
            dispatcher.utter_message(
                text="Which product would you like to know about? Say e.g. \"how much is the first one\" or name it."
            )
            return
        dispatcher.utter_message(text="\n".join(replies.product_details(p) for p in targets.products[:3]))


class ActionCompareProducts(ShopAction):
    NAME = "action_compare_products"

    async def act(self, ctx: Context, dispatcher: CollectingDispatcher) -> None:
        targets = await find_targets(ctx)
        products = targets.products + [m["options"][0] for m in targets.ambiguous]
        if len(products) < 2 and len(ctx.last_results()) >= 2 and refers_to_previous(user_text(ctx.tracker)):
            products = (await ctx.rec.lookup([p["id"] for p in ctx.last_results()[:2]]))["items"]
        if len(products) < 2:
            dispatcher.utter_message(text="Which two should I compare? Say e.g. \"compare the first and second\".")
            return
        dispatcher.utter_message(text=replies.comparison(products[0], products[1]))
