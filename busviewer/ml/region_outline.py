"""The outline a network-resolution lesion map gives at source size, computed only where it can be lesion.

``probability_to_mask(letterbox.to_source(map))`` upsamples the whole map to the frame (12 million pixels
for a 4000 x 3000 scan) to find a lesion of a few hundred thousand. Bilinear upsampling never exceeds the
largest of the four input pixels around a source pixel, so a source pixel can pass the threshold only in
an input cell whose corners do; each connected group of such cells holds whole source components. Here
only the source rectangles of those groups (merged where they overlap) are upsampled, and the clean-up rules of
``busviewer.ml.postprocess`` (size, mass, holes) are applied to their components: the same outline as the
whole-frame path (``dense_outline``), in time that grows with the lesion rather than with the frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage

from busviewer.core.constants import MASK_THRESHOLD, MIN_COMPONENT_MASS_SHARE, MIN_LESION_FRACTION
from busviewer.core.mask_geometry import Box, true_box, union_box
from busviewer.core.mask_region import MaskRegion
from busviewer.ml.letterbox import Letterbox
from busviewer.ml.postprocess import fill_holes, probability_to_mask

_EPS = 1e-6
#: Slack (logits) on the cell test, so float rounding in the interpolation can never hide a lesion pixel.
_CELL_SLACK = 1e-3


@dataclass(frozen=True)
class _Axis:
    """For each source index along one axis: the two input indices it interpolates and the upper weight
    (OpenCV's ``INTER_LINEAR`` half-pixel rule, clamped at the edges)."""

    low: np.ndarray
    high: np.ndarray
    weight: np.ndarray

    @classmethod
    def build(cls, n_input: int, n_source: int) -> _Axis:
        position = (np.arange(n_source, dtype=np.float64) + 0.5) * (n_input / n_source) - 0.5
        low = np.floor(position).astype(np.int64)
        weight = (position - low).astype(np.float32)
        before, after = low < 0, low >= n_input - 1
        low[before], weight[before] = 0, 0.0
        low[after], weight[after] = n_input - 1, 0.0
        return cls(low, np.minimum(low + 1, n_input - 1), weight)

    def part(self, start: int, stop: int) -> _Axis:
        return _Axis(self.low[start:stop], self.high[start:stop], self.weight[start:stop])


def _content_logits(lesion: np.ndarray, box: Letterbox) -> np.ndarray:
    """The map's logits inside the letterbox content, as ``Letterbox.to_source`` forms them."""
    p = np.clip(lesion[box.content_slice()].astype(np.float32), _EPS, 1.0 - _EPS)
    return np.log(p) - np.log1p(-p)


def _upsample(logits: np.ndarray, rows: _Axis, cols: _Axis) -> np.ndarray:
    """Bilinear logits at the source pixels ``rows`` x ``cols`` (each value depends only on its own
    indices, so any rectangle gives exactly the values the whole frame would)."""
    first, last = int(rows.low[0]), int(rows.high[-1])
    band = logits[first : last + 1]
    across = band[:, cols.low] * (1.0 - cols.weight) + band[:, cols.high] * cols.weight
    upper = rows.weight[:, np.newaxis]
    return across[rows.low - first] * (1.0 - upper) + across[rows.high - first] * upper


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)


def _threshold_logit(threshold: float) -> float:
    return float(np.log(threshold) - np.log1p(-threshold))


def _disjoint(rects: list[Box]) -> list[Box]:
    """Merge overlapping rectangles until none overlap (each merged one is the box around its parts)."""
    rects = list(rects)
    merged = True
    while merged:
        merged = False
        out: list[Box] = []
        for rect in rects:
            for index, other in enumerate(out):
                if rect[0] < other[1] and other[0] < rect[1] and rect[2] < other[3] and other[2] < rect[3]:
                    out[index] = union_box(rect, other)  # type: ignore[assignment]
                    merged = True
                    break
            else:
                out.append(rect)
        rects = out
    return rects


