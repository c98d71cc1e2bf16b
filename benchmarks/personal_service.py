"""`make bench-personal`: signed-in shoppers through the service's HTTP API, beside the offline figures.

Two builds of the demo data (Complete Journey), each made without the baskets it is then asked
about, each served by the real service on loopback:

1. Held out by time: the latest 10 % of baskets (as the build check). For every held-out basket
   of a shopper with a history before it, one item is hidden and the rest is the cart;
   /complete-cart is asked with and without the shopper id (HitRate@10). Beside it, the offline
   figure for the same method: evaluation.completion over the same fitting baskets with the served
   build's weights and decay. The two share the scoring code, so they should agree to 0.005.
2. Each shopper's last basket held out (the evaluation's next-basket test): /buy-again for every
   shopper, Recall@10 against that basket, beside the evaluation's buy-again Recall@10 (decay tuned
   on its validation folds, then the test split).

    python -m benchmarks.personal_service [--max-cases 2000]

Prints a table and writes results/bench/personal_service.json. About 10 minutes on 2 cores.
"""
from __future__ import annotations

import argparse
import http.client
import json
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.http_load import start_service
from benchmarks.table import machine, publish
from recommender import artefacts
from recommender.blend import served_blend
from recommender.build import build
from recommender.config import load_settings
from recommender.evaluation import metrics
from recommender.evaluation.completion import completion_cases, evaluate_completion, fit_models, time_split
from recommender.evaluation.harness import DECAYS, VALIDATION_HOLDOUTS, tune_decay
from recommender.evaluation.splits import make_split, ranked_lines
from recommender.history import buy_again_lists
from recommender.importers import load_dataset
from tests.processes import free_port, stop

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "results" / "bench" / "personal_service.json"
HOLDOUT_SHARE = 0.1


def latest_tenth_held_out(lines: pd.DataFrame) -> pd.DataFrame:
    return time_split(lines, HOLDOUT_SHARE)[0]


def last_basket_held_out(lines: pd.DataFrame) -> pd.DataFrame:
    """Every shopper's baskets but their last (by time, as the evaluation's split orders them)."""
    ranked = ranked_lines(lines, dict.fromkeys(lines["product_id"].astype(str).unique(), 0))
    last = set(ranked.loc[ranked["back"] == 0, "basket_id"])
    return lines[~lines["basket_id"].astype(str).isin(last)]


class Client:
    """One kept-alive connection; each call's wall time is kept for the latency figures."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.seconds: dict[str, list[float]] = {}

    def post(self, path: str, body: dict) -> dict:
        t0 = time.perf_counter()
        self.connection.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        response = self.connection.getresponse()
        payload = json.loads(response.read())
        self.seconds.setdefault(path, []).append(time.perf_counter() - t0)
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}: {payload}")
        return payload


def held_out_build(settings, models: Path, hold_out) -> None:
    """A build without the held-out baskets, reusing the demo build's product vectors (same texts)."""
    models.mkdir(parents=True)
    for name in (artefacts.CATALOG, artefacts.EMBEDDINGS):
        if (settings.models_dir / name).exists():
            shutil.copy(settings.models_dir / name, models / name)
    build(replace(settings, models_dir=models), hold_out=hold_out)


def served(models: Path, folder: Path):
    folder.mkdir(parents=True)
    port = free_port()
    processes = start_service(models, folder, port, workers=1)
    return processes, Client(port)


def completion_by_time(settings, folder: Path, max_cases: int) -> dict:
    models = folder / "by-time"
    held_out_build(settings, models, latest_tenth_held_out)
    manifest = artefacts.read_manifest(models)
    art = artefacts.read(models, settings.index)
    ids = art.catalog["id"].astype(str).to_numpy()
    position = {pid: i for i, pid in enumerate(ids)}
    fit, holdout = time_split(load_dataset(settings).interactions, HOLDOUT_SHARE)
    personal = manifest["personal"]
    offline_models = fit_models(fit, position, settings, personal["decay"], manifest["metrics"]["cooccurrence_model"])
    cases = [c for c in completion_cases(holdout, position, max_cases, seed=0) if c.shopper in offline_models.histories]
    neighbours = (art.neighbour_scores[:], art.neighbour_rows[:])
    categories = art.catalog["category"].astype(str).to_numpy()
    weights = replace(settings.blend, **personal["weights"])
    guest = served_blend(settings.blend, manifest["metrics"]["tuned"])   # as the service loads it
    offline = {who: evaluate_completion(cases, offline_models, neighbours, categories, w, 10).hit_rate
               for who, w in (("guest", guest), ("signed_in", weights))}
    processes, client = served(models, folder / "svc-time")
    try:
        hits: dict[str, list[bool]] = {"guest": [], "signed_in": []}
        for case in cases:
            cart = [{"id": ids[r]} for r in case.cart]
            for who, shopper in (("guest", None), ("signed_in", case.shopper)):
                body = {"cart": cart, "k": 10, **({"shopper_id": shopper} if shopper else {})}
                answer = client.post("/complete-cart", body)
                hits[who].append(ids[case.hidden] in {item["id"] for item in answer["items"]})
    finally:
        stop(processes[0])
    latency = np.array(client.seconds["/complete-cart"]) * 1000
    tuning = manifest["metrics"]["personal"]
    return {"cases": len(cases), "weights": personal["weights"], "decay": personal["decay"],
            # what the build's validation baskets said of each collaborative share (at its best history share)
            "validation_by_collaborative_share": tuning["validation_best_hit_rate_by_collaborative_share"],
            "http": {who: round(float(np.mean(h)), 4) for who, h in hits.items()}, "offline": offline,
            "latency_ms": {"p50": round(float(np.percentile(latency, 50)), 2),
                           "p99": round(float(np.percentile(latency, 99)), 2)}}


