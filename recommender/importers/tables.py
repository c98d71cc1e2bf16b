"""A shop's exported tables read as text: CSV, CSV.gz, Parquet or Excel, headers mapped to ours.

Every cell becomes text (or stays a real date), so ids such as "00123" keep their zeros and
nothing is converted before the validation that reports what it could not use.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..catalog import DataError

READABLE = (".csv", ".csv.gz", ".parquet", ".xlsx", ".xlsm", ".xls", ".ods")


def read_table(path: Path, sheet: str | int | None = None) -> pd.DataFrame:
    """The file's first (or named) table, every column text except real dates."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found")
    name = path.name.lower()
    if not name.endswith(READABLE):
        raise DataError(f"{path}: unsupported file type; use one of {', '.join(READABLE)}")
    try:
        if name.endswith(".parquet"):
            return pd.read_parquet(path)
        if name.endswith((".csv", ".csv.gz")):
            return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        frame = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, engine="calamine")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError, ValueError,
            KeyError) as exc:
        raise DataError(f"{path}: cannot be read as a table: {exc}") from exc
    except Exception as exc:   # calamine's own errors (a corrupt workbook) have no common base
        if type(exc).__module__.startswith("python_calamine"):
            raise DataError(f"{path}: cannot be read as a workbook: {exc}") from exc
        raise
    return frame.apply(_cells_as_text)


def table_files(path: Path) -> list[Path]:
    """A file, or a folder's readable files in name order (a daily export's dates sort by name)."""
    path = Path(path)
    if not path.is_dir():
        return [path]
    files = sorted(p for p in path.iterdir() if p.name.lower().endswith(READABLE) and not p.name.startswith("."))
    if not files:
        raise DataError(f"{path}: a folder with no table in it (files ending {', '.join(READABLE)})")
    return files


def _cells_as_text(column: pd.Series) -> pd.Series:
    """A spreadsheet column as text: whole numbers without ".0" (product code 85123, not 85123.0);
    a column of real dates is kept as dates, since a workbook date has no day/month ambiguity."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return column

    def text(cell: object) -> object:
        if cell is None or (isinstance(cell, float) and np.isnan(cell)):
            return pd.NA
        if isinstance(cell, float) and cell.is_integer() and abs(cell) < 2**53:
            return str(int(cell))
        if isinstance(cell, pd.Timestamp):
            return cell.isoformat(sep=" ")
        return str(cell)

    return column.map(text).astype("string")


def map_columns(frame: pd.DataFrame, columns: dict[str, str], known: list[str], table: str) -> pd.DataFrame:
    """The file's headers renamed to Cartwise's (`columns`: our name -> the file's header).

    A mapping naming a header the file lacks, or a name Cartwise does not use, stops the import
    with both named: a typo must not turn a column into "missing" further on."""
    unknown = sorted(set(columns) - set(known))
    if unknown:
        raise DataError(f"{table}: recommender.generic.columns maps {unknown}, which Cartwise does not use; "
                        f"it reads {known}")
    absent = {ours: theirs for ours, theirs in columns.items() if theirs not in frame.columns}
    if absent:
        raise DataError(f"{table}: the column mapping names {sorted(absent.values())} (for {sorted(absent)}), "
                        f"not in the file; its columns are {list(frame.columns)}")
    mapped = frame.copy()
    for ours, theirs in columns.items():   # a header may feed two names (an invoice as basket and date)
        mapped[ours] = frame[theirs]
    return mapped
