"""Pixel geometry of mask edits: half-open (row0, row1, col0, col1) boxes and the brush's capsule.

Coordinates are (row, col) floats in the numpy/scikit-image convention: the centre of pixel ``[r, c]`` is
at ``(r, c)``.
"""

from __future__ import annotations

import math

import numpy as np

#: Half-open (row0, row1, col0, col1).
Box = tuple[int, int, int, int]


def union_box(a: Box | None, b: Box | None) -> Box | None:
    """The smallest box holding both (None counts as empty)."""
    if a is None or b is None:
        return a or b
    return min(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), max(a[3], b[3])


def true_box(flags: np.ndarray) -> Box | None:
    """Half-open bounding box of the True pixels of a 2-D bool array, or None when there are none."""
    rows = np.flatnonzero(flags.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(flags.any(axis=0))
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def capsule(
    start: tuple[float, float], end: tuple[float, float], radius: float, shape: tuple[int, int]
) -> tuple[Box, np.ndarray] | None:
    """Pixels within ``radius`` of the segment start-end: the clipped box and a bool array over it."""
    (ra, ca), (rb, cb) = start, end
    row0 = max(math.floor(min(ra, rb) - radius), 0)
    row1 = min(math.ceil(max(ra, rb) + radius) + 1, shape[0])
    col0 = max(math.floor(min(ca, cb) - radius), 0)
    col1 = min(math.ceil(max(ca, cb) + radius) + 1, shape[1])
    if row0 >= row1 or col0 >= col1:
        return None
    rows = np.arange(row0, row1, dtype=np.float64)[:, None] - ra
    cols = np.arange(col0, col1, dtype=np.float64)[None, :] - ca
    d_row, d_col = rb - ra, cb - ca
    length2 = d_row * d_row + d_col * d_col
    if length2 > 0.0:
        t = np.clip((rows * d_row + cols * d_col) / length2, 0.0, 1.0)
        rows = rows - t * d_row
        cols = cols - t * d_col
    inside = rows * rows + cols * cols <= radius * radius
    return (row0, row1, col0, col1), inside
