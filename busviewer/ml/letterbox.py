"""Fit an imaging area into the network's square input without squashing it, and map outputs back.

The area is scaled by one factor (its longer side becomes the input side) and centred on a zero pad, so a
lesion keeps its shape whatever the screen's aspect. ``to_source`` undoes exactly this mapping.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from busviewer.ml.imaging_area import ImagingArea

_EPS = 1e-6


@dataclass(frozen=True)
class Letterbox:
    """Where an imaging area of a ``source_shape`` frame lands inside a ``size`` x ``size`` input."""

    source_shape: tuple[int, int]
    area: ImagingArea
    size: int
    #: False for weights trained on squashed inputs (format 1): the area is stretched to the square.
    keep_aspect: bool = True

    @property
    def scale(self) -> float:
        return self.size / max(self.area.rows, self.area.columns)

    @property
    def content_shape(self) -> tuple[int, int]:
        """(rows, cols) the area occupies inside the input."""
        if not self.keep_aspect:
            return (self.size, self.size)
        return (max(int(round(self.area.rows * self.scale)), 1), max(int(round(self.area.columns * self.scale)), 1))

    @property
    def offset(self) -> tuple[int, int]:
        rows, cols = self.content_shape
        return ((self.size - rows) // 2, (self.size - cols) // 2)

    def content_slice(self) -> tuple[slice, slice]:
        (rows, cols), (dy, dx) = self.content_shape, self.offset
        return slice(dy, dy + rows), slice(dx, dx + cols)

    def to_input(self, array: np.ndarray, interpolation: int | None = None) -> np.ndarray:
        """Crop ``array`` (source size) to the area, scale it and pad it to the input square with zeros."""
        crop = self.area.crop(array)
        rows, cols = self.content_shape
        if interpolation is None:
            shrinking = rows < crop.shape[0] or cols < crop.shape[1]
            interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
        resized = cv2.resize(crop, (cols, rows), interpolation=interpolation)
        out = np.zeros((self.size, self.size), dtype=resized.dtype)
        out[self.content_slice()] = resized
        return out

    def point_to_input(self, row: float, col: float) -> tuple[float, float]:
        """A source pixel position (row, col) in input coordinates."""
        dy, dx = self.offset
        rows, cols = self.content_shape
        scale_y, scale_x = rows / self.area.rows, cols / self.area.columns
        return ((row - self.area.top + 0.5) * scale_y - 0.5 + dy, (col - self.area.left + 0.5) * scale_x - 0.5 + dx)

    def to_source(self, probability: np.ndarray) -> np.ndarray:
        """An input-size probability map at source size: logit-space resize inside the area, 0 outside."""
        inner = probability[self.content_slice()].astype(np.float32)
        p = np.clip(inner, _EPS, 1.0 - _EPS)
        logits = np.log(p) - np.log1p(-p)
        resized = cv2.resize(logits, (self.area.columns, self.area.rows), interpolation=cv2.INTER_LINEAR)
        out = np.zeros(self.source_shape, dtype=np.float32)
        out[self.area.top : self.area.bottom, self.area.left : self.area.right] = 1.0 / (1.0 + np.exp(-resized))
        return out

    def to_source_linear(self, values: np.ndarray) -> np.ndarray:
        """An input-size map of any values (heat map, uncertainty) at source size, 0 outside the area."""
        inner = values[self.content_slice()].astype(np.float32)
        resized = cv2.resize(inner, (self.area.columns, self.area.rows), interpolation=cv2.INTER_LINEAR)
        out = np.zeros(self.source_shape, dtype=np.float32)
        out[self.area.top : self.area.bottom, self.area.left : self.area.right] = resized
        return out


def normalise_content(image: np.ndarray, box: Letterbox) -> np.ndarray:
    """Z-score the input square from the statistics of the imaging area only; the pad becomes 0."""
    data = image.astype(np.float32)
    content = data[box.content_slice()]
    out = np.zeros_like(data)
    out[box.content_slice()] = (content - content.mean()) / (content.std() + 1e-3)
    return out
