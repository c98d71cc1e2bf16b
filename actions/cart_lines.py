"""The shopper's cart and references to shown products: pure functions over plain data.

A cart is a list of {"id", "qty", "title", "price"} dicts (the `cart` slot).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MAX_QTY = 99
_ORDINALS = {
    "first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
    "fifth": 4, "5th": 4, "sixth": 5, "6th": 5,
}
_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "a couple": 2, "a dozen": 12}


MAX_PAGE_LINES = 200   # the recommender's limit on distinct items in a cart


@dataclass(frozen=True)
class PageCart:
    """The cart the page sent with the message, and what of it could not be read."""
    lines: list[dict]                               # {"id", "qty"}, a repeated id's quantities added up
    unreadable: list[str] = field(default_factory=list)   # each left-out entry, as the shopper can be told


def read_cart(metadata: Any) -> PageCart | None:
    """The page's cart sent with the message ({"cart": [{"id", "qty"}]}); None when absent.

    A malformed entry does not fail the turn (the page may be out of date): it is left out and
    described in `unreadable`, so the bot can say which items it did not understand.
    """
    if not isinstance(metadata, dict) or "cart" not in metadata:
        return None
    raw = metadata["cart"]
    if not isinstance(raw, list):
        return PageCart([], ["the cart the page sent (it is not a list of items)"])
    out: dict[str, int] = {}
    unreadable = []
    for item in raw[:MAX_PAGE_LINES]:
        pid = item.get("id") if isinstance(item, dict) else None
        if not isinstance(pid, (str, int)) or isinstance(pid, bool) or not str(pid).strip():
            unreadable.append("an item without a product id")
            continue
        pid, qty = str(pid).strip(), item.get("qty", 1)
        if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= MAX_QTY:
            unreadable.append(f"item {pid[:40]} (quantity {str(qty)[:20]!r}: I take whole numbers from 1 to {MAX_QTY})")
            continue
        out[pid] = min(out.get(pid, 0) + qty, MAX_QTY)
    if len(raw) > MAX_PAGE_LINES:
        unreadable.append(f"{len(raw) - MAX_PAGE_LINES} more items (I read at most {MAX_PAGE_LINES})")
    return PageCart([{"id": pid, "qty": qty} for pid, qty in out.items()], unreadable)


def cart_line(product: dict, qty: int) -> dict:
    return {"id": str(product["id"]), "qty": int(qty), "title": product.get("title", ""),
            "price": float(product.get("price", 0.0))}


def add_item(cart: list[dict], product: dict, qty: int) -> list[dict]:
    out = [dict(line) for line in cart]
    for line in out:
        if line["id"] == str(product["id"]):
            line["qty"] = min(line["qty"] + qty, MAX_QTY)
            return out
    return out + [cart_line(product, min(qty, MAX_QTY))]


def set_quantity(cart: list[dict], product: dict, qty: int) -> list[dict]:
    """The product's line holding exactly `qty` (added when the cart lacks it)."""
    qty = min(qty, MAX_QTY)
    if not any(line["id"] == str(product["id"]) for line in cart):
        return add_item(cart, product, qty)
    return [{**line, "qty": qty} if line["id"] == str(product["id"]) else dict(line) for line in cart]


def remove_item(cart: list[dict], product_id: str, qty: int | None = None) -> list[dict]:
    """Remove `qty` units (all of them when None)."""
    out = []
    for line in cart:
        if line["id"] == product_id and qty is not None and line["qty"] > qty:
            out.append({**line, "qty": line["qty"] - qty})
        elif line["id"] != product_id:
            out.append(dict(line))
    return out


def cart_total(cart: list[dict]) -> float:
    return round(sum(line.get("price", 0.0) * line["qty"] for line in cart), 2)


_EVERY_ONE = re.compile(r"\b(?:all|each|every one) of (?:them|those|these)\b|\ball (?:those|these)\b"
                        r"|\b(?:them|those|these) all\b|\bof each\b|\bthe lot\b")


def parse_ordinals(text: str, shown: int) -> list[int]:
    """Positions in the last shown list that the text refers to ('the first and third', 'option 2')."""
    lowered = text.lower()
    found: list[tuple[int, int]] = []
    for word, index in _ORDINALS.items():
        for m in re.finditer(rf"\b{word}\b", lowered):
            found.append((m.start(), index))
    for m in re.finditer(r"\b(?:option|number|no\.?|item|#)\s*(\d{1,2})\b", lowered):
        found.append((m.start(), int(m.group(1)) - 1))
    for m in re.finditer(r"\blast\b", lowered):
        found.append((m.start(), shown - 1))
    if re.search(r"\bboth\b", lowered) and not found:
        found = [(0, 0), (1, 1)]
    if _EVERY_ONE.search(lowered) and not found:   # "add all of them", "one of each": the whole page
        found = [(i, i) for i in range(shown)]
    if re.search(r"\b(?:first|top) (?:two|2)\b", lowered):
        found = [(0, 0), (1, 1)]
    positions = [i for _, i in sorted(found)]
    return [i for i in dict.fromkeys(positions) if 0 <= i < shown]


_CHEAPEST = re.compile(r"\bthe (?:cheapest|least expensive|lowest priced)\b", re.I)
_DEAREST = re.compile(r"\bthe (?:most expensive|priciest|dearest|highest priced)\b", re.I)


