"""A search's answer, said: what was understood, what the shop cannot check or does not have, and
the products. Search and its refinements answer with it, and so does "complete my cart" when an
empty cart's message names what the shopping is for."""
from __future__ import annotations

import difflib
import re

from rasa_sdk.executor import CollectingDispatcher

from . import replies
from .base import Context, brief, utter_products
from .config import settings

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
    """“shampo” as “shampoo”, “kitchen roll” as “paper towels”: the runs of words the search read
    otherwise (a typo is one word for one, a shopper's phrase for the catalog's may differ in length)."""
    said, read = re.findall(r"[A-Za-z]+", typed), re.findall(r"[A-Za-z]+", spelled)
    pairs = [(" ".join(said[i1:i2]), " ".join(read[j1:j2]))
             for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=said, b=read, autojunk=False).get_opcodes()
             if op != "equal"]
    return " and ".join(f"“{a}” as “{b}”" for a, b in pairs if a and b) or f"that as “{spelled}”"


async def search_page(ctx: Context, query: str, filters: dict, offset: int) -> dict:
    """One page of the shop's search for `query` (filters: a refine's, from the last search)."""
    return await ctx.rec.search(
        query,
        settings().results_per_page,
        offset,
        {k: v for k, v in filters.items() if k in ("max_price", "min_price", "brand", "exclude_brands")},
    )


async def show_search(ctx: Context, dispatcher: CollectingDispatcher, query: str, filters: dict, offset: int) -> None:
    say_search(ctx, dispatcher, query, filters, offset, await search_page(ctx, query, filters, offset))


def say_search(ctx: Context, dispatcher: CollectingDispatcher, query: str, filters: dict, offset: int,
               result: dict) -> None:
    """The page as the shopper reads it: what was understood, what could not be done, the products."""
    applied = {**filters, **{k: v for k, v in result["filters"].items() if v is not None}}
    constraints, order = _constraint_words(applied), _order_words(result)
    if result["query_text"]:
        named = f"“{result['query_text']}”"
    elif constraints or order:   # "something under $2" names no product: not the price said twice
        named = "products"
    else:
        named = f"“{query}”"
    what = f"{named}{constraints}{order}"
    items = result["items"]
    last = ctx.tracker.get_slot("last_query")
    told = bool(last) and last in query   # a refine of the search already told ("cheapest " + it too)
    if result.get("spelled_as") and not offset and not told:   # say it: a wrong guess is seen and retyped
        dispatcher.utter_message(text=f"(I read {_respelled(query, result['spelled_as'])}.)")
    if result.get("unchecked") and not items and not result["query_text"] and not result.get("not_here"):
        # "anything vegan?": nothing asked for but what the catalog cannot tell
        dispatcher.utter_message(text=f"I can't tell which products are {' or '.join(result['unchecked'])} in "
                                      "this shop, so I can't pick them out. What kind of product are you looking for?")
        return
    allergens = result.get("allergens") or []
    if allergens:   # safety first: what was done about it, and that the label is the shopper's to read
        named_out = [a for a in allergens if a in (result.get("excluded") or [])]
        left_out = f" I've left out products named with {' or '.join(named_out)}." if named_out else ""
        dispatcher.utter_message(text=f"About the allergy to {' and '.join(allergens)}: I only go by product names "
                                      f"and descriptions, so please check each label before you buy.{left_out}")
    unchecked = [u for u in result.get("unchecked") or [] if not any(a.rstrip("s") in u for a in allergens)]
    unnamed = [u for u in unchecked if u in (result.get("unnamed") or [])]
    thing = result.get("unnamed_thing")
    if described := [u for u in unnamed if u != thing]:   # "goat cheese": the cheeses shown are not said to be goat
        words = " or ".join(f"“{u}”" for u in described)
        dispatcher.utter_message(text=f"No product in this shop is described as {words}, so I haven't filtered on it.")
    if thing in unnamed:   # "cheddar": no product says it, and what the search offers is only near it
        dispatcher.utter_message(text=f"Nothing in this shop is called “{thing}”, so these are only the closest "
                                      "I have.")
    if unchecked := [u for u in unchecked if u not in unnamed]:   # the catalog cannot tell: say so
        dispatcher.utter_message(text=f"I can't check {' or '.join(unchecked)} in this shop, "
                                      "so I haven't filtered on it.")
    if result.get("unmet"):   # the shop has such products, only none of this kind
        dispatcher.utter_message(text=f"None of the products like {what} is marked {' or '.join(result['unmet'])}, "
                                      "so these are not.")
    if result.get("unmet_size"):   # nothing like it in that size: say so, show the sizes there are
        dispatcher.utter_message(text=f"I don't have “{result['query_text'] or query}” in {result['unmet_size']}; "
                                      "here it is in other sizes.")
    # the thing that is not here, without how it was to be ordered ("cheapest first" goes with the list)
    not_here = f"Sorry, I don't think we have {named}{constraints} in this shop."
    if result.get("not_here") and not items:
        dispatcher.utter_message(text=not_here)
        return
    if not items:
        more = "more " if offset else ""
        dispatcher.utter_message(text=f"I couldn't find {more}products for {what}. Could you try other words?")
        return
    if result.get("not_here"):   # said plainly: what follows is offered as an alternative, not a match
        intro = f"{not_here} The closest I have{f' ({order[2:]})' if order else ''}:"
    elif result.get("need") and not offset:   # one of each thing, each with why it is there
        intro = f"For {what}, a few different things ({len(items)} of {result['total']}):"
    else:
        intro = f"Here is what I found for {what} ({offset + 1}-{offset + len(items)} of {result['total']}):"
    utter_products(ctx, dispatcher, replies.products_text(intro, items), items, REFINE_BUTTONS)
    ctx.set("last_results", [brief(p) for p in items])
    ctx.set("last_query", query)
    ctx.set("search_filters", {**applied, "offset": offset})
