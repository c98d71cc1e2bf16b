"""Typos against the catalog's own words: "spagetti" is read as "spaghetti", "shampo" as "shampoo".

A word the catalog never uses (in any number: "almond" is known from "almonds"), five letters or
longer, becomes the closest catalog word within one edit (two from nine letters on; swapping two
neighbouring letters is one edit, as in "diapres"); on a tie, the word more products use. A word
that is a catalog word plus a last letter is left alone: shoppers drop a last letter ("coffe")
more than they add one, and "matcha" is not "match". Nor is a correction that changes the first
letter ("mower" is not "power"): typos rarely do; nor one that changes only an ending that makes
another word ("cooker" is not "cooked"). Shorter words are left
alone: "pop" or "tea" one letter away from another word is usually a different word, and so is a
word the language model knows whole ("grade" is not a typo of "grape", nor "chair" of "hair": its
WordPiece vocabulary, 30k tokens, holds common English words whole and typos only in pieces). Pure
apart from building the index; RapidFuzz does the edit distances in C++ (a 10k-word catalog vocabulary
answers in well under a millisecond per word).

What the search tells the shopper it read differently leaves out corrections of English words
(`english_words`): "decaffeinated" is read as the catalog's "decaffinated" and "yoghurt" as
"yogurt", but saying so would tell a shopper who spelt it right that they had not.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA
from spellchecker import SpellChecker

from .mentions import singular

MIN_LENGTH = 5
# Endings that make another word of the same stem: "cooker" is not a typo of "cooked", nor "blender"
# of "blended" (an appliance is not an adjective; a grocery names many things "cooked" or "smoked").
WORD_ENDINGS = frozenset({"er", "ed", "en", "es"})
_WORD = re.compile(r"[A-Za-z]+")
# pyspellchecker's English list counts words in OpenSubtitles and drops the rarest (misspellings
# among them); this floor drops more of its tail, where a typo could still pass for a word.
ENGLISH_MIN_COUNT = 20


def english_words(min_count: int = ENGLISH_MIN_COUNT) -> frozenset[str]:
    """English words (160k, MIT-licensed, shipped in the pyspellchecker package) used at least
    `min_count` times in its corpus."""
    counts = SpellChecker(language="en", distance=1).word_frequency.dictionary
    return frozenset(w for w, n in counts.items() if n >= min_count and w.isalpha())


def max_edits(word: str) -> int:
    return 0 if len(word) < MIN_LENGTH else 1 if len(word) < 9 else 2


def another_ending(word: str, other: str) -> bool:
    """Whether the two are one stem with different endings of WORD_ENDINGS ("smoker", "smoked")."""
    return word[:-2] == other[:-2] and {word[-2:], other[-2:]} <= WORD_ENDINGS


@dataclass(frozen=True)
class Speller:
    words: tuple[str, ...]   # the catalog's words and their singulars, the most used first (ties go to them)
    known: frozenset[str]    # never corrected: those, and real words

    @classmethod
    def of(cls, texts: Iterable[str], real_words: Iterable[str] = ()) -> Speller:
        counts = Counter(f for text in texts for w in set(_WORD.findall(text.lower())) for f in {w, singular(w)})
        words = tuple(w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        return cls(words, frozenset(words) | frozenset(real_words))

    def correct_word(self, word: str) -> str:
        limit = max_edits(word)
        if not limit or word in self.known or singular(word) in self.known:
            return word
        found = process.extractOne(word, self.words, scorer=OSA.distance, score_cutoff=limit)
        if not found or found[0] == word[:-1] or found[0][0] != word[0] or another_ending(word, found[0]):
            return word
        return found[0]

    def correct(self, text: str) -> str:
        """The text with each unknown word replaced by its correction; everything else as it was."""
        return self.read(text)[0]

    def read(self, text: str, keep: frozenset[str] = frozenset()) -> tuple[str, str]:
        """The text corrected, and as it is told back: the same with the words of `keep` as they
        were. Each word is looked up once for both."""
        fixed = {w: self.correct_word(w) for w in {m.lower() for m in _WORD.findall(text)}}

        def with_fixes(left: frozenset[str]) -> str:
            def fix(match: re.Match[str]) -> str:
                word = match.group(0).lower()
                return match.group(0) if word in left or fixed[word] == word else fixed[word]
            return _WORD.sub(fix, text)
        return with_fixes(frozenset()), with_fixes(keep)
