"""Constraints a shopper states in words: price bounds and brand, split from what they want.

"gluten-free pasta under $5" -> text "gluten-free pasta", max_price 5.0.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_NUM = r"\$?\s*(\d+(?:\.\d{1,2})?)\s*(?:dollars|bucks|usd|\$)?"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("between", re.compile(rf"\bbetween\s+{_NUM}\s+(?:and|to|-)\s+{_NUM}", re.I)),
    ("range", re.compile(rf"(?<![\w.]){_NUM}\s*(?:-|to)\s*{_NUM}(?!\s*(?:oz|lb|ct|ml|pack)\b)", re.I)),
    ("max", re.compile(rf"\b(?:under|below|less than|cheaper than|at most|max(?:imum)?|no more than|up to|within)\s+{_NUM}", re.I)),
    ("min", re.compile(rf"\b(?:over|above|more than|at least|min(?:imum)?)\s+{_NUM}", re.I)),
]
_BRAND = re.compile(r"\b(store brand|private label|brand\s+\d+)\b", re.I)
_FILLER = re.compile(r"\b(i want|i need|i'm looking for|im looking for|looking for|show me|find me|find|"
                     r"do you have|search for|search|please|some|any)\b", re.I)


@dataclass(frozen=True)
class QueryConstraints:
    text: str
    min_price: float | None = None
    max_price: float | None = None
    brand: str | None = None


def parse_query(query: str) -> QueryConstraints:
    text = query
    min_price = max_price = None
    for kind, pattern in _PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        values = [float(g) for g in match.groups() if g is not None]
        if kind in ("between", "range") and len(values) == 2:
            min_price, max_price = sorted(values)
        elif kind == "max":
            max_price = values[0]
        elif kind == "min":
            min_price = values[0]
        text = text[:match.start()] + " " + text[match.end():]
    brand = None
    brand_match = _BRAND.search(text)
    if brand_match:
        raw = brand_match.group(1).lower()
        brand = "Store brand" if raw in ("store brand", "private label") else "Brand " + raw.split()[-1]
        text = text[:brand_match.start()] + " " + text[brand_match.end():]
    text = _FILLER.sub(" ", text)
    text = re.sub(r"\s+", " ", re.sub(r"[?!.,]+$", "", text.strip())).strip(" ,.")
    return QueryConstraints(text=text, min_price=min_price, max_price=max_price, brand=brand)
