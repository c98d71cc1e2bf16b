"""Personal data out of stored conversations: emails, phone numbers and card-like numbers (pure).

What is kept although it looks like one of those (an order-number format, say) is an explicit
allow-list of patterns in cartwise.yml (`privacy.keep`). Only text a person typed or the bot said
is rewritten: product ids, carts and other structured slots stay as they are, because later turns
("the first one") depend on them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}")
# Bounded quantifiers: a 1 MB message must stay linear (an unbounded class here once hung the bot).
CARD = re.compile(r"(?<![\d])\d(?:[ -]?\d){12,18}(?![\d])")
PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d ()./-]{6,22}\d(?![\d])")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _is_card(match: str) -> bool:
    digits = re.sub(r"\D", "", match)
    return 13 <= len(digits) <= 19 and luhn_ok(digits)


def _is_phone(match: str) -> bool:
    digits = re.sub(r"\D", "", match)
    # A bare run of digits is a phone number only when long; short ones are quantities, ids, prices.
    separated = match.startswith("+") or re.search(r"[ ()./-]", match) is not None
    return 9 <= len(digits) <= 15 and (separated or len(digits) >= 10)


RULES: tuple[tuple[str, re.Pattern[str], Callable[[str], bool]], ...] = (
    ("[email]", EMAIL, lambda _: True),
    ("[card]", CARD, _is_card),
    ("[phone]", PHONE, _is_phone),
)


@dataclass(frozen=True)
class Redactor:
    keep: tuple[re.Pattern[str], ...] = field(default_factory=tuple)

    @classmethod
    def from_patterns(cls, patterns: Iterable[str]) -> Redactor:
        try:
            return cls(tuple(re.compile(p) for p in patterns))
        except re.error as exc:
            raise ValueError(f"privacy.keep: not a regular expression: {exc}") from None

    def text(self, text: str) -> str:
        kept = [m.span() for pattern in self.keep for m in pattern.finditer(text)]
        for token, pattern, accept in RULES:
            def replace(m: re.Match[str], token: str = token, accept=accept, kept: list = kept) -> str:
                inside_kept = any(start <= m.start() and m.end() <= end for start, end in kept)
                return m.group(0) if inside_kept or not accept(m.group(0)) else token
            redacted = pattern.sub(replace, text)
            if redacted != text:   # spans moved: find the kept ones again
                text = redacted
                kept = [m.span() for pattern_ in self.keep for m in pattern_.finditer(text)]
        return text

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        """A Rasa event (as a dict) with what people wrote redacted; other events unchanged."""
        kind = event.get("event")
        if kind == "user":
            parse = dict(event.get("parse_data") or {})
            if isinstance(parse.get("text"), str):
                parse["text"] = self.text(parse["text"])
            parse["entities"] = [self._entity(e) for e in parse.get("entities") or []]
            return {**event, "text": self._maybe(event.get("text")), "parse_data": parse}
        if kind == "bot":
            data = dict(event.get("data") or {})
            custom = data.get("custom")
            if isinstance(custom, dict) and isinstance(custom.get("data"), dict) and "text" in custom["data"]:
                data["custom"] = {**custom, "data": {**custom["data"], "text": self._maybe(custom["data"]["text"])}}
            return {**event, "text": self._maybe(event.get("text")), "data": data}
        if kind == "slot" and isinstance(event.get("value"), str):
            return {**event, "value": self.text(event["value"])}
        return event

    def _entity(self, entity: Any) -> Any:
        if isinstance(entity, dict) and isinstance(entity.get("value"), str):
            return {**entity, "value": self.text(entity["value"])}
        return entity

    def _maybe(self, value: Any) -> Any:
        return self.text(value) if isinstance(value, str) else value
