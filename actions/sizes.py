"""Whether a shopper asks for a product in another size ("does it come in a bigger size?"): pure."""
from __future__ import annotations

import re

_BIGGER = re.compile(r"\b(?:bigger|larger|biggest|largest|family[- ]size[ds]?|bulk|jumbo|economy size)\b", re.I)
_SMALLER = re.compile(r"\b(?:smaller|smallest|travel[- ]size[ds]?|single[- ]serve)\b", re.I)
# "what sizes does it come in", "other sizes", "a different size"; not "what size is it" (its own size)
_OTHER = re.compile(r"\b(?:other|different|more|any) sizes?\b|\b(?:what|which) sizes\b|\bcomes? in\b.*\bsizes\b",
                    re.I)


def size_wanted(text: str) -> str | None:
    """"bigger", "smaller" or "other" when the text asks for another size; None otherwise."""
    if _BIGGER.search(text):
        return "bigger"
    if _SMALLER.search(text):
        return "smaller"
    return "other" if _OTHER.search(text) else None
