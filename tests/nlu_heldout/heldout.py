"""The held-out shopper messages and how the deployed NLU is scored on them (pure: no Rasa here).

A message file holds `## Situation: ...` headers and lines `intent[/other_intent] [#ng] | text`:
the intents after the first are also right for a message that is truly either; `#ng` marks a
message about products outside groceries. `out_of_scope` means the right answer is to decline.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.nlu.nearest_examples import near_known_example
from bot.nlu.product_questions import holds_a_word, search_instead, worded_intent

OUT_OF_SCOPE = "out_of_scope"
FALLBACK = "nlu_fallback"
# What the deployed bot does with these is decline or ask to rephrase: a rejection.
REJECTIONS = frozenset({OUT_OF_SCOPE, FALLBACK})
NON_GROCERY = "#ng"
HERE = Path(__file__).parent


class HeldoutFormatError(ValueError):
    """A line of a held-out file that is not `intent [#ng] | text`."""


@dataclass(frozen=True)
class Example:
    text: str
    intents: frozenset[str]      # any of these is right
    non_grocery: bool
    situation: str

    @property
    def in_scope(self) -> bool:
        return OUT_OF_SCOPE not in self.intents

    @property
    def label(self) -> str:
        return sorted(self.intents)[0] if len(self.intents) == 1 else "/".join(sorted(self.intents))


def parse_lines(lines: Iterable[str], source: str = "<held-out>") -> list[Example]:
    examples, situation = [], ""
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("## "):
            situation = line[3:].strip()
            continue
        head, sep, text = line.partition(" | ")
        words = head.split()
        if not sep or not text.strip() or not words or any(w.startswith("#") and w != NON_GROCERY for w in words):
            raise HeldoutFormatError(f"{source}:{number}: expected 'intent [#ng] | text', got {raw.rstrip()!r}")
        intents = frozenset(words[0].split("/"))
        examples.append(Example(text.strip(), intents, NON_GROCERY in words[1:], situation))
    return examples


def load(part: str, folder: Path = HERE) -> list[Example]:
    """`part` is "validation" (for choosing settings) or "test" (measured, never tuned on)."""
    path = folder / f"{part}.txt"
    return parse_lines(path.read_text(encoding="utf-8").splitlines(), str(path))


Ranking = Sequence[tuple[str, float]]   # the classifier's intents, best first, before any fallback


@dataclass(frozen=True)
class Fallback:
    """bot.nlu.fallback.ShopFallbackClassifier's settings (config.yml)."""
    threshold: float
    ambiguity: float
    lenient_intents: frozenset[str] = frozenset()
    lenient_threshold: float = 1.0
    product_questions: tuple[re.Pattern[str], ...] = ()
    product_question_intent: str = "search_products"
    near_example: float | None = None
    intent_patterns: dict[str, tuple[re.Pattern[str], ...]] = field(default_factory=dict)


def decide(ranking: Ranking, fallback: Fallback, text: str = "", closeness: float = 0.0) -> str:
    """What the fallback classifier makes of a ranking: the top intent, or the fallback when the top
    confidence is under the threshold or the top two are within `ambiguity` of each other, or `text`
    holds no word (a lenient intent only needs its lower threshold when it does, and an intent
    whose nearest training example is within `near_example` cosine of the message, `closeness`, is
    kept); a product question in `text` goes to search first."""
    if not ranking or ranking[0][0] is None:
        return FALLBACK
    worded = worded_intent(text, fallback.intent_patterns)
    if worded:
        return worded
    if search_instead(text, ranking, fallback.product_questions, fallback.product_question_intent):
        return fallback.product_question_intent
    if text and not holds_a_word(text):
        return FALLBACK
    (top, confidence), rest = ranking[0], ranking[1:]
    if top in fallback.lenient_intents and confidence >= fallback.lenient_threshold and holds_a_word(text):
        return top
    if near_known_example(top, closeness, fallback.near_example):
        return top
    if confidence < fallback.threshold or (rest and confidence - rest[0][1] < fallback.ambiguity):
        return FALLBACK
    return top


@dataclass
class Report:
    n: int
    accuracy: float                  # every message, declining counted right for out-of-scope ones
    in_scope_n: int
    in_scope_accuracy: float         # the right intent, fallback and "out of scope" counted wrong
    false_rejection: float           # in-scope messages declined or sent to the fallback
    out_of_scope_n: int
    out_of_scope_rejection: float    # out-of-scope messages declined or sent to the fallback
    non_grocery_n: int
    non_grocery_accuracy: float
    recall: dict[str, tuple[float, int]] = field(default_factory=dict)   # intent -> (recall, support)
    misses: list[tuple[str, str, str]] = field(default_factory=list)     # (label, got, text)

    def as_dict(self) -> dict:
        return {**{k: v for k, v in self.__dict__.items() if k not in ("recall", "misses")},
                "recall": {k: {"recall": r, "n": n} for k, (r, n) in self.recall.items()},
                "misses": [{"expected": e, "got": g, "text": t} for e, g, t in self.misses]}


def _share(hits: Sequence[bool]) -> float:
    return sum(hits) / len(hits) if hits else float("nan")


def is_right(example: Example, decided: str) -> bool:
    return decided in REJECTIONS if not example.in_scope else decided in example.intents