def _regions(logits: np.ndarray, rows: _Axis, cols: _Axis, threshold: float, min_area: float) -> list[Box]:
    """Disjoint source rectangles (area coordinates) that together hold every component that can pass
    ``threshold`` with at least ``min_area`` pixels; each component lies wholly inside one of them."""
    n_rows, n_cols = logits.shape
    if rows.low.size < n_rows or cols.low.size < n_cols:
        # Shrinking: neighbouring source pixels may skip input cells, so the cell groups do not bound components.
        return [(0, rows.low.size, 0, cols.low.size)]
    corners = np.pad(logits, ((0, 1), (0, 1)), mode="edge")
    cell_max = np.maximum.reduce([corners[:-1, :-1], corners[1:, :-1], corners[:-1, 1:], corners[1:, 1:]])
    hot = (cell_max > _threshold_logit(threshold) - _CELL_SLACK).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(hot, connectivity=8)
    rects: list[Box] = []
    for label in range(1, count):
        x, y, w, h = (int(v) for v in stats[label, :4])
        r0, r1 = int(np.searchsorted(rows.low, y, "left")), int(np.searchsorted(rows.low, y + h - 1, "right"))
        c0, c1 = int(np.searchsorted(cols.low, x, "left")), int(np.searchsorted(cols.low, x + w - 1, "right"))
        if (r1 - r0) * (c1 - c0) >= min_area:  # smaller groups hold only components the size rule drops
            rects.append((r0, r1, c0, c1))
    return _disjoint(rects)


@dataclass
class _Piece:
    """One rectangle's components: labels, summed probability and whether each is kept (label 0: none)."""

    rect: Box
    labels: np.ndarray
    mass: np.ndarray
    keep: np.ndarray


def region_outline(lesion: np.ndarray, box: Letterbox, threshold: float = MASK_THRESHOLD) -> MaskRegion:
    """``probability_to_mask(box.to_source(lesion))``'s outline as a region, computed near the lesion only.

    Parameters
    ----------
    lesion
        The network's lesion probability at input resolution (S, S).
    box
        Where the source frame sits in the input.
    """
    logits = _content_logits(lesion, box)
    rows, cols = _Axis.build(logits.shape[0], box.area.rows), _Axis.build(logits.shape[1], box.area.columns)
    frame_pixels = box.source_shape[0] * box.source_shape[1]
    pieces: list[_Piece] = []
    min_area = MIN_LESION_FRACTION * frame_pixels
    for r0, r1, c0, c1 in _regions(logits, rows, cols, threshold, min_area):
        probability = _sigmoid(_upsample(logits, rows.part(r0, r1), cols.part(c0, c1)))
        binary = probability > threshold
        if not binary.any():
            continue
        count, labels, stats, _ = cv2.connectedComponentsWithStats(binary.astype(np.uint8), connectivity=8)
        mass = np.asarray(ndimage.sum_labels(probability, labels, index=np.arange(count)), dtype=np.float64)
        keep = stats[:, cv2.CC_STAT_AREA] >= min_area
        keep[0] = False
        pieces.append(_Piece((r0, r1, c0, c1), labels, mass, keep))
    # The clean-up rules of probability_to_mask, over the components of every rectangle together.
    if sum(int(piece.keep.sum()) for piece in pieces) > 1:
        strongest = max(float(piece.mass[piece.keep].max()) for piece in pieces if piece.keep.any())
        for piece in pieces:
            piece.keep &= piece.mass >= MIN_COMPONENT_MASS_SHARE * strongest
    kept = [(piece.rect, fill_holes(piece.keep[piece.labels])) for piece in pieces if piece.keep.any()]
    if not kept:
        return MaskRegion.empty(box.source_shape)
    top, bottom = min(r[0] for r, _ in kept), max(r[1] for r, _ in kept)
    left, right = min(r[2] for r, _ in kept), max(r[3] for r, _ in kept)
    union = np.zeros((bottom - top, right - left), dtype=bool)
    for (r0, r1, c0, c1), mask in kept:
        union[r0 - top : r1 - top, c0 - left : c1 - left] |= mask
    tight = true_box(union)
    assert tight is not None
    a0, a1, b0, b1 = tight
    dy, dx = box.area.top + top, box.area.left + left
    return MaskRegion(box.source_shape, (a0 + dy, a1 + dy, b0 + dx, b1 + dx), union[a0:a1, b0:b1].copy())


def dense_outline(lesion: np.ndarray, box: Letterbox, threshold: float = MASK_THRESHOLD) -> np.ndarray:
    """The same outline over the whole frame, through ``probability_to_mask`` (the reference the region
    path is checked against; it costs a full-frame upsampling)."""
    logits = _content_logits(lesion, box)
    rows, cols = _Axis.build(logits.shape[0], box.area.rows), _Axis.build(logits.shape[1], box.area.columns)
    probability = np.zeros(box.source_shape, dtype=np.float32)
    probability[box.area.top : box.area.bottom, box.area.left : box.area.right] = _sigmoid(_upsample(logits, rows, cols))
    return probability_to_mask(probability, threshold)
