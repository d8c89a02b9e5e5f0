"""The book-keeping of one brush stroke in progress: the old pixels it will need for its undo step.

The old pixels are kept tile by tile as the stroke first touches them, so a short stroke copies little
and a long one on a large scan never copies the whole mask.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from busviewer.core.mask_geometry import Box, union_box

# Square tiles in which a stroke keeps the pixels it is about to change; small enough that a short
# stroke copies little, large enough that a long one keeps few dictionary entries.
SNAPSHOT_TILE = 64


@dataclass
class BrushStroke:
    """A stroke that paints (``value`` True) or erases, the box it changed so far and its kept tiles."""

    value: bool
    last_point: tuple[float, float] | None = None
    box: Box | None = None
    tiles: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)

    def keep_tiles(self, data: np.ndarray, box: Box) -> None:
        """Before ``box`` of ``data`` changes: keep the pixels of every tile it touches not kept yet,
        and grow the stroke's box by it."""
        row0, row1, col0, col1 = box
        for tile_row in range(row0 // SNAPSHOT_TILE, (row1 - 1) // SNAPSHOT_TILE + 1):
            for tile_col in range(col0 // SNAPSHOT_TILE, (col1 - 1) // SNAPSHOT_TILE + 1):
                if (tile_row, tile_col) not in self.tiles:
                    top, left = tile_row * SNAPSHOT_TILE, tile_col * SNAPSHOT_TILE
                    self.tiles[(tile_row, tile_col)] = data[top : top + SNAPSHOT_TILE, left : left + SNAPSHOT_TILE].copy()
        self.box = union_box(self.box, box)

    def old_pixels(self, data: np.ndarray) -> np.ndarray:
        """The pixels of the stroke's box as they were before the stroke, rebuilt from the kept tiles."""
        if self.box is None:
            raise ValueError("the stroke changed nothing")
        row0, row1, col0, col1 = self.box
        old = data[row0:row1, col0:col1].copy()
        # Pixels outside every kept tile were never changed, so their current value is the old one.
        for (tile_row, tile_col), saved in self.tiles.items():
            top, left = tile_row * SNAPSHOT_TILE, tile_col * SNAPSHOT_TILE
            r0, r1 = max(top, row0), min(top + saved.shape[0], row1)
            c0, c1 = max(left, col0), min(left + saved.shape[1], col1)
            if r0 < r1 and c0 < c1:
                old[r0 - row0 : r1 - row0, c0 - col0 : c1 - col0] = saved[r0 - top : r1 - top, c0 - left : c1 - left]
        return old
