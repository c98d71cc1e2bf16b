"""Artefact rows read with pread give exactly what the array holds, and refuse bad indexes."""
import numpy as np
import pytest
import scipy.sparse as sp

from recommender.rows import CsrRows, NpyRows


@pytest.fixture
def vectors(tmp_path):
    array = np.random.default_rng(0).normal(size=(50, 6)).astype(np.float32)
    np.save(tmp_path / "v.npy", array)
    return array, NpyRows(tmp_path / "v.npy")


def test_rows_by_int_slice_list_and_negative(vectors):
    array, rows = vectors
    assert rows.shape == (50, 6) and len(rows) == 50 and rows.dtype == np.float32
    np.testing.assert_array_equal(rows[7], array[7])
    np.testing.assert_array_equal(rows[-1], array[-1])
    np.testing.assert_array_equal(rows[10:13], array[10:13])
    np.testing.assert_array_equal(rows[:], array)
    np.testing.assert_array_equal(rows[[3, 0, 3, 49]], array[[3, 0, 3, 49]])
    np.testing.assert_array_equal(rows[np.array([-2, 5])], array[[-2, 5]])
    assert rows[[]].shape == (0, 6) and rows[60:70].shape == (0, 6)


def test_out_of_range_and_strided_rows_are_refused(vectors):
    _, rows = vectors
    for key in (50, -51, [1, 50]):
        with pytest.raises(IndexError):
            rows[key]
    with pytest.raises(IndexError):
        rows[::2]


def test_csr_rows_from_files_match_scipy(tmp_path):
    matrix = sp.random(30, 30, density=0.2, format="csr", dtype=np.float32, random_state=1)
    for part in ("indices", "data"):
        np.save(tmp_path / f"{part}.npy", getattr(matrix, part))
    on_disk = CsrRows(matrix.indptr, NpyRows(tmp_path / "indices.npy"), NpyRows(tmp_path / "data.npy"))
    for i in range(30):
        cols, values = on_disk.row(i)
        dense = np.zeros(30, dtype=np.float32)
        dense[cols] = values
        np.testing.assert_array_equal(dense, matrix[i].toarray()[0])
        np.testing.assert_array_equal(cols, CsrRows.of(matrix).row(i)[0])


def test_a_3d_file_is_refused(tmp_path):
    np.save(tmp_path / "cube.npy", np.zeros((2, 2, 2), dtype=np.float32))
    with pytest.raises(ValueError, match="1-D or 2-D"):
        NpyRows(tmp_path / "cube.npy")
