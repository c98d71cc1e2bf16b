"""The one-machine build at scale (`make bench-build`): wall time and peak memory per stage.

    .venv-rec/bin/python -m benchmarks.build_scale --scale 100000:1000000 --scale 100000:10000000

Each `--scale PRODUCTS:LINES` is a generic shop made from real data, Instacart's 49,688 products and
150,000 order lines (../shared/data/instacart): the catalog is copied until it has at least PRODUCTS
products (each copy's texts made distinct, "... (range 2)", so every one is embedded), and the
orders are copied with new basket and shopper ids (keeping their times, `order_times`), each copy
buying from one catalog copy, until there are LINES basket lines, written to files of about
`--lines-per-file` lines (whole copies, shuffled within the file). The build runs in a
process of its own (`python -m recommender.build`, as `make build` runs it) on files written
beforehand, so its memory is the build's alone (with `--engine dask`, its local cluster's workers
included); its manifest gives each stage's wall time and peak resident memory. Then one day's new
baskets (1 % of the lines: baskets of the same shoppers with new ids, a day after the last) are
added as a new file, and the incremental build that folds them in is timed against a full rebuild
of the same lines that reuses the product vectors. Prints a table;
writes results/benchmarks/build_scale.json.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from tqdm import tqdm

from benchmarks.table import machine, publish
from recommender.importers.instacart import order_times

ROOT = Path(__file__).resolve().parent.parent
INSTACART = ROOT.parent / "shared" / "data" / "instacart"
STAGES = ("import", "encoder", "embed", "types", "index", "neighbours", "evaluate", "cooccurrence", "histories")


def scaled_shop(products: int, lines: int, out: Path, lines_per_file: int = 1_000_000,
                seed: int = 0) -> tuple[Path, Path, dict]:
    """Write the catalog and basket lines of a shop of (at least) this size; returns the catalog's
    path, the lines' folder and what was made. The lines go into files of about `lines_per_file`
    (whole copies of the orders, shuffled within the file, as a shop's daily exports would be), so
    that neither this nor the build has to hold all of them in one frame."""
    items = pd.read_csv(INSTACART / "products.csv")
    aisles = pd.read_csv(INSTACART / "aisles.csv").set_index("aisle_id")["aisle"]
    departments = pd.read_csv(INSTACART / "departments.csv").set_index("department_id")["department"]
    orders = pd.read_csv(INSTACART / "order_lines_593_users.csv")
    when = orders["order_id"].map(order_times(orders)).dt.strftime("%Y-%m-%dT%H:%M:%S")
    copies = math.ceil(products / len(items))
    base = pd.DataFrame({"id": items["product_id"].astype(str), "title": items["product_name"].astype(str),
                         "category": items["aisle_id"].map(aisles).astype(str),
                         "description": items["department_id"].map(departments).astype(str), "price": 1.0})
    catalog = pd.concat([base.assign(id=base["id"] + f"-{c}",
                                     title=base["title"] + ("" if c == 0 else f" (range {c + 1})"))
                         for c in range(copies)], ignore_index=True)
    out.mkdir(parents=True, exist_ok=True)
    catalog_file, lines_folder = out / "catalog.parquet", out / "orders"
    lines_folder.mkdir(exist_ok=True)
    catalog.to_parquet(catalog_file, index=False)

    def copy(r: int) -> pd.DataFrame:
        """The orders again with new basket and shopper ids, buying from catalog copy r % copies."""
        return pd.DataFrame({"basket_id": orders["order_id"].astype(str) + f"-{r}",
                             "user_id": orders["user_id"].astype(str) + f"-{r}",
                             "product_id": orders["product_id"].astype(str) + f"-{r % copies}",
                             "timestamp": when})

    rng = np.random.default_rng(seed)
    copies_of_orders = math.ceil(lines / len(orders))
    per_file = max(1, round(lines_per_file / len(orders)))
    rounds = np.array_split(rng.permutation(copies_of_orders), math.ceil(copies_of_orders / per_file))
    written, baskets, shoppers = 0, 0, 0
    for number, chosen in enumerate(tqdm(rounds, desc="basket files", unit="file")):
        part = pd.concat([copy(int(r)) for r in chosen], ignore_index=True).iloc[:lines - written]
        part = part.iloc[rng.permutation(len(part))]
        part.to_parquet(lines_folder / f"{number:04d}.parquet", index=False)
        written += len(part)
        baskets += int(part["basket_id"].nunique())   # a copy's baskets and shoppers are its own
        shoppers += int(part["user_id"].nunique())
        if written >= lines:
            break
    made = {"products": len(catalog), "lines": written, "baskets": baskets, "shoppers": shoppers,
            "files": number + 1}
    return catalog_file, lines_folder, made


def next_day(lines_folder: Path, share: float, seed: int = 1) -> int:
    """Add a file of new baskets, `share` of the lines: whole baskets drawn from each file written,
    with new ids, the same shoppers, dated a day after the last. Returns the lines added."""
    rng = np.random.default_rng(seed)
    drawn, last = [], None
    for path in sorted(lines_folder.glob("*.parquet")):
        built = pd.read_parquet(path)
        baskets = built["basket_id"].unique()
        chosen = rng.choice(baskets, size=max(1, int(len(baskets) * share)), replace=False)
        drawn.append(built[built["basket_id"].isin(chosen)])
        latest = pd.to_datetime(built["timestamp"]).max()
        last = latest if last is None else max(last, latest)
    day = pd.concat(drawn, ignore_index=True).assign(
        basket_id=lambda f: f["basket_id"] + "-next",
        timestamp=(last + pd.Timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S"))
    day.to_parquet(lines_folder / "zzzz-next-day.parquet", index=False)
    return len(day)


def shop_config(folder: Path, catalog: Path, lines: Path, engine: str = "local") -> Path:
    """cartwise.yml with the recommender pointed at the generated shop and its own models folder,
    built on `engine` (local, or dask on a local cluster of the configured workers)."""
    config = yaml.safe_load((ROOT / "cartwise.yml").read_text())
    rec = config["recommender"]
    rec.update(source="generic", models_dir=str(folder / "models"), state_db=str(folder / "state.db"),
               coupons_file=str(ROOT / "shop" / "data" / "coupons.yml"))
    rec["generic"] = {"catalog": str(catalog), "interactions": str(lines)}
    rec.setdefault("build", {})["engine"] = engine
    path = folder / "cartwise.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def run_build(config: Path, log: Path, force: bool = True) -> tuple[float, int, dict]:
    """`python -m recommender.build` on that config: wall seconds, exit code, and its manifest."""
    env = {**os.environ, "CARTWISE_CONFIG": str(config), "HF_HUB_OFFLINE": "1"}
    started = time.perf_counter()
    with log.open("w") as out:
        code = subprocess.run([sys.executable, "-m", "recommender.build", *(["--force"] if force else [])], cwd=ROOT,
                              env=env, stdout=out, stderr=subprocess.STDOUT).returncode
    seconds = time.perf_counter() - started
    manifest_file = Path(yaml.safe_load(config.read_text())["recommender"]["models_dir"]) / "manifest.json"
    return seconds, code, json.loads(manifest_file.read_text()) if code == 0 else {}


def parse_scale(text: str) -> tuple[int, int]:
    try:
        products, lines = (int(float(x)) for x in text.split(":"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected PRODUCTS:LINES, e.g. 100000:10000000, got {text!r}") from exc
    return products, lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=parse_scale, action="append",
                        help="PRODUCTS:LINES, repeatable (default: 100000:1000000 and 100000:10000000)")
    parser.add_argument("--work", type=Path, help="where the shops and builds go (default: a temporary folder)")
    parser.add_argument("--day-share", type=float, default=0.01,
                        help="the new day's lines as a share of the built ones (default 0.01; 0: no new day, "
                             "no rebuild)")
    parser.add_argument("--engine", choices=("local", "dask"), default="local",
                        help="recommender.build.engine (dask: a local cluster of build.workers processes)")
    parser.add_argument("--rebuild", action=argparse.BooleanOptionalAction, default=True,
                        help="after the new day, a full rebuild with the vectors reused to compare the fold with")
    parser.add_argument("--lines-per-file", type=int, default=1_000_000, help="basket lines per file written")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmarks" / "build_scale.json")
    args = parser.parse_args(argv)
    if not (INSTACART / "order_lines_593_users.csv").exists():
        raise SystemExit(f"needs the Instacart data in {INSTACART} (see ../shared/data/README.md)")
    if args.work:   # a folder named for the shops and builds is made, not a reason to stop
        args.work.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory(dir=args.work) as work:
        for products, lines in args.scale or [(100_000, 1_000_000), (100_000, 10_000_000)]:
            folder = Path(work) / f"{products}-{lines}"
            started = time.perf_counter()
            catalog, lines_file, made = scaled_shop(products, lines, folder / "data", args.lines_per_file)
            config = shop_config(folder, catalog, lines_file, args.engine)
            generated = time.perf_counter() - started
            seconds, code, manifest = run_build(config, folder / "build.log")
            row = {**made, "engine": args.engine, "generate_s": round(generated, 1), "build_s": round(seconds, 1),
                   "exit_code": code, "stages_s": manifest.get("timings_s", {}),
                   "peak_mb": manifest.get("peak_memory_mb", {})}
            if code:
                row["log_tail"] = (folder / "build.log").read_text()[-2000:]
            elif args.day_share > 0:
                added = next_day(lines_file, args.day_share)
                seconds, code, manifest = run_build(config, folder / "day.log", force=False)
                step = (manifest.get("increments") or [{}])[-1]
                row["increment"] = {"lines": added, "build_s": round(seconds, 1), "exit_code": code,
                                    "folded": bool(step), "stages_s": step.get("timings_s", {}),
                                    "share_of_full": round(seconds / row["build_s"], 3)}
                if args.rebuild:
                    # The fair comparison: the same lines rebuilt in full, product vectors reused (as
                    # a shop's full rebuild with an unchanged catalog reuses them).
                    rebuild_s, rebuild_code, _ = run_build(config, folder / "rebuild.log")
                    row["increment"].update(rebuild_s=round(rebuild_s, 1), rebuild_exit_code=rebuild_code,
                                            share_of_rebuild=round(seconds / rebuild_s, 3))
            rows.append(row)
            print(f"{made['products']} products, {made['lines']} lines: build {row['build_s']:.0f} s, exit "
                  f"{row['exit_code']}, peak {max(row['peak_mb'].values(), default=0)} MB", file=sys.stderr)
    columns = {"products": lambda r: f"{r['products']:,}", "basket lines": lambda r: f"{r['lines']:,}",
               "engine": lambda r: r["engine"],
               "build s": lambda r: f"{r['build_s']:.0f}" if not r["exit_code"] else f"failed ({r['exit_code']})"}
    for stage in STAGES:
        columns[f"{stage} s / MB"] = (lambda s: lambda r: f"{r['stages_s'].get(s + '_s', 0):.0f} / "
                                      f"{r['peak_mb'].get(s, 0):,}")(stage)
    columns["full rebuild, vectors reused: s"] = lambda r: (
        f"{r['increment']['rebuild_s']:.0f}" if "rebuild_s" in r.get("increment", {}) else "not run")
    columns["a new day folded in: s (share of the rebuild, else of the build)"] = lambda r: (
        f"{r['increment']['build_s']:.0f} "
        f"({r['increment'].get('share_of_rebuild', r['increment']['share_of_full']):.1%})"
        if r.get("increment", {}).get("folded") else "not folded")
    publish(f"The build at scale ({machine()}; Instacart replicated; seconds / peak resident MB per stage)",
            columns, rows, args.out, machine=machine())
    return 0


if __name__ == "__main__":
    sys.exit(main())
