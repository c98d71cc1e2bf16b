"""Offline quality: basket completion on held-out baskets (what "complete your cart" does).

Baskets are split by time; the co-purchase model is fitted on the earlier ones only. For each
held-out basket with at least two items, one item is hidden and the rest is the cart; a method
scores a hit when the hidden item is in its top k. Reported for the blend and each component
alone (same code path, other weights), so the manifest shows whether the blend earns its place;
and for signed-in shoppers, whose own history joins the blend with a share tuned here.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .. import cooccurrence
from ..blend import (
    Candidates,
    candidates_for,
    content_scores,
    cooccurrence_scores,
    personal_scores,
    ranked,
    served_blend,
)
from ..config import BlendWeights, Settings
from ..history import ShopperHistories
from ..rows import CsrRows
from .harness import DECAYS, VALIDATION_HOLDOUTS, tune_decay
from .splits import ranked_lines, shopper_histories


@dataclass(frozen=True)
class Completion:
    hit_rate: float
    mrr: float
    baskets: int
    same_type_top5: float = 0.0   # share of the first five suggestions of a category already in the cart
    by_cart_size: dict[str, dict] = field(default_factory=dict)   # "1-5" / "6-15" / "16+": hit rate, baskets


CART_SIZES = ((1, 5, "1-5"), (6, 15, "6-15"), (16, 10**9, "16+"))
PERSONAL_SHARES = tuple(round(0.1 * i, 1) for i in range(10))   # the history's share of a signed-in blend
COLLABORATIVE_SHARES = (0.0, 0.1, 0.2, 0.3, 0.4)   # ... and what goes with it (tried with each history share)
GRID_STEP = 0.1   # the guest blend's weights are tried in these steps (66 sets)
VALIDATION_FOLDS = 2   # ... on each of the latest two tenths of the fitting baskets, pooled


def by_cart_size(sizes: list[int], hit: list[bool]) -> dict[str, dict]:
    """Hit rate per cart size: summed co-purchase scores could drift to best sellers on big carts."""
    out = {}
    for low, high, name in CART_SIZES:
        mine = [h for n, h in zip(sizes, hit) if low <= n <= high]
        if mine:
            out[name] = {"hit_rate": round(sum(mine) / len(mine), 4), "baskets": len(mine)}
    return out


def time_split(interactions: pd.DataFrame, holdout_share: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Earlier baskets for fitting, the latest `holdout_share` of baskets for evaluation."""
    first_seen = interactions.groupby("basket_id")["timestamp"].min().sort_values(kind="stable")
    cut = int(len(first_seen) * (1 - holdout_share))
    held = set(first_seen.index[cut:])
    mask = interactions["basket_id"].isin(held)
    return interactions[~mask], interactions[mask]


@dataclass(frozen=True)
class Case:
    cart: list[int]
    hidden: int
    shopper: str        # whose basket it was ("" when the data does not say)


@dataclass
class Models:
    """What the service loads, fitted on one part of the baskets."""
    similarity: CsrRows
    popularity: np.ndarray
    histories: ShopperHistories | None    # None: the data names no shoppers


def fit_models(lines: pd.DataFrame, position: dict[str, int], settings: Settings, decay: float | None,
               model: str, table: CsrRows | None = None) -> Models:
    """`model`: the co-purchase table's (cooccurrence.fit_table); `table`: that table already fitted
    on these lines (an EASE fit costs seconds)."""
    baskets = cooccurrence.basket_matrix(lines, position)
    co = cooccurrence.co_counts(baskets)
    similarity = table if table is not None else CsrRows.of(cooccurrence.fit_table(co, settings.copurchase, model))
    ranked = ranked_lines(lines, position) if decay is not None else None
    histories = shopper_histories(ranked, position, decay) if ranked is not None else None
    return Models(similarity, cooccurrence.popularity(co, baskets.shape[0]), histories)


