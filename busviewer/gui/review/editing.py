"""Mask editing: brush, eraser and lasso tools, clean-up commands, undo/redo and the mask overlay.

The frame's :class:`~busviewer.core.mask.MaskLayer` owns the pixels and the undo history; this
controller binds the layer of the frame on screen to the overlay and routes commands to it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Protocol

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QSpinBox

from busviewer.core.constants import MIN_LESION_FRACTION
from busviewer.core.mask import MaskLayer
from busviewer.core.review_state import FrameState
from busviewer.gui.actions import make_action
from busviewer.gui.canvas import ScanCanvas
from busviewer.gui.review.overlays import BrushCursor, LassoPath, MaskOverlay
from busviewer.gui.review.tools import BrushTool, LassoTool

logger = logging.getLogger(__name__)


class AddedTool(Protocol):
    """A canvas tool added with :meth:`EditController.add_tool`: what the canvas needs, plus ``cancel``."""

    def mouse_press(self, row: float, col: float, button: Qt.MouseButton, modifiers: Qt.KeyboardModifier) -> bool: ...

    def mouse_move(self, row: float, col: float, buttons: Qt.MouseButton, modifiers: Qt.KeyboardModifier) -> bool: ...

    def mouse_release(self, row: float, col: float, button: Qt.MouseButton, modifiers: Qt.KeyboardModifier) -> bool: ...

    def wheel(self, delta: int, modifiers: Qt.KeyboardModifier) -> bool: ...

    def cancel(self) -> None: ...


class UndoInterceptor(Protocol):
    """Work an undo press takes back before the mask's history (a prompt still waiting for the model)."""

    @property
    def pending(self) -> bool: ...

    def cancel_pending(self) -> bool: ...

#: Brush radius bounds in image pixels, and the factor one step of ``[``/``]`` or Ctrl+wheel applies.
MIN_RADIUS, MAX_RADIUS, RADIUS_STEP = 1, 400, 1.25
#: Outline width on screen, in screen pixels; converted to image pixels at the current zoom.
OUTLINE_SCREEN_PX = 1.5


def default_brush_radius(shape: tuple[int, int]) -> int:
    """A brush about 1/60 of the shorter side: a few strokes cover a typical lesion."""
    return int(np.clip(round(min(shape) / 60), 2, MAX_RADIUS))


