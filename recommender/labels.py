"""A low-cardinality text column (brand, category, department, colour, size unit) held as integer
codes into its distinct lower-cased values: 4 bytes a product instead of a string, so filters over a
million products compare integers and the service stays small."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Labels:
    codes: np.ndarray              # int32, one per product
    values: dict[str, int]         # lower-cased value -> code

    @classmethod
    def of(cls, column: Iterable[object]) -> Labels:
        lowered = pd.Series(list(column) if not isinstance(column, pd.Series) else column, dtype="object")
        codes, uniques = pd.factorize(lowered.fillna("").astype(str).str.strip().str.lower())
        return cls(codes.astype(np.int32), {str(v): i for i, v in enumerate(uniques)})

    def equals(self, value: str) -> np.ndarray:
        return self.codes == self.values.get(value.strip().lower(), -1)

    def isin(self, values: Iterable[str]) -> np.ndarray:
        wanted = [self.values[v] for v in (x.strip().lower() for x in values) if v in self.values]
        return np.isin(self.codes, wanted)
