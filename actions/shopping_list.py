"""A shopping list in one message ("I need eggs, milk and bread"): one product for each thing named.

A single search for the whole list mixes its things (eggs, then a fruit bread, then eggs again); the
cart's mention resolver already splits a message into the things it names, so a list is answered as
one page with the likeliest product for each, which "add all of them" then puts in the cart.
"""
from __future__ import annotations

import re

from rasa_sdk.executor import CollectingDispatcher

from . import replies
from .base import Context, brief, utter_products

# A list, as people write one: commas, or "and" after a verb of buying ("I need eggs and milk").
# A bare "x and y" is often one thing ("sweet and sour sauce", "bread and butter pickles").
_LISTED = re.compile(r"[,;]|\b(?:need|needs|get|want|buy|buying|after|grab|list)\b.*(?:\band\b|&|\bplus\b)", re.I)
_FILTERED = ("min_price", "max_price", "brand", "size", "color")
# A part that says something of the shopper, not a thing to buy: "I'm vegetarian, ideas for dinner?"
ABOUT_THE_SHOPPER = re.compile(
    r"(?:^|[,;])\s*(?:i'?m|i am|we'?re|we are|he'?s|she'?s|they'?re)\b(?!\s+(?:after|looking|out|getting|buying|"
    r"picking|shopping|making|cooking|planning|doing|going|grabbing|needing|in need))", re.I)
_WORD = re.compile(r"[a-z]+")
ADD_ALL = replies.buttons(("Add all of them", "add all of them"), ("Show my cart", "/show_cart"))


async def listed_products(ctx: Context, query: str, result: dict) -> tuple[list[dict], list[str]]:
    """The likeliest product for each thing a list names (the cart's resolver's first option, else
    the search's first match), with the reason "For “eggs”", and the things not found; nothing when
    the message is one search: a need ("tacos and burritos" is for the search's spread), an order, a
    filter or an exclusion ("cheap eggs and milk", "allergic to milk, any creamer?"), a part about the
    shopper ("I'm vegetarian, ideas for dinner?"), or fewer than two different products."""
    if (not _LISTED.search(query) or ABOUT_THE_SHOPPER.search(query) or result.get("need") or result.get("sort")
            or result.get("allergens")
            or result.get("excluded") or any(result["filters"].get(k) for k in _FILTERED)):
        return [], []
    mentions = await ctx.rec.resolve_mentions(query)
    if one_thing(query, [m["text"] for m in mentions], [p["title"] for p in result["items"]]):
        return [], []
    products: dict[str, dict] = {}   # by id: "half and half" is not two of one melon
    missing = []
    for mention in mentions:
        options = mention["options"] if mention["status"] != "unresolved" else []
        if not options:   # a thing the cart's resolver does not know: the search's embedding may
            found = await ctx.rec.search(mention["text"], 1, 0, {})
            options = [] if found.get("not_here") else found["items"]
        if options:
            products.setdefault(str(options[0]["id"]), {**options[0], "reason": f"For “{mention['text']}”"})
        else:
            missing.append(mention["text"])
    return (list(products.values()), missing) if len(products) >= 2 else ([], [])


def one_thing(query: str, things: list[str], titles: list[str]) -> bool:
    """Whether "x and y z" without a comma is one thing ("I need sweet and sour sauce", "mac and
    cheese"): the search for the whole message shows only the last thing's kind ("sauce") and
    nothing named for the first ("sweet"). A real pair ("eggs and milk") shows some of each,
    and one the search reads as one kind ("toothpaste and apples": toothpaste) is not all apples."""
    if len(things) != 2 or re.search(r"[,;]", query) or not titles:
        return False
    first, last = _words(things[0]), _words(" ".join(_WORD.findall(things[1].lower())[-1:]))
    return (bool(first) and bool(last) and all(last <= _words(t) for t in titles)
            and not any(first <= _words(t) for t in titles))


def _words(text: str) -> set[str]:
    """Lower-case words without a plural "s": "Pickles" and "pickle" are one word."""
    return {w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
            for w in _WORD.findall(text.lower())}


def say_list(ctx: Context, dispatcher: CollectingDispatcher, query: str, products: list[dict],
             missing: list[str]) -> None:
    if missing:
        dispatcher.utter_message(text=f"I couldn't find {', '.join(f'“{m}”' for m in missing)} in our shop.")
    intro = "Here is one of each from your list:"
    utter_products(ctx, dispatcher, replies.products_text(intro, products), products, ADD_ALL)
    ctx.set("last_results", [brief(p) for p in products])
    ctx.set("last_query", query)
    ctx.set("search_filters", {"offset": 0})