def completion_cases(holdout: pd.DataFrame, position: dict[str, int], max_cases: int, seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases = []
    shoppers = holdout["user_id"].fillna("").astype(str) if "user_id" in holdout else pd.Series("", holdout.index)
    for _, items in holdout.groupby("basket_id", sort=False)["product_id"]:
        rows = list(dict.fromkeys(position[i] for i in items))
        if len(rows) >= 2:
            hidden = rows.pop(int(rng.integers(len(rows))))
            cases.append(Case(rows, hidden, shoppers[items.index[0]]))
    if len(cases) > max_cases:
        cases = [cases[i] for i in sorted(rng.choice(len(cases), max_cases, replace=False))]
    return cases


def evaluate_completion(cases: list[Case], models: Models, neighbours: tuple[np.ndarray, np.ndarray],
                        categories: np.ndarray, weights: BlendWeights, k: int) -> Completion:
    """`neighbours`: the build's content neighbour table (scores, rows), as the service reads it.
    A case's shopper history counts when the weights give it a share, as for a signed-in shopper."""
    return evaluate_weights(cases, models, neighbours, categories, [weights], k)[0]


def evaluate_weights(cases: list[Case], models: Models, neighbours: tuple[np.ndarray, np.ndarray],
                     categories: np.ndarray, weight_sets: list[BlendWeights], k: int,
                     judged_by: np.ndarray | None = None) -> list[Completion]:
    """evaluate_completion for several weight sets: each cart's candidates are scored once (per
    use of the shopper's history) and ranked under every set, by the service's own `blend.ranked`.
    `judged_by`: the types the same-type share is counted in, when not those the blend was given
    (inferred types judged by the real ones)."""
    available = np.ones(len(models.popularity), dtype=bool)
    tallies = [_Tally() for _ in weight_sets]
    for case in cases:
        cart = case.cart
        content = content_scores(cart, neighbours[0][cart], neighbours[1][cart])
        cooc = cooccurrence_scores(cart, models.similarity)
        scored: dict[tuple[bool, bool], Candidates | None] = {}
        for weights, tally in zip(weight_sets, tallies):
            use = (weights.personal, bool(weights.collaborative))   # all of the weights that personal_scores reads
            if use not in scored:
                own = models.histories.row(case.shopper) if weights.personal and models.histories is not None else None
                scored[use] = candidates_for(cart, cooc, content, models.popularity, available, k, categories,
                                             *personal_scores(own[:2] if own else None, models.similarity, weights))
            found = scored[use]
            # The service's ranking without the reasons it words for a shopper (a grid ranks each cart 134 times).
            tally.add(case, found.rows[ranked(found, weights, k)[0]].tolist() if found is not None else [],
                      categories if judged_by is None else judged_by)
    return [tally.result() for tally in tallies]


@dataclass
class _Tally:
    hits: int = 0
    reciprocal: float = 0.0
    same: int = 0
    shown: int = 0
    sizes: list[int] = field(default_factory=list)
    hit_each: list[bool] = field(default_factory=list)

    def add(self, case: Case, positions: list[int], categories: np.ndarray) -> None:
        hit = case.hidden in positions
        self.hit_each.append(hit)
        self.sizes.append(len(case.cart))
        if hit:
            self.hits += 1
            self.reciprocal += 1.0 / (positions.index(case.hidden) + 1)
        first = positions[:5]
        self.same += int(np.isin(categories[first], categories[case.cart]).sum())
        self.shown += len(first)

    def result(self) -> Completion:
        n = max(len(self.sizes), 1)
        return Completion(round(self.hits / n, 4), round(self.reciprocal / n, 4), len(self.sizes),
                          round(self.same / max(self.shown, 1), 4), by_cart_size(self.sizes, self.hit_each))


def personal_weights(guest: BlendWeights, share: float, collaborative: float = 0.0) -> BlendWeights:
    """The guest blend scaled down to make room for the shopper's own history at `share` and for
    what goes with it at `collaborative`."""
    rest = 1 - share - collaborative
    return replace(guest, cooccurrence=round(guest.cooccurrence * rest, 4), content=round(guest.content * rest, 4),
                   popularity=round(guest.popularity * rest, 4), buy_again=share, collaborative=collaborative)


def personal_grid() -> list[tuple[float, float]]:
    """(history share, collaborative share) pairs that leave the guest blend some weight."""
    return [(h, c) for h in PERSONAL_SHARES for c in COLLABORATIVE_SHARES if h + c < 1 - 1e-9]


def choose_decay(ranked: pd.DataFrame | None, position: dict[str, int]) -> tuple[float | None, dict[float, float]]:
    """Buy-again's decay by next-basket Recall@10 on each shopper's latest three baskets (the
    evaluation's rule, whose test basket is one further back); None when no shopper has two.
    `ranked`: `splits.ranked_lines` of the baskets to learn from."""
    if ranked is None or ranked["back"].max() < 1:
        return None, {}
    latest = tuple(h - 1 for h in VALIDATION_HOLDOUTS)    # (1, 2, 3): nothing here is a test basket
    holdouts = tuple(h for h in latest if h <= ranked["back"].max())
    decay, found = tune_decay(ranked, position, DECAYS, holdouts)
    found = {d: v for d, v in found.items() if v == v}    # NaN: no shopper had that basket
    return (decay if found else None), found


def tune_personal(fit: pd.DataFrame, latest: tuple[pd.DataFrame, pd.DataFrame], position: dict[str, int],
                  neighbours: tuple[np.ndarray, np.ndarray], categories: np.ndarray, settings: Settings,
                  guest: BlendWeights, model: str, k: int, max_cases: int, table: CsrRows | None = None) -> dict | None:
    """The shares of the blend the shopper's history and what goes with it get (on top of the
    `guest` blend), chosen together on the latest tenth of the fitting baskets (`latest`: the lines
    before it, and it; never the held-out ones), with the decay chosen on the same fitting baskets.
    `table`: the co-purchase table already fitted on the lines before it."""
    decay, by_decay = choose_decay(ranked_lines(fit, position), position)
    if decay is None:
        return None
    inner_fit, validation = latest
    models = fit_models(inner_fit, position, settings, decay, model, table)
    cases = [c for c in completion_cases(validation, position, max_cases, seed=1)
             if models.histories is not None and c.shopper in models.histories]
    if not cases:
        return None
    grid = personal_grid()
    found = dict(zip(grid, evaluate_weights(cases, models, neighbours, categories,
                                            [personal_weights(guest, h, c) for h, c in grid], k)))
    # Best HitRate@k; a tie (a small shop's top k holds most of it) goes to the better MRR, then the
    # smaller collaborative share (it costs a look-up per usual), then the smaller history share.
    share, collaborative = max(found, key=lambda hc: (found[hc].hit_rate, found[hc].mrr, -hc[1], -hc[0]))
    by_history = {h: found[h, 0.0] for h in PERSONAL_SHARES}
    return {"decay": decay, "buy_again_share": share, "collaborative_share": collaborative,
            "validation_cases": len(cases),
            "validation_hit_rate_by_share": {h: c.hit_rate for h, c in by_history.items()},
            "validation_mrr_by_share": {h: c.mrr for h, c in by_history.items()},
            # Each collaborative share at its best history share: whether it helps at all.
            "validation_best_hit_rate_by_collaborative_share": {
                c: max(r.hit_rate for (_, c2), r in found.items() if c2 == c) for c in COLLABORATIVE_SHARES},
            "validation_recall_by_decay": by_decay}


def weight_grid(step: float = GRID_STEP) -> list[tuple[float, float, float]]:
    """Every (co-purchase, content, popularity) share in steps of `step` that sums to 1: the single
    components are its corners, so on the validation baskets the tuned blend is never worse than
    the best of them."""
    n = round(1 / step)
    return [(round(a * step, 4), round(b * step, 4), round((n - a - b) * step, 4))
            for a in range(n + 1) for b in range(n + 1 - a)]


def validation_folds(fit: pd.DataFrame, folds: int) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """(fit on, validate on) for the latest `folds` tenths of the fitting baskets, latest first:
    each validates on one tenth with only the baskets before it fitted."""
    out, rest = [], fit
    for j in range(folds):
        rest, validation = time_split(rest, holdout_share=0.1 / (1 - 0.1 * j))
        out.append((rest, validation))
    return out


def tune_blend(folds: list[tuple[pd.DataFrame, pd.DataFrame]], position: dict[str, int],
               neighbours: tuple[np.ndarray, np.ndarray], categories: np.ndarray, settings: Settings, k: int,
               max_cases: int, tables: dict[tuple[int, str], CsrRows]) -> dict | None:
    """The guest blend's three weights and the co-purchase model (cosine or EASE, when
    cooccurrence.model is auto), chosen together on validation folds of the fitting baskets (the
    held-out ones are measured once, afterwards). Damping substitutes is a choice about what to
    show, not a weight to tune for hit rate, so same_category_factor and complements_first stay as
    configured. Best HitRate@k pooled over the folds; ties go to the better MRR, then to the first
    model, then to the weights nearest the configured ones. The configured weights with the first
    model stay unless a mix beats them. None when there are no validation baskets. `folds`:
    `validation_folds`; the tables fitted on them are left in `tables` by (fold, model)."""
    default = settings.blend
    grid = weight_grid()
    weight_sets = [default, *(replace(default, cooccurrence=a, content=b, popularity=c) for a, b, c in grid)]
    models = settings.copurchase.candidates(tune=True)
    hits, reciprocal = np.zeros((len(models), len(weight_sets))), np.zeros((len(models), len(weight_sets)))
    cases = 0
    for fold, (before, validation) in enumerate(folds):
        fold_cases = completion_cases(validation, position, max_cases, seed=1 + fold)
        if not fold_cases:
            continue
        for m, model in enumerate(models):
            fitted = fit_models(before, position, settings, None, model)
            tables[fold, model] = fitted.similarity
            found = evaluate_weights(fold_cases, fitted, neighbours, categories, weight_sets, k)
            hits[m] += [r.hit_rate * r.baskets for r in found]
            reciprocal[m] += [r.mrr * r.baskets for r in found]
        cases += len(fold_cases)
    if not cases:
        return None
    hit_rate, mrr = hits / cases, reciprocal / cases
    distance = [0.0] + [abs(a - default.cooccurrence) + abs(b - default.content) + abs(c - default.popularity)
                        for a, b, c in grid]
    tried = [(m, i) for m in range(len(models)) for i in range(len(weight_sets)) if (m, i) != (0, 0)]
    best = max(tried, key=lambda mi: (hit_rate[mi], mrr[mi], -mi[0], -distance[mi[1]]), default=(0, 0))
    if hit_rate[best] <= hit_rate[0, 0]:
        best = (0, 0)   # the configured weights stay unless a mix beats them on validation
    pick = lambda values, at: round(float(values[at]), 4)
    chosen = weight_sets[best[1]]
    return {"weights": {f: getattr(chosen, f) for f in ("cooccurrence", "content", "popularity")},
            "model": models[best[0]], "models_tried": list(models),
            "configured": {f: getattr(default, f) for f in ("cooccurrence", "content", "popularity")},
            "validation_cases": cases, "validation_folds": VALIDATION_FOLDS, "grid_step": GRID_STEP,
            "weight_sets_tried": len(grid) * len(models),
            "validation_hit_rate": {"configured": pick(hit_rate, (0, 0)), "tuned": pick(hit_rate, best),
                                    "best_by_model": {model: pick(hit_rate[m], int(np.argmax(hit_rate[m])))
                                                      for m, model in enumerate(models)}},
            "validation_mrr": {"configured": pick(mrr, (0, 0)), "tuned": pick(mrr, best)}}


def served_model(settings: Settings, tuned: dict | None) -> str:
    """The co-purchase model the service's table is fitted with: the tuned one, else the
    configured one (auto without tuning: the first, cosine)."""
    return tuned["model"] if tuned else settings.copurchase.candidates(tune=False)[0]


def build_metrics(interactions: pd.DataFrame, position: dict[str, int], neighbours: tuple[np.ndarray, np.ndarray],
                  categories: np.ndarray, settings: Settings, k: int = 10, max_cases: int = 1000) -> dict:
    fit, holdout = time_split(interactions, holdout_share=0.1)
    cases = completion_cases(holdout, position, max_cases, seed=0)
    protocol = f"basket completion, hide 1 item, latest 10% of baskets by time, top {k}"
    if not cases:   # a new shop: zeros would read as a broken model, not as no data
        return {"protocol": protocol, "cases": 0, "methods": {}, "personal": None, "tuned": None,
                "not_measured": f"no held-out basket with two or more products ({len(interactions):,} basket "
                                "lines in all): completion quality is not measured until there are baskets"}
    folds, tables = validation_folds(fit, VALIDATION_FOLDS), {}
    blend_tuned = tune_blend(folds, position, neighbours, categories, settings, k, max_cases, tables) \
        if settings.tune_blend else None
    w, model = served_blend(settings.blend, blend_tuned), served_model(settings, blend_tuned)
    tuned = tune_personal(fit, folds[0], position, neighbours, categories, settings, w, model, k, max_cases,
                          tables.get((0, model)))
    models = fit_models(fit, position, settings, tuned["decay"] if tuned else None, model)
    # The configured blend goes with the first model's table: measured apart when another was chosen.
    same_table = not blend_tuned or blend_tuned["model"] == blend_tuned["models_tried"][0]
    methods = {
        "blend": w,
        **({"blend_configured": settings.blend} if blend_tuned and same_table else {}),
        "cooccurrence_only": replace(w, cooccurrence=1, content=0, popularity=0),
        "content_only": replace(w, cooccurrence=0, content=1, popularity=0),
        "popularity_only": BlendWeights(0, 0, 1, 1.0, complements_first=0),
    }
    results = dict(zip(methods, map(vars, evaluate_weights(cases, models, neighbours, categories,
                                                            list(methods.values()), k))))
    if not same_table:
        first = fit_models(fit, position, settings, None, blend_tuned["models_tried"][0])
        results["blend_configured"] = vars(evaluate_completion(cases, first, neighbours, categories,
                                                               settings.blend, k))
    return {"protocol": protocol, "cases": len(cases), "methods": results, "tuned": blend_tuned,
            "cooccurrence_model": model, "warning": component_warning(results),
            "personal": personal_check(cases, models, neighbours, categories, w, tuned, k)}


def component_warning(results: dict[str, dict]) -> str | None:
    """Said when one component alone beats the served blend on the check's held-out baskets."""
    beaten = {name: r["hit_rate"] for name, r in results.items()
              if name.endswith("_only") and r["hit_rate"] > results["blend"]["hit_rate"]}
    if not beaten:
        return None
    name = max(beaten, key=beaten.get)
    return (f"{name.removesuffix('_only')} alone beats the blend on the held-out baskets (HitRate@10 "
            f"{beaten[name]:.3f} vs {results['blend']['hit_rate']:.3f}): "
            + ("the tuned weights did not carry over from the validation baskets" if "blend_configured" in results
               else "set recommender.blend.tune: true (or run make tune) to choose the weights on this shop's baskets"))


def personal_check(cases: list[Case], models: Models, neighbours: tuple[np.ndarray, np.ndarray],
                   categories: np.ndarray, guest: BlendWeights, tuned: dict | None, k: int) -> dict | None:
    """Signed-in against guest on the held-out baskets of shoppers with a history before them."""
    if tuned is None or models.histories is None:
        return None
    known = [c for c in cases if c.shopper in models.histories]
    weights = personal_weights(guest, tuned["buy_again_share"], tuned["collaborative_share"])
    only_history = BlendWeights(0, 0, 0, 1.0, complements_first=0, buy_again=1)
    signed_in, as_guest, history_only = evaluate_weights(known, models, neighbours, categories,
                                                         [weights, guest, only_history], k)
    return {**tuned, "weights": {f: getattr(weights, f) for f in ("cooccurrence", "content", "popularity",
                                                                  "buy_again", "collaborative")},
            "cases": len(known), "signed_in": vars(signed_in), "guest": vars(as_guest),
            "buy_again_only": vars(history_only)}
