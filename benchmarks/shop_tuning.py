"""`make bench-tune`: a shop's own export imported, built and its blend tuned, as an owner would.

Instacart's order histories are written out as one order-lines export (recommender.importers.
instacart.write_order_lines: American dates, no category column, a stand-in price) and built through
the order-lines importer with nothing but cartwise.yml settings, so the import, the inferred product
types and the tuning all run as on a shop nobody here has seen. Beside it, the demo shop (Complete
Journey). For each: the blend with the weights the build chose on validation baskets, the
configured blend, and each component alone, all measured once on the held-out baskets (the latest
tenth). And the wall time of importing and building a 50,000-line export from an .xlsx workbook,
from nothing (every product embedded).

    python -m benchmarks.shop_tuning

Prints tables and writes results/bench/shop_tuning.json. About 7 minutes on 2 cores.
"""
from __future__ import annotations

import dataclasses
import shutil
import time
from pathlib import Path

from benchmarks.table import machine, publish
from recommender.build import build
from recommender.config import Settings, load_settings
from recommender.importers.instacart import ORDER_LINES_COLUMNS, ORDER_LINES_DATES, write_order_lines

ROOT = Path(__file__).resolve().parent.parent
INSTACART = ROOT.parent / "shared" / "data" / "instacart"
WORK = ROOT / "results" / "bench" / "shop_tuning"
OUT = ROOT / "results" / "bench" / "shop_tuning.json"
METHODS = {"blend": "blend (tuned)", "blend_configured": "blend (configured)",
           "cooccurrence_only": "co-purchase alone", "content_only": "content alone",
           "popularity_only": "popularity alone"}


def export_settings(base: Settings, export: Path, name: str) -> Settings:
    """What an owner writes in cartwise.yml for the export: the file, its headers, its date format."""
    return dataclasses.replace(base, source="generic", generic_catalog=None, generic_interactions=None,
                               generic_order_lines=export, generic_columns=ORDER_LINES_COLUMNS,
                               generic_timestamp_format=ORDER_LINES_DATES, models_dir=WORK / name / "models",
                               state_db=WORK / name / "recommender.db", tune_blend=True)


def quality_rows(shop: str, manifest: dict) -> list[dict]:
    metrics = manifest["metrics"]
    tuned = metrics["tuned"] or {}
    rows = []
    for method, label in METHODS.items():
        if method not in metrics["methods"]:
            continue
        weights = {"blend": tuned.get("weights"), "blend_configured": tuned.get("configured")}.get(method)
        validation = (tuned.get("validation_hit_rate") or {}).get({"blend": "tuned",
                                                                    "blend_configured": "configured"}.get(method))
        model = {"blend": tuned.get("model"), "blend_configured": (tuned.get("models_tried") or [""])[0],
                 "cooccurrence_only": metrics.get("cooccurrence_model")}.get(method, "")
        rows.append({"shop": shop, "method": label, "model": model or "", "weights": weights,
                     "validation_hit_rate": validation,
                     "hit_rate": metrics["methods"][method]["hit_rate"], "mrr": metrics["methods"][method]["mrr"],
                     "cases": metrics["cases"]})
    return rows


def timed_build(settings: Settings) -> tuple[dict, float]:
    shutil.rmtree(settings.models_dir, ignore_errors=True)
    started = time.perf_counter()
    manifest = build(settings, force=True)
    return manifest, time.perf_counter() - started


def main() -> None:
    base = load_settings()
    quality, timings = [], []
    if INSTACART.exists():
        export = write_order_lines(INSTACART, WORK / "instacart" / "orders.csv")
        manifest, seconds = timed_build(export_settings(base, export, "instacart"))
        quality += quality_rows("Instacart as an order-lines export", manifest)
        timings.append({"export": "Instacart, all 150,000 lines (.csv)", **_facts(manifest, seconds)})
        started = time.perf_counter()
        workbook = write_order_lines(INSTACART, WORK / "instacart-50k" / "orders.xlsx", lines=50_000)
        written = time.perf_counter() - started
        manifest, seconds = timed_build(export_settings(base, workbook, "instacart-50k"))
        timings.append({"export": f"Instacart, first 50,000 lines (.xlsx, written in {written:.0f} s)",
                        **_facts(manifest, seconds)})
    else:
        print(f"{INSTACART} not found: Instacart left out")
    if base.source == "completejourney":
        demo = build(dataclasses.replace(base, tune_blend=True))   # the demo build, if already made with tuning
        quality += quality_rows("Complete Journey (demo)", demo)
    fmt = lambda key, spec: (lambda r: "" if r.get(key) is None else format(r[key], spec))
    publish("Blend tuned on each shop's own baskets: chosen on validation baskets, measured on held-out ones ("
            + machine() + ")", {
                "shop": lambda r: r["shop"], "method": lambda r: r["method"], "co-purchase model": lambda r: r["model"],
                "weights (co-purchase, content, popularity)": lambda r: ", ".join(
                    f"{v:g}" for v in r["weights"].values()) if r["weights"] else "",
                "validation HitRate@10": fmt("validation_hit_rate", ".3f"),
                "held-out HitRate@10": fmt("hit_rate", ".3f"),
                "MRR": fmt("mrr", ".4f"), "cases": fmt("cases", "d")},
            quality, OUT, machine=machine(), timings=timings)
    publish("Import + build from nothing", {
        "export": lambda r: r["export"], "lines read": lambda r: f"{r['lines']:,}",
        "products": lambda r: f"{r['items']:,}",
        "baskets": lambda r: f"{r['baskets']:,}", "rejected": lambda r: f"{r['rejected']:,}",
        "product types": lambda r: f"{r['types']:,}", "wall time": lambda r: f"{r['seconds']:.0f} s",
        "of which embedding": lambda r: f"{r['embed_s']:.0f} s"}, timings, OUT.with_name("shop_build_time.json"),
        machine=machine())


def _facts(manifest: dict, seconds: float) -> dict:
    return {"lines": sum(manifest["import"]["rows_read"].get(t, 0) for t in ("order lines",)),
            "items": manifest["items"], "baskets": manifest["baskets"], "rejected": manifest["import"]["rejected"],
            "types": (manifest.get("product_types") or {}).get("types", 0), "seconds": round(seconds, 1),
            "embed_s": manifest["timings_s"]["embed_s"]}


if __name__ == "__main__":
    main()
