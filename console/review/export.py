"""Conversations out of the review console: JSONL for analysis elsewhere, with a progress bar."""
from __future__ import annotations

import json
import sys
from contextlib import nullcontext
from typing import IO

from tqdm import tqdm

from . import indexer
from .queries import MAX_PAGE, Filters
from .service import Review


def reindex(review: Review) -> indexer.PassResult:
    with tqdm(desc="indexing tracker events", unit=" events", file=sys.stderr) as bar:
        return review.refresh(progress=bar.update)


def export_jsonl(review: Review, filters: Filters, out: str) -> int:
    """One line per conversation: its review summary, tags, and every event as Rasa stored it."""
    review.refresh()
    count = 0
    with (nullcontext(sys.stdout) if out == "-" else open(out, "w")) as stream, \
            tqdm(desc="exporting conversations", unit=" conversations", file=sys.stderr) as bar:
        cursor = None
        while True:
            page = review.conversations(filters, cursor, MAX_PAGE)
            for row in page["items"]:
                _write(stream, row, review)
                count += 1
                bar.update()
            cursor = page["next"]
            if cursor is None:
                return count


def _write(stream: IO[str], row: dict, review: Review) -> None:
    events = [event for _, event in review.events(row["sender_id"])]
    stream.write(one_line(json.dumps({**row, "events": events}, ensure_ascii=False)) + "\n")


# Characters that JSON leaves raw with ensure_ascii=False but that many readers (Python's
# str.splitlines, editors, some JSONL tools) take as line breaks; a shopper can type them.
_LINE_BREAKS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}


def one_line(text: str) -> str:
    """JSON text kept on one line for every reader: those characters as JSON escapes."""
    for char, escaped in _LINE_BREAKS.items():
        text = text.replace(char, escaped)
    return text
