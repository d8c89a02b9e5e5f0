"""The image canvas: one scan frame in a pyqtgraph view with zoom, pan, window/level and pluggable mouse tools.

Mouse: wheel zooms, left or middle drag pans, right drag sets window (left/right) and level (up/down).
A :class:`CanvasTool` installed with :meth:`ScanCanvas.set_tool` sees every mouse event first.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QWidget

from busviewer.gui import theme

#: Window/level change per screen pixel of a right-drag, as a fraction of the image's full value range.
_WL_SENSITIVITY = 1.0 / 400.0
#: Margin around the image after fit-to-window, as a fraction of the view.
_FIT_PADDING = 0.02


class CanvasTool(Protocol):
    """A mouse tool installed on the canvas. Coordinates are image (row, col) floats.

    Each handler returns True when it consumed the event (then the canvas does not pan/zoom).
    """

    def mouse_press(self, row: float, col: float, button: Qt.MouseButton, modifiers: Qt.KeyboardModifier) -> bool: ...

    def mouse_move(self, row: float, col: float, buttons: Qt.MouseButton, modifiers: Qt.KeyboardModifier) -> bool: ...

    def mouse_release(self, row: float, col: float, button: Qt.MouseButton, modifiers: Qt.KeyboardModifier) -> bool: ...

    def wheel(self, delta: int, modifiers: Qt.KeyboardModifier) -> bool: ...


class ScanCanvas(pg.GraphicsView):
    """A zoomable view of one frame; row 0 at the top, pixels shown at their physical aspect.

    Attributes
    ----------
    view_box
        The pyqtgraph view box (y inverted, aspect locked). Overlays go in it via :meth:`add_overlay`.
    image_item
        The scan frame at z = 0, pixel (r, c) covering [c, c+1) x [r, r+1) in view coordinates.

    Signals
    -------
    sig_cursor_moved(float, float)
        Image row and column under the mouse, or (NaN, NaN) outside the image.
    sig_levels_changed(float, float)
        The display window changed to (low, high).
    """

    sig_cursor_moved = Signal(float, float)
    sig_levels_changed = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background=theme.CANVAS_BACKGROUND)
        self.view_box = pg.ViewBox(invertY=True, lockAspect=True, enableMenu=False)
        self.view_box.setDefaultPadding(_FIT_PADDING)
        self.setCentralItem(self.view_box)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.image_item.setZValue(0)
        self.view_box.addItem(self.image_item)
        # Files dropped on the picture should reach the main window, which opens them.
        self.setAcceptDrops(False)
        self.viewport().setAcceptDrops(False)
        self._tool: CanvasTool | None = None
        self._frame_shape: tuple[int, ...] | None = None
        self._levels: tuple[float, float] | None = None
        self._value_range: float = 255.0
        self._wl_anchor: tuple[QPointF, tuple[float, float]] | None = None

    # ----------------------------------------------------------------- image
    def set_frame(self, frame: np.ndarray, reset: bool = False) -> None:
        """Show ``frame``, grey (H, W) or RGB (H, W, 3).

        Zoom and window/level are kept while the size and kind stay the same (cine playback, next frame);
        ``reset=True`` (a new scan) or a new size resets levels to the data range and fits the image.
        """
        frame = np.asarray(frame)
        new_geometry = frame.shape != self._frame_shape
        if reset or new_geometry or self._levels is None:
            self._levels = default_levels(frame)
            self._value_range = max(self._levels[1] - self._levels[0], 1.0)
        self.image_item.setImage(frame, autoLevels=False, levels=self._levels)
        self._frame_shape = frame.shape
        if reset or new_geometry:
            self.fit_to_window()
            self.sig_levels_changed.emit(*self._levels)

    def clear(self) -> None:
        """Show nothing."""
        self.image_item.clear()
        self._frame_shape = None
        self._levels = None

    @property
    def has_image(self) -> bool:
        return self._frame_shape is not None

    @property
    def levels(self) -> tuple[float, float] | None:
        """The display window (low, high), or None without an image."""
        return self._levels

    def set_levels(self, low: float, high: float) -> None:
        """Set the display window: values <= ``low`` are black, >= ``high`` white."""
        if not self.has_image:
            return
        high = max(float(high), float(low) + 1e-3)
        self._levels = (float(low), high)
        self.image_item.setLevels(self._levels)
        self.sig_levels_changed.emit(*self._levels)

    def reset_levels(self) -> None:
        """Back to the full value range of the frame on screen."""
        if self.image_item.image is not None:
            self.set_levels(*default_levels(self.image_item.image))

    def set_pixel_spacing(self, spacing_mm: tuple[float, float] | None) -> None:
        """Lock the aspect so a pixel of (row, col) size ``spacing_mm`` looks physically right; None = square."""
        ratio = 1.0 if spacing_mm is None else spacing_mm[1] / spacing_mm[0]
        # pyqtgraph's ratio is screen-pixels-per-unit in x over y; a wide pixel needs more screen width per column.
        self.view_box.setAspectLocked(True, ratio=ratio)

    def fit_to_window(self) -> None:
        """Zoom so the whole image is visible and centred."""
        if self._frame_shape is None:
            return
        rows, cols = self._frame_shape[:2]
        self.view_box.setRange(QRectF(0.0, 0.0, float(cols), float(rows)), padding=_FIT_PADDING)

    # ------------------------------------------------------------- overlays
    def add_overlay(self, item: pg.GraphicsObject, z: float) -> None:
        """Add ``item`` in image coordinates above the scan (use z >= 10)."""
        item.setZValue(z)
        self.view_box.addItem(item)

    def remove_overlay(self, item: pg.GraphicsObject) -> None:
        """Take an overlay added with :meth:`add_overlay` off the canvas."""
        self.view_box.removeItem(item)

    def set_tool(self, tool: CanvasTool | None) -> None:
        """Route mouse events to ``tool`` first; None restores plain pan/zoom."""
        self._tool = tool
        self._wl_anchor = None

    @property
    def tool(self) -> CanvasTool | None:
        return self._tool

    def map_scene_to_image(self, scene_pos: QPointF) -> tuple[float, float]:
        """Image (row, col) of a scene position; whole numbers are pixel corners."""
        local = self.image_item.mapFromScene(scene_pos)
        return float(local.y()), float(local.x())

    def is_inside(self, row: float, col: float) -> bool:
        """Whether (row, col) lies on the image."""
        if self._frame_shape is None or math.isnan(row) or math.isnan(col):
            return False
        return 0.0 <= row < self._frame_shape[0] and 0.0 <= col < self._frame_shape[1]

    # ---------------------------------------------------------- Qt events
    def _image_pos(self, event: QMouseEvent) -> tuple[float, float]:
        return self.map_scene_to_image(self.mapToScene(event.position().toPoint()))

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        row, col = self._image_pos(event)
        if self._tool is not None and self._tool.mouse_press(row, col, event.button(), event.modifiers()):
            event.accept()
            return
        if event.button() == Qt.MouseButton.RightButton and self.has_image and self._levels is not None:
            self._wl_anchor = (event.position(), self._levels)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        row, col = self._image_pos(event)
        if self.is_inside(row, col):
            self.sig_cursor_moved.emit(row, col)
        else:
            self.sig_cursor_moved.emit(math.nan, math.nan)
        if self._wl_anchor is not None:
            self._drag_window_level(event.position())
            event.accept()
            return
        if self._tool is not None and self._tool.mouse_move(row, col, event.buttons(), event.modifiers()):
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._wl_anchor is not None and event.button() == Qt.MouseButton.RightButton:
            self._wl_anchor = None
            event.accept()
            return
        row, col = self._image_pos(event)
        if self._tool is not None and self._tool.mouse_release(row, col, event.button(), event.modifiers()):
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt override
        delta = event.angleDelta().y() or event.angleDelta().x()
        if self._tool is not None and self._tool.wheel(delta, event.modifiers()):
            event.accept()
            return
        super().wheelEvent(event)

    def leaveEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        self.sig_cursor_moved.emit(math.nan, math.nan)
        super().leaveEvent(event)

    def _drag_window_level(self, position: QPointF) -> None:
        assert self._wl_anchor is not None
        start, (low, high) = self._wl_anchor
        step = self._value_range * _WL_SENSITIVITY
        width = max((high - low) + (position.x() - start.x()) * step, 1.0)
        # Dragging up brightens the image (lower level), as on most ultrasound workstations.
        centre = (high + low) / 2 + (position.y() - start.y()) * step
        self.set_levels(centre - width / 2, centre + width / 2)


def default_levels(frame: np.ndarray) -> tuple[float, float]:
    """The display window that shows ``frame`` as stored: full scale for 8-bit, data range otherwise."""
    data = np.asarray(frame)
    if data.dtype == np.uint8:
        return 0.0, 255.0
    if data.size == 0:
        return 0.0, 1.0
    low, high = float(np.min(data)), float(np.max(data))
    return (low, high) if high > low else (low, low + 1.0)
