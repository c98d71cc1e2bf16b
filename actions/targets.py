"""Which products a message is about: a button's product id, 'the second one', or words."""
from __future__ import annotations

from dataclasses import dataclass, field

from .base import Context, entity, user_text
from .cart_lines import parse_ordinals, parse_quantity, quantity_each, refers_to_previous


@dataclass
class Targets:
    products: list[dict] = field(default_factory=list)      # full product records, in order
    quantities: list[int] = field(default_factory=list)     # from the words, 1 when unstated
    ambiguous: list[dict] = field(default_factory=list)     # mentions with several options
    unresolved: list[str] = field(default_factory=list)     # words that matched nothing


async def find_targets(ctx: Context, use_words: bool = True) -> Targets:
    """Resolve the products the latest message points at, most specific evidence first."""
    out = Targets()
    product_id = entity(ctx.tracker, "product_id")
    shown = ctx.last_results()
    text = user_text(ctx.tracker)
    if product_id:
        ids = [product_id]
    else:
        ids = [shown[i]["id"] for i in parse_ordinals(text, len(shown))]
        if not ids and refers_to_previous(text):   # "it": the product just talked about, or the only one shown
            focus = ctx.in_focus()
            ids = [focus] if focus else [shown[0]["id"]] if len(shown) == 1 else []
    if ids:
        found = await ctx.rec.lookup(ids)
        out.products = found["items"]
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
