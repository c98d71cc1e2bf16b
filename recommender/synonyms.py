"""Shoppers' own words for what the catalog calls otherwise: "nappies" are the diapers of a shop
that writes American English, "kitchen roll" its paper towels.

The shop lists them in `recommender.search.synonyms` (shopper's words: catalog's words). One is used
only where it can help: no product is named with the shopper's words, and the catalog uses every one
of its own, so a shop that does write "nappies" keeps the shopper's word, and a target the catalog
never uses is not searched for. Pure: what the catalog holds comes in as functions.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Synonyms:
    pattern: re.Pattern[str] | None   # every usable phrase, longest first, as whole words
    to: Mapping[str, str]             # lower-case phrase -> the catalog's words

    @classmethod
    def of(cls, pairs: Mapping[str, str], names_something: Callable[[str], bool],
           uses_every_word: Callable[[str], bool]) -> Synonyms:
        """`names_something(phrase)`: some product's name holds all its words ("kitchen" and "roll"
        alone are in many); `uses_every_word(phrase)`: the catalog uses each of its words somewhere."""
        usable = {said.lower(): meant for said, meant in pairs.items()
                  if not names_something(said) and uses_every_word(meant)}
        if not usable:
            return cls(None, {})
        phrases = sorted(usable, key=len, reverse=True)
        return cls(re.compile(r"\b(?:" + "|".join(re.escape(p) for p in phrases) + r")\b", re.I), usable)

    def apply(self, text: str) -> str:
        return self.read(text).text

    def read(self, text: str) -> Reading:
        """The text in the catalog's words, and where each rewritten phrase was in the shopper's."""
        if not self.pattern:
            return Reading(text, text, ())
        parts, spans, at, shift = [], [], 0, 0
        for m in self.pattern.finditer(text):
            meant = self.to[m.group(0).lower()]
            parts += [text[at:m.start()], meant]
            spans.append((m.start() + shift, m.start() + shift + len(meant), m.start(), m.end()))
            shift += len(meant) - (m.end() - m.start())
            at = m.end()
        return Reading(text, "".join(parts) + text[at:], tuple(spans))


@dataclass(frozen=True)
class Reading:
    """A text with the shop's synonyms read: `text` in the catalog's words, `said` as the shopper wrote it."""
    said: str
    text: str
    spans: tuple[tuple[int, int, int, int], ...]   # (start, end) in `text` of each rewrite, and in `said`

    def said_at(self, start: int, end: int) -> tuple[int, int]:
        """Where `text[start:end]` was in the shopper's words: a rewritten phrase touched counts whole."""
        return self._back(start, at_end=False), self._back(end, at_end=True)

    def _back(self, offset: int, at_end: bool) -> int:
        shift = 0
        for new_start, new_end, old_start, old_end in self.spans:
            if offset < new_start or (at_end and offset == new_start):
                break
            if offset < new_end or (at_end and offset == new_end):
                return old_end if at_end else old_start
            shift = old_end - new_end
        return offset + shift
