"""The generic import format: a catalog table and an interactions table (CSV, Parquet or Excel).

catalog:      id, title, price (required); description, category, department, brand, size,
              color, stock, image_url (optional)
interactions: basket_id, product_id (required); user_id, timestamp (ISO 8601, or the format in
              recommender.generic.timestamp_format), quantity (optional). One file, or a folder of
              them (read in name order): a shop that adds a file a day gets incremental builds.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..catalog import (
    CATALOG_COLUMNS,
    INTERACTION_COLUMNS,
    DataError,
    Dataset,
    ImportReport,
    compact_lines,
    join_lines,
    validate_catalog,
    validate_interactions,
)
from .tables import map_columns, read_table, table_files


def load_generic(catalog_path: Path, interactions_path: Path, timestamp_format: str | None = None,
                 columns: dict[str, str] | None = None, sheet: str | int | None = None) -> Dataset:
    """`columns` maps Cartwise's names to the files' headers; each table takes the names it reads."""
    columns = check_columns(columns or {})
    files = table_files(interactions_path)
    report = ImportReport(source=f"generic ({Path(catalog_path).name}, {Path(interactions_path).name})")
    catalog = read_catalog(catalog_path, report, columns, sheet)
    interactions = read_interactions(files, catalog["id"], report, timestamp_format, columns, sheet)
    return Dataset(catalog=catalog, interactions=interactions, report=report)


def check_columns(columns: dict[str, str]) -> dict[str, str]:
    """The mapping, once no name in it is one Cartwise does not read (a typo must not go unheard)."""
    unknown = sorted(set(columns) - set(CATALOG_COLUMNS) - set(INTERACTION_COLUMNS))
    if unknown:
        raise DataError(f"recommender.generic.columns maps {unknown}, which Cartwise does not use; the catalog "
                        f"reads {CATALOG_COLUMNS}, the interactions {INTERACTION_COLUMNS}")
    return columns


def read_catalog(path: Path, report: ImportReport, columns: dict[str, str] | None = None,
                 sheet: str | int | None = None) -> pd.DataFrame:
    return validate_catalog(map_columns(read_table(path, sheet), _known(columns or {}, CATALOG_COLUMNS),
                                        CATALOG_COLUMNS, "catalog"), report)


def read_interactions(files: list[Path], known_ids: pd.Series, report: ImportReport, timestamp_format: str | None,
                      columns: dict[str, str] | None = None, sheet: str | int | None = None) -> pd.DataFrame:
    """The basket lines of these files, validated against the catalog's ids one file at a time: the
    copies validating makes (about four times the lines' size) are then one file's, not all files'
    at once, which had set the whole build's peak at 50M lines (13.5 GB). Each file's ids become
    categories (`compact_lines`) before the next is read."""
    if not files:
        raise DataError("no interactions file to read")
    mapping = _known(columns or {}, INTERACTION_COLUMNS)
    kept = []
    for path in files:
        part = ImportReport(source=str(path))
        raw = map_columns(read_table(path, sheet), mapping, INTERACTION_COLUMNS, f"interactions ({path.name})")
        try:
            kept.append(compact_lines(validate_interactions(raw, known_ids, part, timestamp_format)))
        except DataError as exc:   # which of a folder's files holds the problem
            raise DataError(f"{path.name}: {exc}") from exc
        del raw
        report.add(part)
    return join_lines(kept)


def _known(columns: dict[str, str], known: list[str]) -> dict[str, str]:
    return {k: v for k, v in columns.items() if k in known}