class EditController(QObject):
    """Edits the mask of the frame on screen.

    Signals
    -------
    mask_changed(tuple)
        Pixels of the bound mask changed inside the half-open box (row0, row1, col0, col1).
    history_changed()
        A step was recorded, undone or redone (or another frame's mask was bound).
    refused(str)
        An edit was refused (the case is locked); the sentence says why and what to do.
    """

    mask_changed = Signal(tuple)
    history_changed = Signal()
    refused = Signal(str)

    def __init__(self, canvas: ScanCanvas, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.canvas = canvas
        self.overlay = MaskOverlay()
        self.cursor = BrushCursor()
        self.lasso_path = LassoPath()
        # Above the heat and uncertainty layers (20, 21), so the outline stays crisp over them.
        canvas.add_overlay(self.overlay, 25)
        canvas.add_overlay(self.lasso_path, 40)
        canvas.add_overlay(self.cursor, 41)
        self.frame: FrameState | None = None
        self._layer: MaskLayer | None = None
        self._radius = 8.0
        self._cursor_at = (math.nan, math.nan)

        self.brush = BrushTool(self, eraser_mode=False)
        self.eraser = BrushTool(self, eraser_mode=True)
        self.lasso = LassoTool(self, self.lasso_path)
        # Tools other controllers add (the Point tool), and checks that may take an undo press first.
        self._added_tools: dict[str, tuple[AddedTool, QAction]] = {}
        self.undo_interceptors: list[UndoInterceptor] = []
        #: Says why the mask on screen may not change now (an approved case), or None when it may.
        self.lock_reason: Callable[[], str | None] = lambda: None
        self._build_actions()
        self.radius_box = QSpinBox()
        self.radius_box.setRange(MIN_RADIUS, MAX_RADIUS)
        self.radius_box.setPrefix("brush ")
        self.radius_box.setSuffix(" px")
        self.radius_box.setToolTip("Brush radius in image pixels ([ and ], or Ctrl+wheel)")
        self.radius_box.valueChanged.connect(lambda value: self.set_brush_radius(float(value)))
        self.radius_box.setValue(int(self._radius))

        canvas.sig_cursor_moved.connect(self._on_cursor_moved)
        # The outline is kept about 1.5 screen pixels wide whatever the zoom.
        self._outline_timer = QTimer(self, singleShot=True, interval=150)
        self._outline_timer.timeout.connect(self._fit_outline_to_zoom)
        canvas.view_box.sigRangeChanged.connect(lambda *_: self._outline_timer.start())

    # ----------------------------------------------------------------- actions
    def _build_actions(self) -> None:
        self.tool_group = QActionGroup(self)
        self.navigate_action = make_action(self, "Pan && zoom", lambda: self.select_tool("navigate"), "V")
        self.brush_action = make_action(self, "Brush", lambda: self.select_tool("brush"), "B")
        self.eraser_action = make_action(self, "Eraser", lambda: self.select_tool("eraser"), "E")
        self.lasso_action = make_action(self, "Lasso fill", lambda: self.select_tool("lasso"), "L")
        for action in (self.navigate_action, self.brush_action, self.eraser_action, self.lasso_action):
            action.setCheckable(True)
            self.tool_group.addAction(action)
        self.navigate_action.setChecked(True)
        self.brush_action.setToolTip("Brush (B): left button paints; right button or Shift erases")
        self.lasso_action.setToolTip("Lasso (L): drag an outline to fill; right button or Shift erases")
        self.smaller_action = make_action(self, "Smaller brush", lambda: self.step_brush_size(-1), "[")
        self.larger_action = make_action(self, "Larger brush", lambda: self.step_brush_size(1), "]")
        self.undo_action = make_action(self, "Undo", self.undo, QKeySequence.StandardKey.Undo)
        self.redo_action = make_action(self, "Redo", self.redo, "Ctrl+Shift+Z")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.fill_holes_action = make_action(self, "Fill holes", self.fill_holes)
        self.islands_action = make_action(self, "Remove small islands", self.remove_small_islands)
        self.clear_action = make_action(self, "Clear mask", self.clear)
        self.actions = [
            self.navigate_action, self.brush_action, self.eraser_action, self.lasso_action,
            self.smaller_action, self.larger_action, self.undo_action, self.redo_action,
            self.fill_holes_action, self.islands_action, self.clear_action,
        ]  # fmt: skip
        self._update_actions()

    def select_tool(self, name: str) -> None:
        """Install ``navigate``, ``brush``, ``eraser`` or ``lasso`` on the canvas."""
        tools: dict[str, object] = {"navigate": None, "brush": self.brush, "eraser": self.eraser, "lasso": self.lasso}
        actions = {
            "navigate": self.navigate_action,
            "brush": self.brush_action,
            "eraser": self.eraser_action,
            "lasso": self.lasso_action,
        }
        for added, (tool, action) in self._added_tools.items():
            tools[added], actions[added] = tool, action
        self.finish_gestures()
        self.canvas.set_tool(tools[name])  # type: ignore[arg-type]
        actions[name].setChecked(True)
        self._draw_cursor()

    def add_tool(self, name: str, tool: AddedTool, action: QAction) -> None:
        """Offer another canvas tool beside brush, eraser and lasso (one of them is active at a time)."""
        action.setCheckable(True)
        self.tool_group.addAction(action)
        self.actions.append(action)
        self._added_tools[name] = (tool, action)

    @property
    def active_tool(self) -> object:
        return self.canvas.tool

    # ---------------------------------------------------------------- binding
    @property
    def layer(self) -> MaskLayer | None:
        return self._layer

    def bind(self, frame: FrameState | None, shape: tuple[int, int] | None = None) -> None:
        """Show and edit the mask of ``frame`` (created empty at ``shape`` when missing); None unbinds."""
        self.finish_gestures()
        if self._layer is not None:
            self._layer.changed.disconnect(self._on_layer_changed)
            self._layer.history_changed.disconnect(self._on_layer_history)
        self.frame = frame
        self._layer = None
        if frame is not None and shape is not None:
            self._layer = frame.ensure_mask(shape)
        elif frame is not None:
            self._layer = frame.mask
        if self._layer is not None:
            self._layer.changed.connect(self._on_layer_changed)
            self._layer.history_changed.connect(self._on_layer_history)
        self.overlay.show_layer(self._layer, self.reader_owned)
        self._update_actions()
        self.history_changed.emit()

    def replace_layer(self, layer: MaskLayer) -> None:
        """Put a new layer into the bound frame (e.g. a fresh AI proposal without history) and show it."""
        if self.frame is None:
            return
        self.frame.mask = layer
        self.bind(self.frame)
        self.mask_changed.emit((0, layer.shape[0], 0, layer.shape[1]))

    @property
    def reader_owned(self) -> bool:
        """True when a person edited or accepted the bound mask (it is drawn green, not amber)."""
        return self.frame is not None and self.frame.reader_owned

    @property
    def gesture_in_progress(self) -> bool:
        """True while a brush stroke or a lasso outline is being drawn."""
        return self.brush.stroking or self.eraser.stroking or self.lasso.drawing

    def finish_gestures(self) -> None:
        """End any stroke or lasso in progress (before switching frame, tool or running a command)."""
        self.brush.cancel()
        self.eraser.cancel()
        self.lasso.cancel()
        for tool, _action in self._added_tools.values():
            tool.cancel()

    def _on_layer_changed(self, box: tuple[int, int, int, int]) -> None:
        self.overlay.redraw_box(box)
        self.mask_changed.emit(box)

    def _on_layer_history(self) -> None:
        self.overlay.set_reader_owned(self.reader_owned)
        self._update_actions()
        self.history_changed.emit()

    def refresh_actions(self) -> None:
        """Enable undo/redo and the commands for what is there to undo now (e.g. a prompt started or ended)."""
        self._update_actions()

    def _update_actions(self) -> None:
        layer = self._layer
        waiting = any(intercept.pending for intercept in self.undo_interceptors)
        self.undo_action.setEnabled(layer is not None and (layer.can_undo or waiting))
        self.redo_action.setEnabled(layer is not None and layer.can_redo)
        for action in (self.fill_holes_action, self.islands_action, self.clear_action):
            action.setEnabled(layer is not None)

    def refuses_edit(self) -> bool:
        """True (and ``refused`` is emitted with the reason) when the mask on screen may not change now."""
        reason = self.lock_reason()
        if reason is not None:
            self.refused.emit(reason)
        return reason is not None

    # ---------------------------------------------------------------- commands
    def undo(self) -> bool:
        self.finish_gestures()
        if self.refuses_edit():
            return False
        if any(intercept.cancel_pending() for intercept in self.undo_interceptors):
            return True  # e.g. a prompt still on its way was dropped: that is what this undo took back
        return self._layer.undo() if self._layer is not None else False

    def redo(self) -> bool:
        self.finish_gestures()
        if self.refuses_edit():
            return False
        return self._layer.redo() if self._layer is not None else False

    def fill_holes(self) -> None:
        self.finish_gestures()
        if self._layer is not None and not self.refuses_edit():
            self._layer.fill_holes()

    def remove_small_islands(self) -> None:
        """Erase pieces smaller than the AI's own speck limit (a share of the image)."""
        self.finish_gestures()
        if self._layer is not None and not self.refuses_edit():
            rows, cols = self._layer.shape
            self._layer.remove_small_islands(max(4, round(MIN_LESION_FRACTION * rows * cols)))

    def clear(self) -> None:
        self.finish_gestures()
        if self._layer is not None and not self.refuses_edit():
            self._layer.clear()

    # ------------------------------------------------------------------ brush
    @property
    def brush_radius(self) -> float:
        return self._radius

    def set_brush_radius(self, radius: float) -> None:
        self._radius = float(np.clip(radius, MIN_RADIUS, MAX_RADIUS))
        if self.radius_box.value() != round(self._radius):
            self.radius_box.blockSignals(True)
            self.radius_box.setValue(round(self._radius))
            self.radius_box.blockSignals(False)
        self._draw_cursor()

    def step_brush_size(self, steps: int) -> None:
        """Grow (positive) or shrink (negative) the brush by ``RADIUS_STEP`` per step, at least one pixel."""
        target = self._radius * RADIUS_STEP**steps
        if round(target) == round(self._radius):
            target = self._radius + (1 if steps > 0 else -1)
        self.set_brush_radius(target)

    def _on_cursor_moved(self, row: float, col: float) -> None:
        self._cursor_at = (row, col)
        self._draw_cursor()

    def _draw_cursor(self) -> None:
        tool = self.canvas.tool
        row, col = self._cursor_at
        if not isinstance(tool, BrushTool) or math.isnan(row) or self._layer is None:
            self.cursor.setVisible(False)
            return
        self.cursor.place(row, col, self._radius, tool.erasing_now)

    def _fit_outline_to_zoom(self) -> None:
        pixel_w, pixel_h = self.canvas.view_box.viewPixelSize()
        image_px_per_screen_px = max(pixel_w, pixel_h)
        if image_px_per_screen_px > 0 and math.isfinite(image_px_per_screen_px):
            self.overlay.set_outline_px(max(1, round(OUTLINE_SCREEN_PX * image_px_per_screen_px)))