def price_pick(text: str, shown: list[dict]) -> int | None:
    """Which of the shown products "the cheapest one" or "the most expensive" is (the first of equals)."""
    prices = [(float(p["price"]), i) for i, p in enumerate(shown) if isinstance(p.get("price"), (int, float))]
    if not prices:
        return None
    if _CHEAPEST.search(text):
        return min(prices)[1]
    if _DEAREST.search(text):
        return max(prices, key=lambda pi: (pi[0], -pi[1]))[1]
    return None


def quantity_each(text: str) -> int:
    """How many of every product a message names ("two of each", "3 each"): 1 unless it says each."""
    return (parse_quantity(text) or 1) if re.search(r"\beach\b", text.lower()) else 1


def refers_to_previous(text: str) -> bool:
    """'add it', 'this one', 'that', 'those': a reference to what was just shown."""
    return re.search(r"\b(it|this|that|these|those|them|one)\b", text.lower()) is not None


_THEM = r"\b(?:they|them|these|those)\b"


def refers_to_them(text: str) -> bool:
    """'what goes with them?': the products just shown, as a group."""
    return re.search(_THEM, text.lower()) is not None


def refers_to_page(text: str) -> bool:
    """'are they in stock?', 'how many are left?': a question about every product just shown."""
    return re.search(rf"{_THEM}|\ball\b|\bhow many (?:are|have you|do you|of)\b", text.lower()) is not None


def parse_quantity(text: str) -> int | None:
    """An explicit quantity ('add 2 of those', 'three of the first'); None when none is stated."""
    lowered = re.sub(r"\$\s*\d+(?:\.\d+)?", " ", text.lower())           # prices are not quantities
    lowered = re.sub(r"\b\d+(?:st|nd|rd|th)\b|\b(?:option|number|item|#)\s*\d+", " ", lowered)
    lowered = re.sub(r"\b\d{5,}\b", " ", lowered)                         # ids and order numbers
    m = re.search(r"\b(\d{1,3})\b", lowered)
    if m:
        return max(1, min(int(m.group(1)), MAX_QTY))
    for word, value in _NUMBER_WORDS.items():
        if re.search(rf"\b{word}\b", lowered):
            return value
    # "one" is mostly a pronoun ("the first one", "add one under $5"); right after a verb that takes
    # out, or before "less", it counts: "remove one" took every unit of the line out.
    if re.search(r"\b(?:remove|take|drop|delete)\s+(?:just\s+|only\s+)?(?:one|a single)\b"
                 r"|\bone (?:less|fewer)\b", lowered):
        return 1
    return None


_AMOUNT = r"(\d{1,3}|one|a single|" + "|".join(_NUMBER_WORDS) + ")"
# Words that set a line's total rather than add to it: "actually make that 3", "change it to 2",
# "I only want one", "4 in total". Without them "make that 3" added three more.
_SET_TOTAL = re.compile(
    r"\b(?:make (?:it|that|them|those|this)|(?:change|set) (?:it|that|them|this|the (?:quantity|amount|number))"
    r"(?: to)?|(?:i )?only (?:want|need)|(?:i )?(?:want|need) only|just)\s+(?:to\s+)?" + _AMOUNT + r"\b"
    r"|\b" + _AMOUNT + r"\s+(?:instead|in total|altogether|total)\b", re.I)


def parse_total(text: str) -> int | None:
    """The quantity a line should now hold, when the shopper sets one ("make that 3"); None when
    the text adds or says no amount."""
    m = _SET_TOTAL.search(text)
    if not m:
        return None
    amount = (m.group(1) or m.group(2)).lower()
    if amount.isdigit():
        return max(1, min(int(amount), MAX_QTY))
    return 1 if amount in ("one", "a single") else _NUMBER_WORDS[amount]


# Words of adding or removing that name no product: "take it out of my basket please", "ok add two".
_NOT_NAMES = frozenset({
    "remove", "take", "out", "from", "cart", "basket", "trolley", "bag", "delete", "want", "don", "dont",
    "the", "please", "pls", "item", "thing", "that", "this", "those", "these", "them", "one", "all", "get",
    "rid", "drop", "off", "actually", "anymore", "any", "more", "again", "just", "can", "could", "would",
    "you", "your", "mine", "its", "and", "need", "not", "last", "there", "here", "now", "bin", "ditch",
    "lose", "scrap", "undo", "cancel", "add", "put", "buy", "grab", "pop", "stick", "chuck", "throw", "bung",
    "toss", "include", "order", "have", "into", "for", "too", "also", "then", "okay", "yes", "yeah", "yep",
    "sure", "great", "cool", "fine", "lovely", "thanks", "will", "let", "pack", "packs", "lot",
    "added", "picked", "got", "bought", "chose", "selected", "things", "items", "stuff", "whole", "entire",
    *_NUMBER_WORDS})


def named_words(text: str) -> list[str]:
    """The words of a message that could name a product ("candles" in "remove the candles")."""
    return [w for w in re.findall(r"[a-z]{3,}", text.lower()) if w not in _NOT_NAMES]


def match_cart_line(cart: list[dict], text: str) -> dict | None:
    """The cart line whose title shares the most words with the text ('remove the salsa')."""
    words = {w.rstrip("s") for w in named_words(text)}
    best, best_overlap = None, 0
    for line in cart:
        title_words = {w.rstrip("s") for w in re.findall(r"[a-z]{3,}", str(line.get("title", "")).lower())}
        overlap = len(words & title_words)
        if overlap > best_overlap:
            best, best_overlap = line, overlap
    return best
