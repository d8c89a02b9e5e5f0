"""A bool mask that is empty outside one rectangle, kept as that rectangle and the pixels inside it.

How masks cross the pipe to and from the compute process: a lesion of a 12-megapixel frame is a few
hundred thousand pixels, so only its rectangle travels, bit-packed, instead of the whole frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from busviewer.core.mask_geometry import Box, true_box


@dataclass(frozen=True)
class MaskRegion:
    """A (rows, cols) bool mask that is False outside ``box``; ``pixels`` is the mask inside ``box``
    (``box`` None: the mask is empty). Pickles bit-packed."""

    shape: tuple[int, int]
    box: Box | None
    pixels: np.ndarray | None

    @classmethod
    def from_dense(cls, mask: np.ndarray) -> MaskRegion:
        """The region form of a full-size mask (its True pixels' bounding box)."""
        mask = np.asarray(mask, dtype=bool)
        box = true_box(mask)
        shape = (int(mask.shape[0]), int(mask.shape[1]))
        if box is None:
            return cls(shape, None, None)
        return cls(shape, box, mask[box[0] : box[1], box[2] : box[3]].copy())

    @classmethod
    def empty(cls, shape: tuple[int, int]) -> MaskRegion:
        return cls((int(shape[0]), int(shape[1])), None, None)

    def crop(self, box: Box) -> np.ndarray:
        """The mask inside ``box`` (any box within the frame), as a new bool array."""
        r0, r1, c0, c1 = box
        out = np.zeros((r1 - r0, c1 - c0), dtype=bool)
        if self.box is None or self.pixels is None:
            return out
        a0, a1, b0, b1 = max(r0, self.box[0]), min(r1, self.box[1]), max(c0, self.box[2]), min(c1, self.box[3])
        if a0 < a1 and b0 < b1:
            out[a0 - r0 : a1 - r0, b0 - c0 : b1 - c0] = self.pixels[a0 - self.box[0] : a1 - self.box[0],
                                                                   b0 - self.box[2] : b1 - self.box[2]]  # fmt: skip
        return out

    def to_dense(self) -> np.ndarray:
        """The full-size mask."""
        return self.crop((0, self.shape[0], 0, self.shape[1]))

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        if self.box is None or self.pixels is None:
            return (MaskRegion, (self.shape, None, None))
        return (_unpack, (self.shape, self.box, np.packbits(self.pixels, axis=None)))


def _unpack(shape: tuple[int, int], box: Box, packed: np.ndarray) -> MaskRegion:
    rows, cols = box[1] - box[0], box[3] - box[2]
    pixels = np.unpackbits(packed, count=rows * cols).astype(bool).reshape(rows, cols)
    return MaskRegion(shape, box, pixels)