def score(examples: Sequence[Example], decided: Sequence[str]) -> Report:
    pairs = list(zip(examples, decided, strict=True))
    inside = [(e, d) for e, d in pairs if e.in_scope]
    outside = [(e, d) for e, d in pairs if not e.in_scope]
    # Recall per intent: a message that is truly either of two intents counts for each of them
    # (answered rightly by either); a pair of intents is not an intent with a recall of its own.
    by_intent: dict[str, list[bool]] = {}
    for e, d in pairs:
        for intent in e.intents:
            by_intent.setdefault(intent, []).append(is_right(e, d))
    return Report(
        n=len(pairs),
        accuracy=_share([is_right(e, d) for e, d in pairs]),
        in_scope_n=len(inside),
        in_scope_accuracy=_share([is_right(e, d) for e, d in inside]),
        false_rejection=_share([d in REJECTIONS for _, d in inside]),
        out_of_scope_n=len(outside),
        out_of_scope_rejection=_share([d in REJECTIONS for _, d in outside]),
        non_grocery_n=sum(e.non_grocery for e in examples),
        non_grocery_accuracy=_share([is_right(e, d) for e, d in pairs if e.non_grocery]),
        recall={intent: (_share(hits), len(hits)) for intent, hits in sorted(by_intent.items())},
        misses=[(e.label, d, e.text) for e, d in pairs if not is_right(e, d)],
    )


@dataclass(frozen=True)
class Goals:
    """The goals of issue 16, on the test part as deployed."""
    in_scope_accuracy: float = 0.90
    false_rejection: float = 0.05
    out_of_scope_rejection: float = 0.85
    intent_recall: float = 0.80
    non_grocery_accuracy: float = 0.85

    def unmet(self, report: Report) -> list[str]:
        failed = []
        if report.in_scope_accuracy < self.in_scope_accuracy:
            failed.append(f"in-scope accuracy {report.in_scope_accuracy:.3f} < {self.in_scope_accuracy}")
        if report.false_rejection > self.false_rejection:
            failed.append(f"in-scope false rejection {report.false_rejection:.3f} > {self.false_rejection}")
        if report.out_of_scope_rejection < self.out_of_scope_rejection:
            failed.append(f"out-of-scope rejection {report.out_of_scope_rejection:.3f} < {self.out_of_scope_rejection}")
        if report.non_grocery_accuracy < self.non_grocery_accuracy:
            failed.append(f"non-grocery accuracy {report.non_grocery_accuracy:.3f} < {self.non_grocery_accuracy}")
        failed += [f"{label} recall {r:.2f} < {self.intent_recall} (n={n})"
                   for label, (r, n) in report.recall.items() if r < self.intent_recall]
        return failed


# What main reaches today on the test part, less a little: CI fails below it, so the NLU never
# silently gets worse while it works toward Goals(). Raise it when the figures rise.
# The validation part has 90 out-of-scope messages (one is 1.1 %): the threshold must decline this
# many of them so that the test part, measured once, keeps the goal of 0.85.
CHOOSE_WITH_MARGIN = 0.05
# Session 22's 77 new test messages lowered main's figures with no change to the model; the floor
# keeps five or six messages of margin under them.
# Session 28's data cost 3 of the 106 non-grocery messages (0.887 -> 0.858; README, "Held-out NLU"): that
# floor is now the goal itself.
FLOOR = Goals(in_scope_accuracy=0.89, false_rejection=0.065, out_of_scope_rejection=0.89, intent_recall=0.5,
              non_grocery_accuracy=0.85)   # main: 0.895 / 0.061 / 0.921 / 0.868 on session 29's 747 messages


@dataclass(frozen=True)
class Point:
    threshold: float
    in_scope_accepted: float     # in-scope messages given their right intent
    out_of_scope_rejected: float
    near_example: float | None = None
    lenient_threshold: float | None = None   # the lower bar of the lenient intents (a search)


def sweep(examples: Sequence[Example], rankings: Sequence[Ranking], fallback: Fallback,
          thresholds: Iterable[float], closeness: Sequence[float] | None = None,
          near_examples: Iterable[float | None] | None = None,
          lenient_thresholds: Iterable[float] | None = None) -> list[Point]:
    """The trade-off between answering shoppers and declining what is not shopping, per threshold,
    nearest-example closeness (`closeness`: each message's top intent's) and the lenient intents'
    lower bar; a setting not swept stays as configured."""
    closeness = closeness or [0.0] * len(examples)
    thresholds = list(thresholds)
    points = []
    for lenient in (fallback.lenient_threshold,) if lenient_thresholds is None else lenient_thresholds:
        for near in (fallback.near_example,) if near_examples is None else near_examples:
            for t in thresholds:
                settings = replace(fallback, threshold=t, near_example=near, lenient_threshold=lenient)
                decided = [decide(r, settings, e.text, c)
                           for e, r, c in zip(examples, rankings, closeness, strict=True)]
                report = score(examples, decided)
                points.append(Point(round(t, 3), report.in_scope_accuracy, report.out_of_scope_rejection, near,
                                    round(lenient, 3)))
    return points


def choose_threshold(points: Sequence[Point], min_out_of_scope_rejected: float) -> Point:
    """The threshold that answers the most shoppers rightly while declining at least
    `min_out_of_scope_rejected` of the rest; among equals the middle one, so the choice does not sit
    on the edge of a plateau (thresholds ordered within each closeness and lower bar, which keeps
    the sweep's order). With none declining enough, the one that declines most."""
    feasible = [p for p in points if p.out_of_scope_rejected >= min_out_of_scope_rejected]
    if not feasible:
        return max(points, key=lambda p: (p.out_of_scope_rejected, p.in_scope_accepted))
    best = max(p.in_scope_accepted for p in feasible)
    tied = [p for p in feasible if p.in_scope_accepted == best]
    return tied[len(tied) // 2]
