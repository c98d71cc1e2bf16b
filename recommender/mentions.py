"""Resolve product mentions in a shopper's words to catalog items, with quantities.

"I have 2 bags of tortilla chips and salsa" -> [(2, Tortilla/Nacho Chips ...), (1, Salsa ...)].

1. A spaCy PhraseMatcher built from the catalog's category labels finds known phrases
   (matching on singular forms, so "chips"/"chip" and "tomatoes"/"tomato" both hit).
2. Text left over between separators is looked up in the embedding index (fuzzy fallback).
3. A phrase that fits several categories about equally well ("chips": potato or tortilla?)
   is reported as ambiguous with one option per category, so the bot can ask.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Literal

import numpy as np
import spacy
from spacy.lang.en.stop_words import STOP_WORDS as ENGLISH_STOP_WORDS
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import filter_spans

Status = Literal["resolved", "ambiguous", "unresolved"]

UNIT_WORDS = {
    "bag", "bottle", "pack", "package", "box", "can", "jar", "carton", "tub", "bunch", "loaf",
    "piece", "packet", "case", "gallon", "lb", "pound", "oz", "ounce", "dozen", "container", "cup",
}
# Heads too generic to stand alone as a product phrase ("bars" is not a product).
GENERIC_HEADS = UNIT_WORDS | {
    "all", "other", "misc", "item", "product", "type", "mix", "bar", "chunk", "size", "regular",
    "premium", "mainstream", "traditional", "natural", "single", "multi", "value", "includi", "non",
    "frozen", "refrigerated", "fresh", "dry", "liquid", "specialty", "brand", "store", "exact", "wt",
    "only", "general", "assorted", "variety", "sv", "sgl", "vend", "mach",
}
# Colour and similar qualifiers that trail a head noun in labels ("Fluid Milk White Only").
QUALIFIERS = {"white", "red", "green", "yellow", "brown", "black", "whole", "plain", "sliced", "shelled"}
STOP_WORDS = {
    "i", "i've", "ive", "we", "we've", "our", "us", "have", "has", "got", "get", "bought", "my", "cart", "basket",
    "in", "the", "a",
    "an", "some", "of", "also", "there", "is", "are", "there's", "theres", "and", "with", "plus", "it",
    "already", "currently", "right", "now", "just", "me", "to", "add", "remove", "put", "want", "need",
    "please", "too", "as", "well", "for", "what", "else", "do", "am", "buying", "few", "couple", "one",
    "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "stuff", "things", "items",
    # what people say they did with the things ("I grabbed rice"); not "pop" or "chuck", which are products
    "added", "grabbed", "took", "taken", "picked", "chucked", "threw", "thrown", "popped", "placed", "selected",
    "include", "included", "bung", "tossed",
} | UNIT_WORDS
NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
                "dozen": 12, "couple": 2, "pair": 2, "few": 3}
SEPARATORS = re.compile(r",|;|\+|&|\band\b|\bplus\b|\bwith\b|\balso\b", re.I)
MAX_QTY = 99


def singular(word: str) -> str:
    w = word.lower()
    if len(w) <= 3 or w.endswith(("ss", "us", "is")):
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith("aves") or w.endswith("ves") and w[:-3].endswith(("l", "i")):
        return w[:-3] + "f"     # loaves, halves, knives
    if w.endswith(("ches", "shes", "xes", "sses", "oes")):
        return w[:-2]
    if w.endswith("s"):
        return w[:-1]
    return w


@Language.component("cartwise_singular_norm")
def _singular_norm(doc: Doc) -> Doc:
    for token in doc:
        token.norm_ = singular(token.text)
    return doc


def head_word(words: list[str]) -> str | None:
    """The noun a label part is about: its last word that is neither generic nor a qualifier."""
    for word in reversed(words):
        if (singular(word) not in GENERIC_HEADS and word not in QUALIFIERS and word not in STOP_WORDS
                and word.isalpha()):
            return word
    return None


def label_phrases(label: str) -> set[str]:
    """Phrases a shopper might use for a category label.

    'Tortilla/Nacho Chips' -> {'tortilla nacho chips', 'tortilla chips', 'nacho chips', 'chips'}
    """
    joined = [" ".join(re.sub(r"\(.*?\)|[:,\-]", " ", p).split())
              for p in re.split(r"[/&]| and | - ", label.lower())]
    label = re.sub(r"\(.*?\)|[:,&\-]", " ", label.lower())
    parts = [p.strip() for p in label.split("/") if p.strip()]
    if not parts:
        return set()
    # each side of an "&" or " - " that is a name of its own: "paper towels" of "Paper Towels &
    # Holders", "baby food" of "Baby Food - Beginner"
    phrases = {" ".join(" ".join(parts).split())} | {p for p in joined if len(p.split()) > 1}
    last_words = parts[-1].split()
    head = last_words[-1] if len(last_words) > 1 else None
    for part in parts:
        words = part.split()
        phrases.add(" ".join(words))
        if head and len(words) == 1 and part != parts[-1]:
            phrases.add(f"{words[0]} {head}")
        head_noun = head_word(words)
        if head_noun:
            phrases.add(head_noun)
    # Not a phrase of only English stop words: "Better For You" is no product called "you" (every
    # "do you have a bigger one?" named it), nor "Yogurt Not Multi-Packs" one called "not".
    return {p for p in phrases if len(p) >= 3 and singular(p) not in GENERIC_HEADS
            and not set(p.split()) <= ENGLISH_STOP_WORDS}


def phrase_key(text: str) -> str:
    """What a phrase is matched on: lower-case singular words. 'Tortilla Chips' -> 'tortilla chip'."""
    return " ".join(singular(w) for w in re.sub(r"[^\w\s'.]", " ", text.lower()).split())


def phrase_index(labels: list[str]) -> dict[str, tuple[str, ...]]:
    """Every phrase a shopper may use for a category label -> the labels it may mean."""
    out: dict[str, list[str]] = {}
    for label in dict.fromkeys(labels):
        for phrase in label_phrases(label):
            found = out.setdefault(phrase_key(phrase), [])
            if label not in found:
                found.append(label)
    return {key: tuple(found) for key, found in out.items() if key}


@dataclass(frozen=True)
class Mention:
    text: str
    start: int
    end: int
    qty: int
    status: Status
    method: Literal["phrase", "embedding", "none"]
    options: tuple[int, ...] = field(default=())   # catalog rows; [0] is the pick when resolved
    score: float = 0.0


def category_choice(categories: list[str], weight: dict[str, float], dominance: float = 0.7) -> list[str]:
    """Categories ordered by weight; one if it clearly dominates, else the close contenders."""
    ranked = sorted(set(categories), key=lambda c: (-weight.get(c, 0.0), c))
    total = sum(weight.get(c, 0.0) for c in ranked) or 1.0
    if len(ranked) == 1 or weight.get(ranked[0], 0.0) / total >= dominance:
        return ranked[:1]
    return ranked[:4]


class MentionResolver:
    def __init__(self, categories: list[str], popularity: np.ndarray,
                 embed_search: Callable[[list[str]], tuple[np.ndarray, np.ndarray]], fuzzy_min_score: float,
                 rank_rows: Callable[[str, list[int]], list[int]]):
        """categories[i] is catalog row i's category; embed_search(texts) -> (scores, rows) top-k;
        rank_rows(text, rows) -> rows ordered by how well they fit text."""
        self._categories = categories
        self._rank_rows = rank_rows
        self._popularity = popularity
        self._embed_search = embed_search
        self._fuzzy_min = fuzzy_min_score
        self._rows_by_category: dict[str, list[int]] = {}
        for row in np.argsort(-popularity, kind="stable"):
            self._rows_by_category.setdefault(categories[row], []).append(int(row))
        self._weight = {c: float(popularity[rows].sum()) for c, rows in self._rows_by_category.items()}
        self._nlp = spacy.blank("en")
        self._nlp.add_pipe("cartwise_singular_norm")
        self._matcher = PhraseMatcher(self._nlp.vocab, attr="NORM")
        self.phrase_categories = phrase_index(list(self._rows_by_category))
        for key in self.phrase_categories:
            self._matcher.add(key, [self._nlp(key)])

    def _options_for(self, categories: list[str]) -> tuple[Status, tuple[int, ...]]:
        chosen = category_choice(categories, self._weight)
        if len(chosen) == 1:
            return "resolved", tuple(self._rows_by_category[chosen[0]][:5])
        return "ambiguous", tuple(self._rows_by_category[c][0] for c in chosen)

    def resolve(self, text: str) -> list[Mention]:
        doc = self._nlp(text)
        spans = filter_spans([doc[s:e] for _, s, e in self._matcher(doc)])
        segments = split_segments(text)
        mentions = []
        for span in spans:
            key = " ".join(t.norm_ for t in span)
            categories = self.phrase_categories.get(key)
            if not categories:
                continue
            status, options = self._options_for(categories)
            words, start, end = span.text, span.start_char, span.end_char
            seg = next(((s, e) for s, e in segments if s <= span.start_char < e), None)
            wording = content_words(text[seg[0]:seg[1]]) if seg else ""
            if status == "resolved" and len(wording.split()) > len(span):
                # "salsa verde": the extra words pick the product within the category
                chosen = category_choice(categories, self._weight)[0]
                options = tuple(self._rank_rows(wording, self._rows_by_category[chosen])[:5])
                words = wording
            qty = quantity_before(doc, span.start)
            mentions.append(Mention(words, start, end, qty, status, "phrase", options, 1.0))
        mentions.extend(self._fuzzy(text, doc, segments, [(m.start, m.end) for m in mentions]))
        return sorted(mentions, key=lambda m: m.start)

    def _fuzzy(
        self, text: str, doc: Doc, segments: list[tuple[int, int]], covered: list[tuple[int, int]]
    ) -> list[Mention]:
        """Segments between separators that no phrase covered: ask the embedding index."""
        pending = []
        for start, end in segments:
            if any(s < end and start < e for s, e in covered):
                continue
            words = content_words(text[start:end])
            if words and any(len(w) >= 3 for w in words.split()):
                pending.append((start, end, words))
        if not pending:
            return []
        scores, rows = self._embed_search([p[2] for p in pending])
        out = []
        for (start, end, query), row_scores, row_ids in zip(pending, scores, rows):
            span = doc.char_span(start, end, alignment_mode="expand")
            qty = quantity_before(doc, _first_content_token(span)) if span is not None else 1
            best = float(row_scores[0]) if len(row_scores) else 0.0
            if best < self._fuzzy_min:
                out.append(Mention(query, start, end, qty, "unresolved", "none", (), round(best, 4)))
                continue
            close = [self._categories[r] for r, s in zip(row_ids, row_scores) if r >= 0 and s >= best - 0.03]
            status, options = self._options_for(close)
            if status == "resolved":  # keep the nearest product first, then its category's best sellers
                options = tuple(dict.fromkeys([int(row_ids[0]), *options]))[:5]
            out.append(Mention(query, start, end, qty, status, "embedding", options, round(best, 4)))
        return out


def split_segments(text: str) -> list[tuple[int, int]]:
    """Character ranges between separators (',', 'and', 'plus', ...): one product each, usually."""
    segments, pos = [], 0
    for sep in list(SEPARATORS.finditer(text)) + [None]:
        end = sep.start() if sep else len(text)
        segments.append((pos, end))
        pos = sep.end() if sep else end
    return segments


def content_words(segment: str) -> str:
    return " ".join(
        w
        for w in re.findall(r"[a-zA-Z][a-zA-Z'\-]+", segment)
        if w.lower() not in STOP_WORDS and singular(w) not in STOP_WORDS
    )


def _first_content_token(span) -> int:
    for token in span:
        if token.lower_ not in STOP_WORDS and not token.like_num:
            return token.i
    return span.end


def quantity_before(doc: Doc, start: int) -> int:
    """The quantity written before token `start`: '2 bags of X', 'two X', 'a dozen X', 'X' -> 1."""
    i = start - 1
    while i >= 0 and (
        doc[i].lower_ == "of" or singular(doc[i].lower_) in UNIT_WORDS or doc[i].lower_ in ("couple", "few", "pair")
    ):
        if doc[i].lower_ in ("dozen", "couple", "pair", "few"):
            break
        i -= 1
    if i < 0:
        return 1
    word = doc[i].lower_
    if word.isdigit():
        return max(1, min(int(word), MAX_QTY))
    if word in NUMBER_WORDS:
        qty = NUMBER_WORDS[word]
        if word in ("dozen", "couple", "pair", "few") and i > 0 and doc[i - 1].lower_.isdigit():
            qty *= int(doc[i - 1].lower_)
        return max(1, min(qty, MAX_QTY))
    return 1
