"""What every benchmark ends with: a markdown table on stdout and the same rows as JSON."""
from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Callable

from recommender.markdown import markdown_table


def machine(*extra: str) -> str:
    return ", ".join([platform.machine(), *cpu(), f"{os.cpu_count()} cores", f"Python {platform.python_version()}",
                      *extra])


def cpu() -> list[str]:
    """The CPU's model and its widest vector extension: int8 and fp32 inference speed (and int8's
    rounding) depend on them, so a figure is only comparable on the same ones."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return []
    fields = {key.strip(): value.strip() for key, value in (line.split(":", 1) for line in info.splitlines()
                                                            if ":" in line)}
    model, flags = fields.get("model name", ""), set(fields.get("flags", "").split())
    widest = next((f for f in ("avx512_vnni", "avx512f", "avx_vnni", "avx2", "avx") if f in flags), "no AVX")
    return [part for part in (model, widest.upper().replace("_", "-")) if part]


def publish(title: str, columns: dict[str, Callable[[dict], str]], rows: list[dict], out: Path, **facts) -> None:
    """Print `title` and one table row per dict (cells from `columns`' formatters); write JSON to `out`."""
    print(f"\n{title}\n")
    print(markdown_table(list(columns), [[cell(row) for cell in columns.values()] for row in rows]))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({**facts, "rows": rows}, indent=2))
