"""Find the imaging area of an ultrasound frame: the B-mode sector or rectangle inside the screen furniture.

Full-screen captures (BUSI) carry text, rulers, colour bars and logos on a black screen around the image;
already-cropped scans (BUS-BRA) are all imaging area. The network sees only this area, so what a scanner
draws around the image cannot steer it, and a scan looks the same to it whichever screen layout it came from.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

#: Side (pixels) the frame is shrunk to for the search; the area is found coarsely and mapped back.
_SEARCH_SIDE = 256
#: Grey level above which a blurred pixel counts as lit (echo) rather than black screen.
_LIT_LEVEL = 10
#: Opening kernel (search pixels): removes strokes of text, ruler ticks and thin lines.
_OPEN_KERNEL = 7
#: An area covering less than this share of the frame is not believed; the whole frame is used.
_MIN_AREA_SHARE = 0.2
#: Margin added around the found area on each side, as a share of its size: the edge of the sector is dim.
_MARGIN_SHARE = 0.03


@dataclass(frozen=True)
class ImagingArea:
    """Half-open pixel box ``[top, bottom) x [left, right)`` in source coordinates."""

    top: int
    bottom: int
    left: int
    right: int

    @property
    def rows(self) -> int:
        return self.bottom - self.top

    @property
    def columns(self) -> int:
        return self.right - self.left

    def crop(self, array: np.ndarray) -> np.ndarray:
        return array[self.top : self.bottom, self.left : self.right]

    @classmethod
    def whole(cls, shape: tuple[int, ...]) -> ImagingArea:
        return cls(0, int(shape[0]), 0, int(shape[1]))


def find_imaging_area(grey: np.ndarray) -> ImagingArea:
    """The box around the largest lit, textured region of a uint8 grey frame (the whole frame if none)."""
    rows, cols = grey.shape[:2]
    scale = _SEARCH_SIDE / max(rows, cols)
    small = cv2.resize(grey, (max(int(round(cols * scale)), 1), max(int(round(rows * scale)), 1)),
                       interpolation=cv2.INTER_AREA) if scale < 1 else grey
    scale = small.shape[0] / rows
    lit = (cv2.blur(small, (5, 5)) > _LIT_LEVEL).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (_OPEN_KERNEL, _OPEN_KERNEL))
    lit = cv2.morphologyEx(lit, cv2.MORPH_OPEN, kernel)
    count, _, stats, _ = cv2.connectedComponentsWithStats(lit, connectivity=8)
    if count <= 1:
        return ImagingArea.whole(grey.shape)
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h = (int(v) for v in stats[best, :4])
    if w * h < _MIN_AREA_SHARE * lit.size:
        return ImagingArea.whole(grey.shape)
    margin_y, margin_x = _MARGIN_SHARE * h, _MARGIN_SHARE * w
    top = max(int(np.floor((y - margin_y) / scale)), 0)
    left = max(int(np.floor((x - margin_x) / scale)), 0)
    bottom = min(int(np.ceil((y + h + margin_y) / scale)), rows)
    right = min(int(np.ceil((x + w + margin_x) / scale)), cols)
    return ImagingArea(top, bottom, left, right)
