"""Search judged by written rules: the project's own queries over a catalog, graded 0-2 per product.

`tests/search_judgements/queries.yml` holds the queries and their rules (see the README there):
`good` / `fair` are regular expressions over a product's "category | title | description" in lower
case, giving grade 2 / 1; `not` makes a product 0. Extra keys say what an answer must honour: `attr`
(an attribute word), `sort` (price / unit_price), `max_price` / `min_price`, `types` (product types
in the first five for a need) and `absent` (nothing in the catalog matches: the answer must say so).
Pure: the caller runs the search and hands over what was shown.
"""
from __future__ import annotations

import hashlib
import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

KINDS = ("type", "colloquial", "misspelt", "attribute", "price", "negation", "need", "size", "absent")
K = 5


class JudgementError(ValueError):
    """A judged query that cannot be used as written."""


@dataclass(frozen=True)
class Judged:
    q: str
    kind: str
    good: str = ""
    fair: str = ""
    not_: str = ""
    attr: str = ""
    sort: str = ""
    max_price: float | None = None
    min_price: float | None = None
    types: int = 0
    absent: str = ""


def part(query: str) -> str:
    """"validation" (settings may be chosen on it) or "test" (only measured), by a hash of the query:
    fixed for every query ever written, so adding queries never moves one across."""
    return "validation" if hashlib.sha256(query.strip().lower().encode()).digest()[0] < 128 else "test"


def load(path: Path) -> list[Judged]:
    raw = yaml.safe_load(path.read_text()) or []
    judged = []
    for number, entry in enumerate(raw, 1):
        where = f"{path.name} query {number} ({entry.get('q')!r})"
        unknown = set(entry) - {"q", "kind", "good", "fair", "not", "attr", "sort", "max_price", "min_price", "types",
                                "absent"}
        if unknown or not entry.get("q") or entry.get("kind") not in KINDS:
            raise JudgementError(f"{where}: needs q and a kind of {KINDS}; unknown keys {sorted(unknown)}")
        if entry["kind"] == "absent" and not entry.get("absent"):
            raise JudgementError(f"{where}: an absent query names the pattern nothing may match")
        if entry["kind"] != "absent" and not entry.get("good"):
            raise JudgementError(f"{where}: needs a `good` pattern")
        for key in ("good", "fair", "not", "attr", "absent"):
            try:
                re.compile(entry.get(key) or "")
            except re.error as error:
                raise JudgementError(f"{where}: {key} is not a regular expression: {error}") from error
        judged.append(Judged(q=entry["q"], kind=entry["kind"], good=entry.get("good", ""), fair=entry.get("fair", ""),
                             not_=entry.get("not", ""), attr=entry.get("attr", ""), sort=entry.get("sort", ""),
                             max_price=entry.get("max_price"), min_price=entry.get("min_price"),
                             types=int(entry.get("types", 0)), absent=entry.get("absent", "")))
    return judged


def product_texts(catalog: pd.DataFrame) -> pd.Series:
    return (catalog["category"].fillna("") + " | " + catalog["title"].fillna("") + " | "
            + catalog["description"].fillna("")).str.lower()


def _matches(texts: pd.Series, pattern: str) -> np.ndarray:
    if not pattern:
        return np.zeros(len(texts), dtype=bool)
    with warnings.catch_warnings():   # pandas warns about groups in a pattern; only the match is wanted
        warnings.simplefilter("ignore", UserWarning)
        return texts.str.contains(pattern, regex=True).to_numpy()


def grades(judged: Judged, texts: pd.Series) -> np.ndarray:
    """0, 1 or 2 for every catalog product."""
    g = np.where(_matches(texts, judged.good), 2, np.where(_matches(texts, judged.fair), 1, 0))
    return np.where(_matches(texts, judged.not_), 0, g)


def ndcg_at(shown_grades: Sequence[int], all_grades: np.ndarray, k: int = K) -> float | None:
    """Graded NDCG (gain 2^g - 1) of what was shown against the best the catalog allows; None when
    nothing in the catalog is relevant."""
    ideal = np.sort(all_grades)[::-1][:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    if idcg == 0:
        return None
    return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(shown_grades[:k])) / idcg


