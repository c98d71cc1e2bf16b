"""The first answer to a message the bot did not understand: "Did you mean ...?" with buttons for
the likeliest meanings, instead of only asking to rephrase (Rasa's two-stage fallback, with the
choices a shopper can act on). Pure: the ranking comes from the NLU's parse of the message.
"""
from __future__ import annotations

from collections.abc import Sequence

from .replies import payload

ASK_REPHRASE = "Sorry, I didn't quite get that. Could you say it another way?"
DID_YOU_MEAN = "Sorry, I'm not sure I understood. Did you mean:"
SOMETHING_ELSE = ("Something else", payload("help"))

# Intents a button can carry without the shopper's words (a search and a product question take
# them from `unclear_text`), worded as the shopper would say them. The rest (cancel an order,
# apply a code, "the first one") need the words or a number, so they are never guessed from a button.
CHOICES = {
    "search_products": "Search for “{text}”",
    "product_info": "A question about the product",   # answered from `unclear_text`, as a search is
    "show_cart": "Show my cart",
    "complete_cart": "Suggest items for my cart",
    "show_more": "Show more results",
    "refine_cheaper": "Something cheaper",
    "ask_deals": "Deals and coupons",
    "order_status": "Where is my order?",
    "return_order": "Return something",
    "request_human": "Talk to a person",
}
AFTER_RESULTS = {"show_more", "refine_cheaper", "product_info"}   # meaningless before anything was shown


def shorten(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def did_you_mean(ranking: Sequence[tuple[str, float]], text: str, floor: float, has_results: bool,
                 most: int = 2) -> list[tuple[str, str]]:
    """Buttons (title, payload) for the `most` likeliest meanings scored at least `floor`, then
    "Something else"; none at all when no meaning is likely enough (the bot asks to rephrase)."""
    picks = [name for name, confidence in ranking
             if name in CHOICES and confidence >= floor and (has_results or name not in AFTER_RESULTS)]
    if not picks or not text.strip() or text.startswith("/"):
        return []
    return [(CHOICES[name].format(text=shorten(text)), payload(name)) for name in picks[:most]] + [SOMETHING_ELSE]
