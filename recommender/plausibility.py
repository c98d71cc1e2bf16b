"""Package sizes that do not fit their price are not shown as facts.

Retail data mixes the size of a case or a bulk bin with the price of one item: "Bananas, 40 lb"
at $1.01. A size whose price per unit is under 1/IMPLAUSIBLE_FACTOR of what the same product type
costs per unit (the median over its products measured in the same unit, at least
MIN_PRODUCTS of them) is withheld: not on the card, not in the title, not in "best value" sorts.
Only too-cheap sizes: a small jar of saffron at a high price per ounce is what saffron costs.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .query_parser import Size

IMPLAUSIBLE_FACTOR = 20.0
MIN_PRODUCTS = 2


def implausible_sizes(prices: np.ndarray, sizes: Sequence[Size | None], categories: Sequence[str]) -> np.ndarray:
    """Mask of products whose size is implausibly large for their price."""
    frame = pd.DataFrame({
        "group": [f"{c}\x00{s.unit}" if s else None for c, s in zip(categories, sizes)],
        "per_unit": [p / s.value if s and s.value > 0 and p > 0 else np.nan for p, s in zip(prices, sizes)],
    })
    grouped = frame.groupby("group")["per_unit"]
    typical, count = grouped.transform("median"), grouped.transform("count")
    return ((count >= MIN_PRODUCTS) & (frame["per_unit"] < typical / IMPLAUSIBLE_FACTOR)).to_numpy()


def without_size(title: str, size: str) -> str:
    """The title without its trailing ", <size>" (the form importers write), else as it was."""
    suffix = f", {size}"
    return title[: -len(suffix)] if size and title.endswith(suffix) else title
