"""The recommender's input data model: a product catalog and past baskets, validated.

Every importer produces a `Dataset`; validation is shared so that each source gets the same
checks and the same clear report of what was rejected and why (nothing is dropped silently).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

CATALOG_COLUMNS = [
    "id", "title", "description", "category", "department", "brand",
    "price", "size", "color", "stock", "image_url",
]
REQUIRED_CATALOG = ["id", "title", "price"]
INTERACTION_COLUMNS = ["basket_id", "user_id", "product_id", "timestamp", "quantity"]
REQUIRED_INTERACTIONS = ["basket_id", "product_id"]


class DataError(ValueError):
    """Input data that cannot be used at all (missing file, missing required column)."""


@dataclass
class ImportReport:
    source: str
    rows_read: dict[str, int] = field(default_factory=dict)
    rows_kept: dict[str, int] = field(default_factory=dict)
    rejected: list[pd.DataFrame] = field(default_factory=list)
    rules: dict = field(default_factory=dict)            # how fields were chosen where rows disagreed, counted
    disagreements: pd.DataFrame | None = None            # the products whose rows disagreed, and the choice

    def add(self, other: ImportReport) -> None:
        """Count another part's rows in (a file read elsewhere, e.g. by a Dask worker)."""
        for table, n in other.rows_read.items():
            self.rows_read[table] = self.rows_read.get(table, 0) + n
        for table, n in other.rows_kept.items():
            self.rows_kept[table] = self.rows_kept.get(table, 0) + n
        self.rejected.extend(other.rejected)

    @property
    def rejected_count(self) -> int:
        return sum(len(r) for r in self.rejected)

    def summary(self) -> str:
        parts = [f"{t}: kept {self.rows_kept[t]} of {n}" if t in self.rows_kept else f"{t}: {n}"
                 for t, n in self.rows_read.items()]
        return f"{self.source}: " + "; ".join(parts) + f"; rejected {self.rejected_count}"


@dataclass
class Dataset:
    catalog: pd.DataFrame        # CATALOG_COLUMNS, one row per product, unique string ids
    interactions: pd.DataFrame   # INTERACTION_COLUMNS, product ids all in the catalog
    report: ImportReport
    coupons: list[dict] = field(default_factory=list)   # rules in the coupons.yml format, from the source


def product_text(row: pd.Series | dict) -> str:
    """The text that is embedded: what a shopper would call the product, then its context.

    Brand and price are left out on purpose: they are filters, not meaning, and leaving them
    out lets products that differ only by brand share one embedding (fewer texts to encode).
    """
    parts = [row.get("title"), row.get("color"), row.get("category"), row.get("description")]
    seen: list[str] = []
    for part in parts:
        if isinstance(part, str) and part.strip() and part.strip() not in seen:
            seen.append(part.strip())
    return ". ".join(seen)


def _rejects(df: pd.DataFrame, mask: pd.Series, table: str, reason: str) -> pd.DataFrame:
    out = df[mask].copy()
    out.insert(0, "reject_reason", reason)
    out.insert(0, "table", table)
    return out


def require_columns(df: pd.DataFrame, required: list[str], table: str) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataError(f"{table}: missing required column(s) {missing}; found {list(df.columns)}")


def _conform(raw: pd.DataFrame, columns: list[str], required: list[str], table: str,
             report: ImportReport) -> pd.DataFrame:
    """Exactly `columns`, in order, missing optional ones added empty; counts the rows read."""
    require_columns(raw, required, table)
    df = raw.copy()
    for col in columns:
        if col not in df.columns:
            df[col] = np.nan
    report.rows_read[table] = len(df)
    return df[columns]


def reject_failing(df: pd.DataFrame, checks: list[tuple[pd.Series, str]], table: str,
                   report: ImportReport) -> pd.Series:
    """Mask of rows failing a check; each row is reported once, with the first reason it fails."""
    bad = pd.Series(False, index=df.index)
    for mask, reason in checks:
        mask = mask.fillna(True) & ~bad
        if mask.any():
            report.rejected.append(_rejects(df, mask, table, reason))
        bad |= mask
    return bad


