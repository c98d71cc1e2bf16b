"""Markdown tables for reports and benchmarks (no dependencies: both environments import it)."""
from __future__ import annotations


def _row(cells: list) -> str:
    return "| " + " | ".join(f"{c:.3f}" if isinstance(c, float) else str(c) for c in cells) + " |"


def markdown_table(header: list[str], rows: list[list]) -> str:
    return "\n".join([_row(header), "| " + " | ".join("---" for _ in header) + " |"] + [_row(r) for r in rows])
