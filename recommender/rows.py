"""Rows of the large artefact files, read on demand with pread instead of a memory mapping.

A request needs a handful of rows (a cart's five neighbour lists and co-purchase lists, a search's
forty re-rank vectors), but a mapping faults in whole page-cache folios (megabytes on kernels with
large folios), so after a thousand carts a million-product service showed 2.2 GB of mapped file
pages in its RSS. pread copies just the bytes asked for; the file stays in the kernel's page
cache, shared and droppable, and out of the process (benchmarks/complete_cart_scale.py).
"""
from __future__ import annotations

import os
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np


class NpyRows:
    """A .npy file's rows by index (int, slice or integer array), each read when asked for."""

    def __init__(self, path: Path):
        header = np.load(path, mmap_mode="r")   # the header only: shape, dtype, where the data starts
        self.shape, self.dtype, self._offset = header.shape, header.dtype, header.offset
        if header.ndim not in (1, 2) or not header.flags.c_contiguous:
            raise ValueError(f"{path}: expected a C-ordered 1-D or 2-D array, found shape {header.shape}")
        del header
        self._row_bytes = self.dtype.itemsize * (self.shape[1] if len(self.shape) == 2 else 1)
        self._fd = os.open(path, os.O_RDONLY)
        weakref.finalize(self, os.close, self._fd)

    def __len__(self) -> int:
        return self.shape[0]

    def _read(self, start: int, stop: int) -> np.ndarray:
        count = max(stop - start, 0)
        raw = os.pread(self._fd, count * self._row_bytes, self._offset + start * self._row_bytes)
        return np.frombuffer(raw, dtype=self.dtype).reshape((count, *self.shape[1:]))

    def __getitem__(self, key: int | slice | Sequence[int] | np.ndarray) -> np.ndarray:
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            if step != 1:
                raise IndexError("row slices must be contiguous")
            return self._read(start, stop)
        if isinstance(key, (int, np.integer)):
            row = int(key) + len(self) if key < 0 else int(key)
            if not 0 <= row < len(self):
                raise IndexError(f"row {key} out of range for {len(self)} rows")
            return self._read(row, row + 1)[0]
        rows = np.asarray(key, dtype=np.int64).ravel()
        if len(rows) and (rows.min() < -len(self) or rows.max() >= len(self)):
            raise IndexError(f"rows out of range for {len(self)} rows")
        rows = np.where(rows < 0, rows + len(self), rows)
        size = self._row_bytes
        raw = b"".join([os.pread(self._fd, size, self._offset + r * size) for r in rows.tolist()])
        return np.frombuffer(raw, dtype=self.dtype).reshape((len(rows), *self.shape[1:]))


@dataclass(frozen=True)
class CsrRows:
    """A CSR matrix's rows one at a time: indptr in memory, indices and data read per row.

    Takes in-memory arrays too (`CsrRows.of(scipy_matrix)`), so scoring code has one input type.
    """
    indptr: np.ndarray
    indices: NpyRows | np.ndarray
    data: NpyRows | np.ndarray

    @classmethod
    def of(cls, matrix) -> CsrRows:
        return cls(np.asarray(matrix.indptr), matrix.indices, matrix.data)

    def row(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(column indices, values) of row i."""
        start, end = int(self.indptr[i]), int(self.indptr[i + 1])
        return self.indices[start:end], self.data[start:end]