def validate_catalog(raw: pd.DataFrame, report: ImportReport) -> pd.DataFrame:
    """Normalise types and reject unusable rows (no id/title, bad price, duplicate id)."""
    df = _conform(raw, CATALOG_COLUMNS, REQUIRED_CATALOG, "catalog", report)
    df["id"] = df["id"].astype("string").str.strip()
    df["title"] = df["title"].astype("string").str.strip()
    df["price"] = pd.to_numeric(df["price"], errors="coerce")
    stock = pd.to_numeric(df["stock"], errors="coerce")
    checks = [
        (df["id"].isna() | (df["id"] == ""), "missing id"),
        (df["title"].isna() | (df["title"] == ""), "missing title"),
        (df["price"].isna() | (df["price"] < 0), "price missing, not a number or negative"),
        (df["stock"].notna() & (stock.isna() | (stock < 0)), "stock not a non-negative number"),
    ]
    bad = reject_failing(df, checks, "catalog", report)
    dupes = df["id"].duplicated(keep="first") & ~bad
    if dupes.any():
        report.rejected.append(_rejects(df, dupes, "catalog", "duplicate id (first one kept)"))
    df = df[~bad & ~dupes].copy()
    df["stock"] = pd.to_numeric(df["stock"], errors="coerce").fillna(-1).astype("int64")  # -1: unknown
    for col in ("description", "category", "department", "brand", "size", "color", "image_url"):
        df[col] = df[col].astype("string").fillna("").str.strip()
    df["id"] = df["id"].astype(str)
    df["title"] = df["title"].astype(str)
    df = df.reset_index(drop=True)
    report.rows_kept["catalog"] = len(df)
    return df


def parse_timestamps(values: pd.Series, fmt: str | None) -> tuple[pd.Series, pd.Series]:
    """(timestamps, unreadable): with `fmt` (strptime codes such as "%d/%m/%Y %H:%M") exactly that
    format, without it ISO 8601 only. "01/02/2011" is the 1st of February in one shop and the
    2nd of January in another: guessing, as pandas does, silently corrupts every time split."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values, pd.Series(False, index=values.index)
    text = values.astype("string").str.strip()
    present = text.notna() & (text != "")
    parsed = pd.to_datetime(text.where(present), format=fmt or "ISO8601", errors="coerce")
    return parsed, present & parsed.isna()


# Day-first and month-first forms a shop's export may use: tried only to say which one fits when a
# file's dates are not ISO 8601, never to read the file (the owner states the format).
DATE_FORMATS = [f"{d}{t}" for d in ("%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d-%m-%Y", "%m-%d-%Y", "%d/%m/%y", "%m/%d/%y")
                for t in (" %H:%M", " %H:%M:%S", "")]


def readable_timestamps(written: pd.Series, fmt: str | None, table: str) -> tuple[pd.Series, pd.Series]:
    """parse_timestamps, but without a stated format any non-ISO date stops the import, and the
    message says which common formats read the file's dates and how many of them."""
    parsed, unreadable = parse_timestamps(written, fmt)
    if unreadable.any() and fmt is None:
        odd = written[unreadable].astype("string").str.strip()
        fits = [(f, int(pd.to_datetime(odd, format=f, errors="coerce").notna().sum())) for f in DATE_FORMATS]
        fits = sorted([(f, n) for f, n in fits if n], key=lambda fit: -fit[1])[:3]
        hint = ("; ".join(f"'{f}' reads {n:,}" for f, n in fits) if fits else "no common day/month format reads them")
        raise DataError(f"{table}: {int(unreadable.sum()):,} of {len(written):,} timestamps are not ISO 8601 "
                        f"(first: {odd.iloc[0]!r}; {hint}). Set recommender.generic.timestamp_format, e.g. "
                        "'%d/%m/%Y %H:%M' or '%m/%d/%Y %H:%M', so days and months are read as the shop writes them.")
    return parsed, unreadable


