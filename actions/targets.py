"""Which products a message is about: a button's product id, 'the second one', or words."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .base import Context, entity, user_text
from .cart_lines import (
    named_words,
    parse_ordinals,
    parse_quantity,
    price_pick,
    quantity_each,
    refers_to_previous,
    refers_to_them,
)


@dataclass
class Targets:
    products: list[dict] = field(default_factory=list)      # full product records, in order
    quantities: list[int] = field(default_factory=list)     # from the words, 1 when unstated
    ambiguous: list[dict] = field(default_factory=list)     # mentions with several options
    unresolved: list[str] = field(default_factory=list)     # words that matched nothing
    asked: list[dict] | None = None   # the question's attributes, when the products were looked up with it
    unanswered: list[str] = field(default_factory=list)   # its words no product record answers ("calories")


async def look_up(ctx: Context, ids: list[str], question: str | None) -> Targets:
    """The products by id; with the shopper's question, also what it asks of them ("is it vegan?")."""
    found = await ctx.rec.lookup(ids, question=question)
    return Targets(products=found["items"], asked=found.get("asked") or [] if question else None,
                   unanswered=found.get("unanswered") or [])


async def find_targets(ctx: Context, use_words: bool = True, question: str | None = None) -> Targets:
    """Resolve the products the latest message (or the `question` it stands for) points at, most
    specific evidence first. With a `question`, products found by id are looked up with it (see
    look_up); those found by words are not."""
    out = Targets()
    product_id = entity(ctx.tracker, "product_id")
    shown = ctx.last_results()
    text = question if question is not None else user_text(ctx.tracker)
    if product_id:
        ids = [product_id]
    else:
        picked = parse_ordinals(text, len(shown))
        by_price = price_pick(text, shown) if not picked else None   # "add the cheapest one"
        ids = [shown[i]["id"] for i in (picked or ([] if by_price is None else [by_price]))]
        if not ids and (refers_to_previous(text) or (text and not named_words(text))):
            # "it", or "ok add two" naming nothing: the product just talked about, or the only one shown
            focus = ctx.in_focus()
            ids = [focus] if focus else [shown[0]["id"]] if len(shown) == 1 else []
    if ids:
        out = await look_up(ctx, ids, question)
        out.quantities = [quantity_each(text)] * len(out.products)
        return out
    if use_words and text:
        for mention in await ctx.rec.resolve_mentions(text):
            if mention["status"] == "resolved":
                out.products.append(mention["options"][0])
                out.quantities.append(mention["qty"])
            elif mention["status"] == "ambiguous":
                out.ambiguous.append(mention)
            else:
                out.unresolved.append(mention["text"])
    if not out.products and not out.ambiguous and len(shown) > 1 and refers_to_previous(text):
        # "add two of those" with a page shown and nothing named: which of them, not "can't find those"
        out.unresolved = []
        out.ambiguous = [{"text": "one", "qty": parse_quantity(text) or 1, "options": shown, "shown": True}]
    return out


# What goes after the words that say what a question is about: "what goes well WITH tea?", "any
# coupons FOR coffee?" ("on offer" and "for sale" say nothing of a product).
GOES_WITH = re.compile(r"\bwith\s+(.+?)[\s?!.]*$", re.I)
DEALS_FOR = re.compile(r"\b(?:for|on)\s+(?!offer\b|sale\b|special\b|deal\b)(.+?)[\s?!.]*$", re.I)
_THE_CART = re.compile(r"\b(?:cart|basket|trolley|order|bag|what i(?:'ve| have)? got|what i have)\b", re.I)


async def products_named_after(ctx: Context, text: str, lead: re.Pattern[str]) -> tuple[str, list[dict]]:
    """The words `lead` finds ("tea" in "what goes well with tea?") and the likeliest product each
    thing in them names, at most three; no products when they point at the cart ("with my basket")
    or at what was shown ("with it")."""
    found = lead.search(text or "")
    words = found.group(1) if found else ""
    if not words or _THE_CART.search(words) or refers_to_previous(words) or refers_to_them(words):
        return words, []
    mentions = await ctx.rec.resolve_mentions(words)
    return words, [m["options"][0] for m in mentions if m["status"] != "unresolved" and m["options"]][:3]