def buy_again_next_basket(settings, folder: Path) -> dict:
    """The evaluation's next-basket test of buy-again, and the same shoppers asked over HTTP."""
    dataset = load_dataset(settings)
    catalog_ids = dataset.catalog["id"].astype(str).tolist()
    position = {pid: i for i, pid in enumerate(catalog_ids)}
    ranked = ranked_lines(dataset.interactions, position)
    decay, _ = tune_decay(ranked, position, DECAYS, VALIDATION_HOLDOUTS)
    split = make_split(ranked, position, holdout=1, decay=decay)
    evaluation = metrics.mean([metrics.recall(r, t, 10) for r, t in
                               zip(buy_again_lists(split.history, 10), split.targets)])
    models = folder / "by-shopper"
    held_out_build(settings, models, last_basket_held_out)
    served_decay = artefacts.read_manifest(models)["personal"]["decay"]
    processes, client = served(models, folder / "svc-shopper")
    try:
        recalls = []
        for shopper, target in zip(split.users, split.targets):
            answer = client.post("/buy-again", {"shopper_id": shopper, "k": 10})
            listed = [position[item["id"]] for item in answer["items"]]
            recalls.append(metrics.recall(listed, target, 10))
    finally:
        stop(processes[0])
    latency = np.array(client.seconds["/buy-again"]) * 1000
    return {"shoppers": len(split.users), "evaluation_decay": decay, "served_decay": served_decay,
            "http": round(metrics.mean(recalls), 4), "evaluation": round(evaluation, 4),
            "latency_ms": {"p50": round(float(np.percentile(latency, 50)), 2),
                           "p99": round(float(np.percentile(latency, 99)), 2)}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-cases", type=int, default=2000, help="held-out baskets asked about (sampled)")
    parser.add_argument("--shop", choices=["completejourney", "instacart"], default="completejourney",
                        help="instacart: its histories written as a shop's order-lines export (make bench-tune's)")
    args = parser.parse_args()
    settings, shop_name, out = load_settings(), "Complete Journey", OUT
    if args.shop == "instacart":
        from benchmarks.shop_tuning import INSTACART, WORK, export_settings
        from recommender.importers.instacart import write_order_lines
        settings = export_settings(settings, write_order_lines(INSTACART, WORK / "instacart" / "orders.csv"),
                                   "instacart")
        shop_name, out = "Instacart as an order-lines export", OUT.with_name("personal_service_instacart.json")
        build(settings)   # the full build whose product vectors the held-out builds reuse
    elif settings.source != "completejourney":
        raise SystemExit("this benchmark measures the demo data (recommender.source: completejourney)")
    folder = Path(tempfile.mkdtemp(prefix="bench-personal-"))
    try:
        completion = completion_by_time(settings, folder, args.max_cases)
        again = buy_again_next_basket(settings, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    h, o = completion["http"], completion["offline"]
    rows = [
        {"measure": "complete-the-cart HitRate@10, latest 10 % of baskets held out", "guest": h["guest"],
         "signed_in": h["signed_in"], "ratio": round(h["signed_in"] / h["guest"], 2) if h["guest"] else None,
         "offline": o["signed_in"], "gap": round(abs(h["signed_in"] - o["signed_in"]), 4),
         "cases": completion["cases"], "p50_ms": completion["latency_ms"]["p50"],
         "p99_ms": completion["latency_ms"]["p99"]},
        {"measure": "buy it again Recall@10, each shopper's last basket held out", "guest": None,
         "signed_in": again["http"], "ratio": None, "offline": again["evaluation"],
         "gap": round(abs(again["http"] - again["evaluation"]), 4), "cases": again["shoppers"],
         "p50_ms": again["latency_ms"]["p50"], "p99_ms": again["latency_ms"]["p99"]},
    ]
    cell = lambda key: lambda r: "" if r[key] is None else f"{r[key]}"
    publish(f"Signed-in shoppers through the service's HTTP API, {shop_name} ({machine()})",
            {"measure": cell("measure"), "guest (HTTP)": cell("guest"), "signed in (HTTP)": cell("signed_in"),
             "signed in / guest": cell("ratio"), "offline, same method": cell("offline"),
             "|HTTP - offline|": cell("gap"), "cases": cell("cases"), "p50 ms": cell("p50_ms"),
             "p99 ms": cell("p99_ms")},
            rows, out, machine=machine(), completion=completion, buy_again=again)
    print("validation HitRate@10 by collaborative share (each at its best history share; the build chose "
          f"{completion['weights']['collaborative']}): {completion['validation_by_collaborative_share']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
