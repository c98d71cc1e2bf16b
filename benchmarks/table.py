"""What every benchmark ends with: a markdown table on stdout and the same rows as JSON."""
from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Callable

from recommender.markdown import markdown_table


def machine(*extra: str) -> str:
    return ", ".join([platform.machine(), f"{os.cpu_count()} cores", f"Python {platform.python_version()}", *extra])


def publish(title: str, columns: dict[str, Callable[[dict], str]], rows: list[dict], out: Path, **facts) -> None:
    """Print `title` and one table row per dict (cells from `columns`' formatters); write JSON to `out`."""
    print(f"\n{title}\n")
    print(markdown_table(list(columns), [[cell(row) for cell in columns.values()] for row in rows]))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({**facts, "rows": rows}, indent=2))
