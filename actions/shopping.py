"""Finding products: search, refinements, similar items, product details, comparisons."""
from __future__ import annotations

import re

from rasa_sdk.executor import CollectingDispatcher

from cartwise.price_words import price_order

from . import replies
from .base import Context, ShopAction, brief, user_text, utter_products
from .cart import pick_option, settle_choice
from .cart_lines import refers_to_page, refers_to_previous, refers_to_them
from .config import settings
from .search_replies import say_search, search_page, show_search
from .shopping_list import listed_products, say_list
from .sizes import size_wanted
from .targets import find_targets, look_up


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
        result = await search_page(ctx, query, {}, 0)
        last = ctx.tracker.get_slot("last_query")
        if not result["query_text"] and last and (refers_to_previous(query) or refers_to_them(query)):
            # "any of them gluten free?", "are they organic?" name no product but point at the last search's
            query = f"{query.rstrip('?!. ')} {last}"   # the asking frame ("are they") stays first, where it is read
            result = await search_page(ctx, query, {}, 0)
        elif last and _ONES.search(result["query_text"]):
            # "do you have decaffeinated ones?" after tea bags: decaffeinated tea bags
            thing = (await search_page(ctx, last, {}, 0))["query_text"]
            if thing:
                query = _ONES_IN_WORDS.sub(thing, query, count=1)
                result = await search_page(ctx, query, {}, 0)
        listed, missing = await listed_products(ctx, query, result)
        if listed:
            say_list(ctx, dispatcher, query, listed, missing)
            return
        say_search(ctx, dispatcher, query, {}, 0, result)


# "ones" as the thing asked for: the last search's thing, with new words about it ("organic ones").
_ONES = re.compile(r"\bones?$", re.I)
_ONES_IN_WORDS = re.compile(r"\bones?\b(?!.*\bones?\b)", re.I)   # the last "one(s)" of the message


def asked_order(text: str) -> str | None:
    """The words a "cheaper" turn puts before the same search for the order it asks: "best value"
    (price per unit: "which is the cheapest per nappy?"), "cheapest" ("which one is the
    cheapest?"), or None (only cheaper than these). The search reads both the same way."""
    order = price_order(text)
    return None if order is None else {"unit_price": "best value", "price": "cheapest"}[order[0]]


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
        order = asked_order(user_text(ctx.tracker)) if intent == "refine_cheaper" else None
        if order:   # the same search, ordered by price or price per unit (the search reads the words)
            filters.pop("offset", None)
            await show_search(ctx, dispatcher, f"{order} {re.sub(r'^(?:cheapest|best value) ', '', query)}", filters, 0)
            return
        focus = ctx.in_focus() if intent == "refine_cheaper" and _THAT_ONE.search(user_text(ctx.tracker)) else None
        if focus:   # "swap it for a cheaper one" just after adding or asking about it: cheaper than that product
            await show_cheaper_than(ctx, dispatcher, (await look_up(ctx, [focus], None)).products)
            return
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


# One product, not the list: "a cheaper one than that", "swap it for something cheaper"
_THAT_ONE = re.compile(r"\b(?:it|that|this)\b(?! (?:ones?|lot|list)\b)", re.I)


async def show_cheaper_than(ctx: Context, dispatcher: CollectingDispatcher, found: list[dict]) -> None:
    """Products of the same kind as `found`'s one, cheaper than it."""
    if not found:
        dispatcher.utter_message(text="Which product should I find a cheaper one of?")
        return
    product = found[0]
    kind = product.get("category") or product["title"].split(",")[0]
    if product["price"] <= 0.01:
        dispatcher.utter_message(text=f"{product['title']} is already as cheap as it gets.")
        return
    filters = {"max_price": round(product["price"] - 0.01, 2)}
    result = await search_page(ctx, kind, filters, 0)
    if not result["items"] or result.get("not_here"):
        dispatcher.utter_message(text=f"{product['title']} is the cheapest {kind.lower()} I have.")
        return
    say_search(ctx, dispatcher, kind, filters, 0, result)


async def show_other_sizes(ctx: Context, dispatcher: CollectingDispatcher, product: dict, direction: str) -> None:
    """"Does it come in a bigger size?": the same kind of product in other sizes, or why there is none."""
    found = await ctx.rec.sizes(product["id"], settings().results_per_page, direction)
    wanted = {"bigger": "bigger sizes", "smaller": "smaller sizes"}.get(direction, "other sizes")
    if found["size"] is None:
        dispatcher.utter_message(text=f"I don't know the size of {product['title']}, so I can't find it in {wanted}.")
        return
    what = f"{product.get('category') or product['title'].split(',')[0]} in {wanted} than {found['size']}"
    if not found["items"]:
        dispatcher.utter_message(text=f"Sorry, I don't have {what}.")
        return
    utter_products(ctx, dispatcher, replies.products_text(f"{what}:", found["items"]), found["items"])
    ctx.set("last_results", [brief(p) for p in found["items"]])


class ActionMoreLikeThis(ShopAction):
    NAME = "action_more_like_this"

    async def act(self, ctx: Context, dispatcher: CollectingDispatcher) -> None:
        targets = await find_targets(ctx)
        if not targets.products:
            dispatcher.utter_message(text="Which product? Say e.g. \"more like the first one\".")
            return
        base = targets.products[0]
        direction = size_wanted(user_text(ctx.tracker))
        if direction:   # "any others like the first one but bigger"
            await show_other_sizes(ctx, dispatcher, base, direction)
            return
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
        question = user_text(ctx.tracker)
        if not question and (ctx.tracker.latest_message.get("text") or "").startswith("/product_info"):
            question = (ctx.tracker.get_slot("unclear_text") or "").strip()   # a did-you-mean's button
            ctx.set("unclear_text", None)
        targets = await find_targets(ctx, question=question)
        shown = ctx.last_results()
        unclear_words = [m for m in targets.ambiguous if not m.get("shown")]
        if not targets.products and not unclear_words and shown and refers_to_page(question):
            targets = await look_up(ctx, [p["id"] for p in shown], question)
        if targets.ambiguous and not targets.products:
            names = ", ".join(o["title"] for o in targets.ambiguous[0]["options"])
            dispatcher.utter_message(text=f"Which {targets.ambiguous[0]['text']} do you mean? I have: {names}.")
            return
        if not targets.products:
            dispatcher.utter_message(
                text="Which product would you like to know about? Say e.g. \"how much is the first one\" or name it."
            )
            return
        direction = size_wanted(question)
        if direction and len(targets.products) == 1:
            await show_other_sizes(ctx, dispatcher, targets.products[0], direction)
            return
        page, asked, unanswered = targets.products[:settings().results_per_page], targets.asked, targets.unanswered
        if asked is None:   # found by name: "is the rice vegan?" is asked of them now
            looked = await look_up(ctx, [p["id"] for p in page], question)
            page, asked, unanswered = looked.products, looked.asked or [], looked.unanswered
        dispatcher.utter_message(text="\n".join(replies.product_details(p) + replies.attribute_notes(p, asked)
                                                for p in page))
        for unknown in (replies.cannot_tell(asked, len(page)), replies.not_in_the_record(unanswered)):
            if unknown:
                dispatcher.utter_message(text=unknown)
        if len(targets.products) == 1:
            ctx.focus_on(targets.products[0]["id"])


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