def in_catalog(product_ids: pd.Series, known_ids: pd.Series) -> pd.Series:
    """Which lines' ids the catalog has, by Arrow's hash lookup: about 0.3 s per million lines
    against a million products, where pandas' isin spent ~6 s building its table from Python
    strings at every call (once per basket file)."""
    found = pc.is_in(pa.array(product_ids.astype("string").array), value_set=pa.array(known_ids.astype("string").array))
    return pd.Series(found.to_numpy(zero_copy_only=False), index=product_ids.index)


def positions_in(values: pd.Series, position: dict[str, int]) -> np.ndarray:
    """position[v] for each value, -1 where absent (int32), by Arrow's hash lookup: at 10M lines
    over 149,064 products 1.8 s and a few int32 arrays, where Series.map with the dict took 28 s and
    pandas' get_indexer 10 s and 0.7 GB (each line's id made a Python string). Compact lines'
    ids (`compact_lines`) are looked up once per distinct id."""
    if not position:
        return np.full(len(values), -1, dtype=np.int32)
    if isinstance(values.dtype, pd.CategoricalDtype):
        known = positions_in(pd.Series(values.cat.categories), position)
        codes = codes_of(values)
        return np.where(codes >= 0, known[np.maximum(codes, 0)], -1).astype(np.int32)
    at = pc.index_in(pa.array(values.astype("string").array), value_set=pa.array(list(position), type=pa.string()))
    where = at.fill_null(-1).to_numpy(zero_copy_only=False)
    known = np.fromiter(position.values(), dtype=np.int32, count=len(position))
    return np.where(where >= 0, known[np.maximum(where, 0)], -1).astype(np.int32)


ID_COLUMNS = ["basket_id", "user_id", "product_id"]


def compact_lines(lines: pd.DataFrame) -> pd.DataFrame:
    """Basket lines with each id column as categories: a line then holds three int32 codes, not
    three strings, 22 bytes a line against 62 (5M Instacart-made lines), which is most of what a
    large build holds from import to the end. The values, comparisons and groups are the same.
    The quantity is held as float32 (whole counts exact to 2**24): after validation no step reads
    more of it than that it is positive, and float64 was 8 of a line's 30 bytes."""
    compact = {c: joined_categories([lines[c]]) for c in ID_COLUMNS if c in lines}
    if "quantity" in lines:
        compact["quantity"] = lines["quantity"].astype(np.float32)
    return lines.assign(**compact)