@dataclass(frozen=True)
class Answer:
    """What a search answered: the rows shown (best first) and what it said about the query."""
    rows: list[int]
    said_not_here: bool
    unchecked: tuple[str, ...] = ()    # words the answer said it did not apply (unchecked or unmet)
    sort: str | None = None


@dataclass
class Outcome:
    judged: Judged
    ndcg: float | None
    honoured: bool | None          # None when the query has nothing to honour
    types: int                     # product types among the first five
    said_not_here: bool
    shown: list[str] = field(default_factory=list)
    # The answer named, as a word it could not apply, what the shop lacks ("I can't check gluten
    # free" for "gluten free flour"): honest, as issue 17 asks of an attribute the catalog cannot tell.
    declared_absent: bool = False


def judge(judged: Judged, answer: Answer, catalog: pd.DataFrame, texts: pd.Series) -> Outcome:
    top = answer.rows[:K]
    all_grades = grades(judged, texts)
    shown_texts = texts.iloc[top] if top else texts.iloc[[]]
    prices = catalog["price"].to_numpy()[top] if top else np.array([])
    honoured = None
    if judged.attr:
        declared = any(re.search(judged.attr, u, re.I) for u in answer.unchecked)
        honoured = declared or (bool(top) and bool(_matches(shown_texts, judged.attr).all()))
    elif judged.sort:
        honoured = answer.sort == judged.sort
    elif judged.max_price is not None or judged.min_price is not None:
        honoured = bool(top) and bool(((prices <= (judged.max_price if judged.max_price is not None else np.inf))
                                       & (prices >= (judged.min_price or 0))).all())
    elif judged.not_:
        honoured = bool(top) and not bool(_matches(shown_texts, judged.not_).any())
    return Outcome(judged=judged, ndcg=None if judged.absent else ndcg_at(all_grades[top].tolist(), all_grades),
                   honoured=honoured, types=int(catalog["category"].iloc[top].nunique()) if top else 0,
                   said_not_here=answer.said_not_here, shown=catalog["title"].iloc[top].tolist(),
                   declared_absent=bool(judged.absent) and any(re.search(judged.absent, u, re.I)
                                                               for u in answer.unchecked))


def absent_but_present(judged: Sequence[Judged], texts: pd.Series) -> list[str]:
    """Queries marked absent whose pattern some product does match: the judgement is wrong."""
    return [j.q for j in judged if j.absent and _matches(texts, j.absent).any()]


def _mean(values: Sequence[float]) -> float | None:
    return float(np.mean(values)) if values else None


def summarise(outcomes: Sequence[Outcome]) -> dict:
    """Per kind: NDCG@5, share honoured, product types in the first five; overall the "not here"
    answers' precision and recall on absent queries and false rate on present ones, and the share of
    absent queries answered honestly ("not here", or what is lacking named as not applied)."""
    kinds = {}
    for kind in KINDS:
        mine = [o for o in outcomes if o.judged.kind == kind]
        if not mine:
            continue
        honour = [o.honoured for o in mine if o.honoured is not None]
        kinds[kind] = {
            "queries": len(mine),
            "ndcg@5": _mean([o.ndcg for o in mine if o.ndcg is not None]),
            "honoured": _mean([float(h) for h in honour]),
            "types@5": _mean([float(o.types) for o in mine]) if kind == "need" else None,
            "needs_with_enough_types": _mean([float(o.types >= o.judged.types) for o in mine]) if kind == "need"
            else None,
        }
    absent = [o for o in outcomes if o.judged.absent]
    present = [o for o in outcomes if not o.judged.absent]
    said = [o for o in outcomes if o.said_not_here]
    return {
        "kinds": kinds,
        "ndcg@5": _mean([o.ndcg for o in present if o.ndcg is not None]),
        "not_here_recall": _mean([float(o.said_not_here) for o in absent]),
        "absent_answered_honestly": _mean([float(o.said_not_here or o.declared_absent) for o in absent]),
        "not_here_precision": _mean([float(bool(o.judged.absent)) for o in said]),
        "false_not_here": _mean([float(o.said_not_here) for o in present]),
        "honoured": _mean([float(o.honoured) for o in outcomes if o.honoured is not None]),
    }
