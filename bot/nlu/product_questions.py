"""Questions about a product, in any shop: "do you sell lawn mowers?", "where can I buy a kettle?";
lists of things to buy ("I need eggs, milk and bread") that the classifier reads as telling the cart;
and wordings that mean one intent whatever the product named ("my eggs arrived broken").

The classifier learns search phrasings from examples, and a product it has never seen can pull
such a question towards "out of scope" ("do you sell books" sat next to "recommend me a book").
Whether the shop has it is for the search to answer ("Sorry, I don't think we have lawn mowers"),
not for a fallback. Pure: the fallback classifier and the held-out scorer both call it.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

DECLINED = frozenset({"out_of_scope", "nlu_fallback"})
WORD = re.compile(r"[^\W_]")   # a letter or a digit, in any script


def compile_patterns(patterns: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.I) for p in patterns)


def search_instead(text: str, ranking: Sequence[tuple[str, float]], patterns: Sequence[re.Pattern[str]],
                   target: str) -> bool:
    """Whether a message that asks about a product (one of `patterns`) goes to `target` whatever its
    confidence: only when `target` is the classifier's likeliest meaning other than declining, so
    "do you sell gift cards?" can still be about deals when the classifier says so."""
    if not any(p.search(text) for p in patterns):
        return False
    in_scope = [name for name, _ in ranking if name not in DECLINED]
    return bool(in_scope) and in_scope[0] == target


def holds_a_word(text: str) -> bool:
    """Whether a message could name something to search for: "???" or "!!" names nothing, though the
    classifier, having nothing to go on, ranks search first for them."""
    return bool(WORD.search(text))


def cart_not_stated(text: str, ranking: Sequence[tuple[str, float]], cart_intent: str | None,
                    cart_words: re.Pattern[str] | None, target: str) -> bool:
    """Whether a message read as telling the cart (`cart_intent`) says nothing of a cart and is a list
    of things to buy for `target` (the search) instead: the classifier learnt "a list of groceries"
    from the cart examples ("my cart has milk and eggs"), but only the words that say the things are
    in the cart already (`cart_words`: "have", "got", "in my basket") make it a statement about the
    cart. Only when `target` is the next likeliest meaning."""
    if cart_intent is None or cart_words is None or len(ranking) < 2 or ranking[0][0] != cart_intent:
        return False
    return ranking[1][0] == target and not cart_words.search(text)


def worded_intent(text: str, patterns: dict[str, Sequence[re.Pattern[str]]]) -> str | None:
    """The intent whose wording the message has, whatever the classifier made of it: "my eggs
    arrived broken" is a return, though "eggs" pulls the classifier towards a search."""
    return next((intent for intent, ps in patterns.items() if any(p.search(text) for p in ps)), None)
