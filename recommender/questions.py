"""What a shopper's question about a product asks that the shop's record of it cannot answer.

A product here is its name, type, brand, price, size, stock and description. "How many calories
in the first one?" or "is it wild caught?" asks for something else, and an answer that only
repeats the price reads as if it had answered. Pure: the words left once the question's
function words, the record's own fields, the words that point at a product and the product's
own name are taken out are what it cannot tell.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from spacy.lang.en.stop_words import STOP_WORDS

from .mentions import singular

# Words that ask for what the record holds, or point at a product, or only carry the question.
RECORD_WORDS = frozenset({
    "price", "cost", "costs", "pay", "cheap", "cheaper", "cheapest", "expensive", "priciest", "dear", "money",
    "dollar", "dollars", "pound", "pounds", "ounce", "ounces", "gram", "grams", "kilo", "kilos", "litre", "liter",
    "litres", "liters", "unit", "units", "colour", "color", "colours", "colors",
    "size", "sized", "big", "bigger", "small", "smaller", "large", "weigh", "weight", "heavy", "pack", "packet",
    "stock", "available", "availability", "left", "sold", "brand", "aisle", "find", "department", "type", "kind",
    "info", "information", "detail", "details", "tell", "know", "describe", "description", "like", "look", "looks",
    "product", "item", "thing", "things", "stuff", "sell", "buy", "want", "need", "please", "pls", "thanks",
    "first", "second", "third", "fourth", "fifth", "last", "top", "bottom", "middle", "option", "choice",
    "good", "nice", "decent", "worth", "okay", "ok", "come", "comes", "get", "got", "contain", "contains", "have",
})


def unanswered(question: str, asked_attributes: Iterable[str], product_names: Iterable[str]) -> tuple[str, ...]:
    """The question's words (in order, as written) that ask for something the record does not
    hold: not a function word, not one of RECORD_WORDS, not a word of an attribute the question
    names (`asked_attributes`, answered elsewhere), not a word of the products' own names."""
    named = {singular(w) for text in [*asked_attributes, *product_names] for w in re.findall(r"[a-z]+", text.lower())}
    words = [w for w in re.findall(r"[a-z]+(?:'[a-z]+)?", question.lower()) if len(w) >= 3]
    return tuple(dict.fromkeys(w for w in words if w not in STOP_WORDS and w not in RECORD_WORDS
                               and singular(w) not in named and "'" not in w))