def join_lines(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Basket line frames one after another, each column taken from the parts as it is joined: the
    parts are left without columns. Holding the parts whole beside the joined frame made twice the
    lines at the import's end. Id columns stay categories when any part's are (pandas' concat turns
    categories that differ into strings, which would undo `compact_lines`)."""
    if len(parts) == 1:
        return parts[0]
    columns = list(parts[0].columns)
    ids = {c for c in ID_COLUMNS if c in columns and any(isinstance(p[c].dtype, pd.CategoricalDtype) for p in parts)}
    joined = {}
    for column in columns:
        values = [part.pop(column) for part in parts]
        joined[column] = pd.Series(joined_categories(values)) if column in ids else pd.concat(values, ignore_index=True)
        del values
    return pd.DataFrame(joined, copy=False)


def joined_categories(values: list[pd.Series]) -> pd.Categorical:
    """The values (strings or categories) one after another as one Categorical with sorted
    categories, made in Arrow a part at a time. pandas' own ways hold Python strings: its
    union_categoricals held five times the joined lines at once (63M lines: a 9.2 GB high-water
    mark for 1.8 GB of lines), and a Categorical it validates keeps an object copy of its categories
    (each file's 200k ids, and at 200M lines 20M basket ids)."""
    names = [_arrow_strings(v.cat.categories if isinstance(v.dtype, pd.CategoricalDtype) else v) for v in values]
    every = pa.chunked_array(names)
    uniques = pc.unique(every).drop_null()
    uniques = uniques.take(pc.array_sort_indices(uniques))
    # One lookup for all parts: index_in hashes its value set at every call (191 files x 20M baskets).
    position = pc.index_in(every, value_set=uniques).fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)
    starts = np.cumsum([0] + [len(n) for n in names])
    codes = np.empty(sum(len(v) for v in values), dtype=np.int32)
    at = 0
    for v, start, end in zip(values, starts[:-1], starts[1:]):
        found = position[start:end]
        if isinstance(v.dtype, pd.CategoricalDtype):
            part = codes_of(v)
            found = np.where(part >= 0, found[np.maximum(part, 0)], -1)
        codes[at:at + len(v)] = found
        at += len(v)
    # pc.unique made them unique: the fast path skips pandas' check, which builds the object copy.
    dtype = pd.CategoricalDtype._from_fastpath(pd.Index(pd.array(uniques, dtype="str")), ordered=False)
    return pd.Categorical.from_codes(codes, dtype=dtype, validate=False)


def codes_of(values: pd.Series) -> np.ndarray:
    """A categorical column's codes, read-only and not copied. Series.cat.codes copies them under
    pandas 3's copy-on-write: 4 bytes a line at each call, 1.4 GB at 350M lines, and the build's
    steps each asked for them once or twice."""
    return values.array.codes


def as_strings(values: pd.Series) -> pd.Series:
    """The values as strings. Categories (`compact_lines`) are taken from their Arrow text by code:
    pandas' astype(str) spent 1.06 s on 5M lines, this 0.05 s."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return values.astype(str)
    codes = pa.array(codes_of(values), mask=values.isna().to_numpy())
    return pd.Series(pd.array(_arrow_strings(values.cat.categories).take(codes), dtype="str"), index=values.index,
                     name=values.name)


def sort_keys(values: pd.Series) -> np.ndarray:
    """Integers that order as the values do and are equal where they are (-1 where missing), to
    sort and group lines by without a string per line: a compact column's codes (`joined_categories`
    sorts its categories), else the values factorized in order."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        if in_order(values.cat.categories):
            return codes_of(values)
        values = as_strings(values)
    return pd.factorize(values, sort=True)[0]


def in_order(categories: pd.Index) -> bool:
    """Whether the categories are sorted, compared in Arrow (20M basket ids: 0.1 s). pandas'
    is_monotonic_increasing builds and keeps a Python string per category: 1.7 GB for those ids."""
    text = _arrow_strings(categories)
    return len(text) < 2 or pc.all(pc.less_equal(text.slice(0, len(text) - 1), text.slice(1))).as_py()


def key_labels(values: pd.Series, keys: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """The values' text (held by Arrow) for some of their `sort_keys`: a compact column's categories
    by code, else the sorted distinct values."""
    categories = isinstance(values.dtype, pd.CategoricalDtype)
    if categories and in_order(values.cat.categories):
        labels = _arrow_strings(values.cat.categories)
    else:   # the distinct values in the order sort_keys numbers them
        labels = _arrow_strings(pd.Index(pd.factorize(as_strings(values) if categories else values, sort=True)[1]))
    return pd.array(labels.take(pa.array(keys)), dtype="str")


def key_ranges(keys: np.ndarray, parts: int) -> list[tuple[int, int]]:
    """[low, high) ranges of `sort_keys` (-1: none) holding about a `parts`-th of the lines each,
    in key order; a key's lines are never split between two ranges."""
    lines_per_key = np.bincount(keys if len(keys) and keys.min() >= 0 else keys[keys >= 0])
    if parts <= 1 or not len(lines_per_key):
        return [(0, len(lines_per_key))]
    upto = np.cumsum(lines_per_key)
    cuts = np.searchsorted(upto, upto[-1] * np.arange(1, parts) / parts, side="right") + 1
    bounds = np.unique(np.r_[0, np.minimum(cuts, len(lines_per_key)), len(lines_per_key)])
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))


