"""The generic import format: a catalog table and an interactions table (CSV, Parquet or Excel).

catalog:      id, title, price (required); description, category, department, brand, size,
              color, stock, image_url (optional)
interactions: basket_id, product_id (required); user_id, timestamp (ISO 8601, or the format in
              recommender.generic.timestamp_format), quantity (optional)
"""
from __future__ import annotations

from pathlib import Path

from ..catalog import (
    CATALOG_COLUMNS,
    INTERACTION_COLUMNS,
    DataError,
    Dataset,
    ImportReport,
    validate_catalog,
    validate_interactions,
)
from .tables import map_columns, read_table


def load_generic(catalog_path: Path, interactions_path: Path, timestamp_format: str | None = None,
                 columns: dict[str, str] | None = None, sheet: str | int | None = None) -> Dataset:
    """`columns` maps Cartwise's names to the files' headers; each table takes the names it reads."""
    columns = columns or {}
    unknown = sorted(set(columns) - set(CATALOG_COLUMNS) - set(INTERACTION_COLUMNS))
    if unknown:
        raise DataError(f"recommender.generic.columns maps {unknown}, which Cartwise does not use; the catalog "
                        f"reads {CATALOG_COLUMNS}, the interactions {INTERACTION_COLUMNS}")
    report = ImportReport(source=f"generic ({Path(catalog_path).name}, {Path(interactions_path).name})")

    def table(path: Path, known: list[str], name: str):
        return map_columns(read_table(path, sheet), {k: v for k, v in columns.items() if k in known}, known, name)

    catalog = validate_catalog(table(catalog_path, CATALOG_COLUMNS, "catalog"), report)
    interactions = validate_interactions(table(interactions_path, INTERACTION_COLUMNS, "interactions"),
                                         catalog["id"], report, timestamp_format)
    return Dataset(catalog=catalog, interactions=interactions, report=report)
