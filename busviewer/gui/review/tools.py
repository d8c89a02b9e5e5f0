"""Canvas mouse tools that turn mouse events into edits of the frame's :class:`~busviewer.core.mask.MaskLayer`.

The canvas reports positions with pixel corners at whole numbers; the mask model puts pixel centres
there, so every position is shifted by half a pixel on the way in.
"""

from __future__ import annotations

import math
from typing import Protocol

from PySide6.QtCore import Qt

from busviewer.core.mask import MaskLayer
from busviewer.gui.review.overlays import LassoPath

_DRAW_BUTTONS = (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton)


class EditTarget(Protocol):
    """What the tools edit: the mask of the frame on screen and the brush size."""

    @property
    def layer(self) -> MaskLayer | None: ...

    @property
    def brush_radius(self) -> float: ...

    def step_brush_size(self, steps: int) -> None: ...

    def refuses_edit(self) -> bool: ...


def to_mask_coordinates(row: float, col: float) -> tuple[float, float]:
    """Canvas position (pixel corners at integers) to mask position (pixel centres at integers)."""
    return row - 0.5, col - 0.5


def erases(button: Qt.MouseButton, modifiers: Qt.KeyboardModifier, eraser_mode: bool) -> bool:
    """Right button or Shift flips the tool: the brush erases and the eraser paints."""
    flipped = button == Qt.MouseButton.RightButton or bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
    return eraser_mode != flipped


class BrushTool:
    """Brush (``eraser_mode`` False) or eraser (True); one press-drag-release is one undo step."""

    def __init__(self, target: EditTarget, eraser_mode: bool = False) -> None:
        self.target = target
        self.eraser_mode = eraser_mode
        self._stroking: MaskLayer | None = None
        self.erasing_now = eraser_mode

    @property
    def stroking(self) -> bool:
        return self._stroking is not None

    def mouse_press(self, row: float, col: float, button: Qt.MouseButton, modifiers: Qt.KeyboardModifier) -> bool:
        layer = self.target.layer
        if button not in _DRAW_BUTTONS or layer is None or math.isnan(row) or math.isnan(col):
            return False
        if self.target.refuses_edit():
            return True  # the press is taken (and said no to), not passed on as a pan
        self.erasing_now = erases(button, modifiers, self.eraser_mode)
        layer.begin_stroke(not self.erasing_now)
        self._stroking = layer
        layer.stroke_to(*to_mask_coordinates(row, col), self.target.brush_radius)
        return True

    def mouse_move(self, row: float, col: float, buttons: Qt.MouseButton, modifiers: Qt.KeyboardModifier) -> bool:
        if self._stroking is None:
            self.erasing_now = erases(Qt.MouseButton.NoButton, modifiers, self.eraser_mode)
            return False
        if self._stroking is not self.target.layer:
            # The frame changed under the stroke (a result arrived, a cine advanced): close it where it was.
            self.cancel()
            return True
        if not math.isnan(row) and not math.isnan(col):
            self._stroking.stroke_to(*to_mask_coordinates(row, col), self.target.brush_radius)
        return True

    def mouse_release(self, row: float, col: float, button: Qt.MouseButton, modifiers: Qt.KeyboardModifier) -> bool:
        if self._stroking is None:
            return False
        self.cancel()
        return True

    def wheel(self, delta: int, modifiers: Qt.KeyboardModifier) -> bool:
        if not modifiers & Qt.KeyboardModifier.ControlModifier or delta == 0:
            return False
        self.target.step_brush_size(1 if delta > 0 else -1)
        return True

    def cancel(self) -> None:
        """End the stroke in progress (it stays as one undo step)."""
        layer, self._stroking = self._stroking, None
        if layer is not None:
            layer.end_stroke()


class LassoTool:
    """Drag an outline; on release its inside is filled (left button) or erased (right button or Shift)."""

    def __init__(self, target: EditTarget, path_item: LassoPath) -> None:
        self.target = target
        self.path_item = path_item
        self._points: list[tuple[float, float]] = []
        self._erasing = False

    @property
    def drawing(self) -> bool:
        return bool(self._points)

    def mouse_press(self, row: float, col: float, button: Qt.MouseButton, modifiers: Qt.KeyboardModifier) -> bool:
        if button not in _DRAW_BUTTONS or self.target.layer is None or math.isnan(row) or math.isnan(col):
            return False
        if self.target.refuses_edit():
            return True
        self._erasing = erases(button, modifiers, eraser_mode=False)
        self._points = [(row, col)]
        return True

    def mouse_move(self, row: float, col: float, buttons: Qt.MouseButton, modifiers: Qt.KeyboardModifier) -> bool:
        if not self._points:
            return False
        if math.isnan(row) or math.isnan(col):
            return True
        last_row, last_col = self._points[-1]
        # Sub-pixel wiggles add vertices without changing which pixels are inside.
        if abs(row - last_row) + abs(col - last_col) >= 0.5:
            self._points.append((row, col))
            self.path_item.show_points(self._points, self._erasing)
        return True

    def mouse_release(self, row: float, col: float, button: Qt.MouseButton, modifiers: Qt.KeyboardModifier) -> bool:
        if not self._points:
            return False
        if not math.isnan(row) and not math.isnan(col):
            self._points.append((row, col))
        points, self._points = self._points, []
        self.path_item.show_points([], False)
        layer = self.target.layer
        if layer is not None and len(points) >= 3:
            layer.fill_polygon([to_mask_coordinates(r, c) for r, c in points], value=not self._erasing)
        return True

    def wheel(self, delta: int, modifiers: Qt.KeyboardModifier) -> bool:
        return False

    def cancel(self) -> None:
        """Drop the outline being drawn."""
        self._points = []
        self.path_item.show_points([], False)