def parts_by_id(lines: pd.DataFrame, column: str, parts: int) -> Iterator[pd.DataFrame]:
    """The lines in about `parts` parts, ranges of `column`'s ids in id order (`key_ranges`), so
    that every id's lines are in one part; the lines as they are when `parts` is 1 or less."""
    if parts <= 1:
        yield lines
        return
    keys = sort_keys(lines[column])
    inside, below = np.empty(len(keys), dtype=bool), np.empty(len(keys), dtype=bool)   # one pair for every part
    for low, high in key_ranges(keys, parts):
        np.greater_equal(keys, low, out=inside)
        np.less(keys, high, out=below)
        inside &= below
        yield lines[inside]


def first_lines(keys: np.ndarray, chunk: int = 1_000_000) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys (`sort_keys` of a column with none missing) in order, and the line where
    each first appears: what np.unique(return_index=True) gives, in one pass instead of a sort
    (2 s a 10M lines), holding no array the length of the lines."""
    if len(keys) and keys.min() < 0:
        raise ValueError("first_lines needs keys >= 0 (a missing id has none)")
    size = int(keys.max()) + 1 if len(keys) else 0
    first = np.full(size, len(keys), dtype=np.int64)
    for start in range(0, len(keys), chunk):
        np.minimum.at(first, keys[start:start + chunk], np.arange(start, min(start + chunk, len(keys))))
    held = np.flatnonzero(first < len(keys))
    return held, first[held]


def rank_in(keys: np.ndarray, held: np.ndarray) -> np.ndarray:
    """Each key's position in `held` (sorted, holding every key; from `first_lines`), by a table of
    keys: np.searchsorted took 1.5 s for 5M lines, this 0.04 s."""
    table = np.zeros(int(held[-1]) + 1 if len(held) else 0, dtype=np.int32 if len(held) < 2**31 else np.int64)
    table[held] = np.arange(len(held))
    return table[keys]


def _arrow_strings(values: pd.Series | pd.Index) -> pa.Array:
    strings = values if isinstance(values.dtype, pd.StringDtype) else values.astype("str")
    arrow = pa.array(strings.array)
    # pandas hands over its chunks; pa.chunked_array would read a ChunkedArray value by value
    return (arrow.combine_chunks() if isinstance(arrow, pa.ChunkedArray) else arrow).cast(pa.large_string())


def validate_interactions(raw: pd.DataFrame, known_ids: pd.Series, report: ImportReport,
                          timestamp_format: str | None = None) -> pd.DataFrame:
    """Normalise types; reject lines with no basket, unknown products, bad quantities, or a
    timestamp that does not match the stated format. Without a stated format, timestamps that are
    not ISO 8601 refuse the whole file: a date format is not something to guess."""
    df = _conform(raw, INTERACTION_COLUMNS, REQUIRED_INTERACTIONS, "interactions", report)
    df["basket_id"] = df["basket_id"].astype("string").str.strip()
    df["product_id"] = df["product_id"].astype("string").str.strip()
    df["user_id"] = df["user_id"].astype("string").fillna("").str.strip()
    df["timestamp"], unreadable = readable_timestamps(df["timestamp"], timestamp_format, "interactions")
    qty = pd.to_numeric(df["quantity"], errors="coerce")
    df["quantity"] = qty.where(df["quantity"].notna(), 1)
    checks = [
        (df["basket_id"].isna() | (df["basket_id"] == ""), "missing basket_id"),
        (~in_catalog(df["product_id"], known_ids), "product_id not in the catalog"),
        (df["quantity"].isna() | (df["quantity"] <= 0), "quantity not a positive number"),
        (unreadable, f"timestamp does not match {timestamp_format}"),
    ]
    bad = reject_failing(df, checks, "interactions", report)
    df = df[~bad].reset_index(drop=True)
    df["basket_id"] = df["basket_id"].astype(str)
    df["product_id"] = df["product_id"].astype(str)
    df["user_id"] = df["user_id"].astype(str)
    report.rows_kept["interactions"] = len(df)
    return df
