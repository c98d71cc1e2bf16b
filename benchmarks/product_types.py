"""`make bench-types`: product types inferred from embeddings, against the types the data gives.

A shop whose export has no category column gets its product types from `recommender.product_types`
(k-means over the product embeddings, clusters named by their most telling word). Here two real
catalogs that do have types are stripped of them and the inference is scored against the truth:

- agreement with the real types: homogeneity (a type holds one real type), completeness (a real
  type stays in one type), V-measure, and how many types each side has;
- what it changes for shoppers: the build's completion check (HitRate@10 of a hidden item, same
  baskets, same models) with the real types, the inferred ones, and none (no damping of
  substitutes), and how many of the first five suggestions share a *real* type with the cart.

Catalogs: Instacart's products in ../shared/data/instacart (aisles as the real type; its
PRODUCTS_PER_CLUSTER was chosen on this one) and the demo shop (Complete Journey, product types as
the real type, from models/recommender: run `make build` first). The demo's titles are its
type labels plus a size, so agreement there is an upper bound; Instacart's are real product names.

    python -m benchmarks.product_types

Prints a table and writes results/bench/product_types.json. About 2 minutes on 2 cores.
"""
from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import homogeneity_completeness_v_measure

from benchmarks.table import machine, publish
from recommender import artefacts
from recommender.config import load_settings
from recommender.embeddings import Encoder
from recommender.evaluation.completion import completion_cases, evaluate_weights, fit_models, served_model, time_split
from recommender.importers import load_dataset
from recommender.importers.instacart import load_instacart
from recommender.product_types import infer_product_types
from recommender.vector_index import build_index, neighbour_table

ROOT = Path(__file__).resolve().parent.parent
INSTACART = ROOT.parent / "shared" / "data" / "instacart"
OUT = ROOT / "results" / "bench" / "product_types.json"


@dataclasses.dataclass
class Shop:
    name: str
    titles: list[str]
    truth: np.ndarray             # the real type of each product
    embeddings: np.ndarray
    lines: pd.DataFrame           # basket lines: basket_id, user_id, product_id, timestamp
    neighbours: tuple[np.ndarray, np.ndarray]
    ids: list[str]


def instacart_shop(neighbours: int) -> Shop:
    histories = load_instacart(INSTACART)
    items = histories.items[histories.items["id"].isin(set(histories.orders["product_id"]))].reset_index(drop=True)
    embeddings = Encoder().encode(items["title"].tolist(), progress=True)
    table = neighbour_table(build_index(embeddings, load_settings().index), embeddings, neighbours)
    orders = histories.orders
    lines = pd.DataFrame({"basket_id": orders["basket_id"], "user_id": orders["user_id"],
                          "product_id": orders["product_id"], "timestamp": pd.NaT, "quantity": 1})
    return Shop("Instacart (aisles)", items["title"].tolist(), items["category"].to_numpy(), embeddings,
                lines, table, items["id"].tolist())


def demo_shop() -> Shop:
    settings = load_settings()
    catalog = pd.read_parquet(settings.models_dir / artefacts.CATALOG)
    scores = np.load(settings.models_dir / artefacts.NEIGHBOURS["scores"])
    rows = np.load(settings.models_dir / artefacts.NEIGHBOURS["rows"])
    lines = load_dataset(settings).interactions
    return Shop("Complete Journey (product types)", catalog["title"].tolist(), catalog["category"].to_numpy(),
                np.load(settings.models_dir / artefacts.EMBEDDINGS), lines, (scores, rows), catalog["id"].tolist())


def measure(shop: Shop, max_cases: int = 1000) -> list[dict]:
    settings = load_settings()
    started = time.perf_counter()
    inferred = infer_product_types(shop.titles, shop.embeddings, settings.attributes)
    seconds = time.perf_counter() - started
    homogeneity, completeness, v = homogeneity_completeness_v_measure(shop.truth, inferred.names)
    position = {pid: i for i, pid in enumerate(shop.ids)}
    lines = shop.lines[shop.lines["product_id"].isin(position)]
    fit, holdout = time_split(lines, holdout_share=0.1)
    cases = completion_cases(holdout, position, max_cases, seed=0)
    models = fit_models(fit, position, settings, None, served_model(settings, None))
    truth = np.asarray(shop.truth, dtype=object)
    rows = []
    for label, types in (("real types", truth), ("inferred", np.asarray(inferred.names, dtype=object)),
                         ("none", np.full(len(truth), "", dtype=object))):
        # substitutes shown are judged by the real types, whatever types the blend was given
        result = evaluate_weights(cases, models, shop.neighbours, types, [settings.blend], 10, judged_by=truth)[0]
        rows.append({"catalog": shop.name, "types given": label, "products": len(truth),
                     "types": len(set(types)) if label != "none" else 0,
                     "homogeneity": round(homogeneity, 3) if label == "inferred" else None,
                     "completeness": round(completeness, 3) if label == "inferred" else None,
                     "v_measure": round(v, 3) if label == "inferred" else None,
                     "hit_rate": result.hit_rate, "cases": result.baskets,
                     "same_real_type_first5": result.same_type_top5,
                     "infer_s": round(seconds, 1) if label == "inferred" else None})
    return rows


def main() -> None:
    settings = load_settings()
    rows = []
    if INSTACART.exists():
        rows += measure(instacart_shop(settings.index.neighbours))
    else:
        print(f"{INSTACART} not found: Instacart left out")
    if (settings.models_dir / artefacts.MANIFEST).exists() and settings.source == "completejourney":
        rows += measure(demo_shop())
    else:
        print("no demo build in models/recommender (run make build): Complete Journey left out")
    cell = lambda key, fmt="{}": (lambda r: "" if r[key] is None else fmt.format(r[key]))
    publish("Product types inferred from embeddings vs the data's own (" + machine() + ")", {
        "catalog": cell("catalog"), "types given to the blend": cell("types given"),
        "products": cell("products", "{:,}"),
        "types": cell("types", "{:,}"), "homogeneity": cell("homogeneity"), "completeness": cell("completeness"),
        "V": cell("v_measure"), "HitRate@10": cell("hit_rate", "{:.3f}"),
        "same real type in first 5": cell("same_real_type_first5", "{:.1%}"), "cases": cell("cases"),
        "infer s": cell("infer_s"),
    }, rows, OUT, machine=machine())


if __name__ == "__main__":
    main()
