"""The generic import format: a catalog table and an interactions table, CSV or Parquet.

catalog:      id, title, price (required); description, category, department, brand, size,
              color, stock, image_url (optional)
interactions: basket_id, product_id (required); user_id, timestamp (ISO 8601, or the format in
              recommender.generic.timestamp_format), quantity (optional)
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..catalog import DataError, Dataset, ImportReport, validate_catalog, validate_interactions


def read_table(path: Path) -> pd.DataFrame:
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found")
    name = path.name.lower()
    try:
        if name.endswith(".parquet"):
            return pd.read_parquet(path)
        if name.endswith((".csv", ".csv.gz")):
            # Read everything as text: ids like "00123" must not turn into numbers.
            return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot be read as a table: {exc}") from exc
    raise DataError(f"{path}: unsupported file type; use .csv, .csv.gz or .parquet")


def load_generic(catalog_path: Path, interactions_path: Path, timestamp_format: str | None = None) -> Dataset:
    report = ImportReport(source=f"generic ({Path(catalog_path).name}, {Path(interactions_path).name})")
    catalog = validate_catalog(read_table(catalog_path), report)
    interactions = validate_interactions(read_table(interactions_path), catalog["id"], report, timestamp_format)
    return Dataset(catalog=catalog, interactions=interactions, report=report)
