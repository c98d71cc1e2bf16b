"""Words that ask for products in order of price: one vocabulary for the shop's search
(`recommender/query_parser.py`: "cheap cereal", "best value paper towels") and for the bot's
refine ("which one is the cheapest?", "cheapest per nappy?" in `actions/shopping.py`), so the bot
never asks the search for an order it does not read."""
from __future__ import annotations

import re

# Price per unit: "best value", "economical", "lowest price per pound", "cheapest per nappy".
BEST_VALUE = re.compile(
    r"\b(best value|(?:the )?best deal|(?:good |great )?value for money|unit price|(?:most |more )?economical|thrifty|"
    r"(?:the )?(?:best|most) bang for (?:the|your|my) buck|"
    r"(?:best|lowest|cheapest|cheaper|less) (?:price |cost )?per (?!cent\b)[a-z]+)\b", re.I)
# Price: "cheap cereal", "cheapest coffee", "budget wine". ("cheaper" alone is the bot's refine:
# cheaper than what was shown.)
CHEAPEST = re.compile(r"\b(cheapest|cheap|budget|inexpensive|affordable|least expensive|lowest[- ]priced?|"
                      r"low[- ]cost|lowest prices?)\b", re.I)


def price_order(text: str) -> tuple[str, re.Match[str]] | None:
    """The order the words ask for, "unit_price" (before "price": "cheapest per nappy" is per
    unit) or "price", and where they say it; None when they ask for none."""
    for kind, pattern in (("unit_price", BEST_VALUE), ("price", CHEAPEST)):
        match = pattern.search(text)
        if match:
            return kind, match
    return None
