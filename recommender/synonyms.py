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
        return self.pattern.sub(lambda m: self.to[m.group(0).lower()], text) if self.pattern else text
