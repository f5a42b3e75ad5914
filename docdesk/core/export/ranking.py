"""Cosine ranking of stored chunk vectors against one query vector, in numpy."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from docdesk.core.export.errors import ExportError

FloatMatrix = npt.NDArray[np.float32]


def cosine_scores(query: FloatMatrix, matrix: FloatMatrix) -> FloatMatrix:
    """Return the cosine similarity of `query` (shape (dim,)) to each row of `matrix` (shape (n, dim)).

    One matrix-vector product does the work: 5,000 rows of 1,536 dimensions took about
    20 ms on 2 x86-64 cores with OpenBLAS 0.3.31 (benchmarks/bench_ranking.py). Rows
    or a query of zero length score 0. Raises ExportError when the dimensions differ, which means the
    vectors come from different models.
    """
    vector = np.asarray(query, dtype=np.float32).reshape(-1)
    if matrix.shape[0] == 0:
        return np.zeros(0, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[1] != vector.shape[0]:
        raise ExportError(
            f"the query vector has {vector.shape[0]} dimensions but the stored vectors have "
            f"{matrix.shape[1] if matrix.ndim == 2 else matrix.shape}; they cannot come from the same model"
        )
    dots = matrix @ vector
    norms = np.linalg.norm(matrix, axis=1) * float(np.linalg.norm(vector))
    # Dividing by 1 where a norm is 0 leaves those dot products, which are 0 too.
    scores = dots / np.where(norms > 0, norms, 1.0)
    return scores.astype(np.float32, copy=False)


def rank(query: FloatMatrix, matrix: FloatMatrix) -> tuple[npt.NDArray[np.intp], FloatMatrix]:
    """Return (row indices best first, scores per row); ties keep row order, so results are stable."""
    scores = cosine_scores(query, matrix)
    order = np.argsort(-scores, kind="stable")
    return order, scores
