"""Calipers a reader places herself: a manual caliper independent of the mask, and the long/short axis
end points of the measured lesion dragged to where she would put them.

One tool (M) does both: a press near an end point (of a manual caliper or of an axis) drags that end;
a press elsewhere draws a new manual caliper. Lengths are in mm on calibrated scans, else in pixels.
Manual calipers belong to their frame and stay when the mask changes; a dragged axis holds until the
mask is measured again. Both hide with the mask (H).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence

from busviewer.core.measurements import LesionMeasurements
from busviewer.core.scan import Calibration
from busviewer.gui.canvas import ScanCanvas

Point = tuple[float, float]
#: How close (screen pixels) a press must land to an end point to grab it.
GRAB_SCREEN_PX = 9.0
MANUAL_COLOUR = "#ffd54a"


@dataclass
class Segment:
    """Two end points in canvas coordinates (row, col; pixel corners at whole numbers)."""

    start: Point
    end: Point

    def length(self, calibration: Calibration) -> float:
        """Length in mm when calibrated, else in pixels."""
        spacing = calibration.spacing_mm or (1.0, 1.0)
        return math.hypot((self.end[0] - self.start[0]) * spacing[0], (self.end[1] - self.start[1]) * spacing[1])


def length_text(segment: Segment, calibration: Calibration) -> str:
    value = segment.length(calibration)
    return f"{value:.1f} mm" if calibration.is_calibrated else f"{value:.0f} px"


class ManualCaliperOverlay(pg.GraphicsObject):
    """Manual calipers as yellow lines with round ends and their length."""

    def __init__(self) -> None:
        super().__init__()
        self._items: list[tuple[pg.PlotDataItem, pg.TextItem]] = []
        self._wanted_visible = True

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return QRectF()

    def paint(self, *args: object) -> None:
        """The children draw themselves."""

    def set_wanted_visible(self, visible: bool) -> None:
        self._wanted_visible = visible
        self.setVisible(visible)

    def show_segments(self, segments: list[Segment], texts: list[str]) -> None:
        pen = pg.mkPen(MANUAL_COLOUR, width=1.6)
        pen.setCosmetic(True)
        while len(self._items) < len(segments):
            line = pg.PlotDataItem(pen=pen, symbol="o", symbolSize=7, symbolPen=pen, symbolBrush=None)
            label = pg.TextItem(color=MANUAL_COLOUR, anchor=(0, 1), fill=pg.mkBrush(0, 0, 0, 170))
            line.setParentItem(self)
            label.setParentItem(self)
            self._items.append((line, label))
        for index, (line, label) in enumerate(self._items):
            shown = index < len(segments)
            line.setVisible(shown)
            label.setVisible(shown)
            if shown:
                segment = segments[index]
                line.setData(x=[segment.start[1], segment.end[1]], y=[segment.start[0], segment.end[0]])
                label.setText(texts[index])
                label.setPos(QPointF(segment.end[1], segment.end[0]))
        self.setVisible(self._wanted_visible)


class CaliperTool:
    """Canvas tool: drag an end point, or draw a new manual caliper."""

    def __init__(self, controller: CaliperController) -> None:
        self.controller = controller
        self._dragging: tuple[str, int, int] | None = None  # (kind, index, which end)

    @property
    def dragging(self) -> bool:
        return self._dragging is not None

    def mouse_press(self, row: float, col: float, button: Qt.MouseButton, modifiers: Qt.KeyboardModifier) -> bool:
        if button != Qt.MouseButton.LeftButton or math.isnan(row) or math.isnan(col):
            return False
        grabbed = self.controller.end_near((row, col))
        if grabbed is None:
            self.controller.manual.append(Segment((row, col), (row, col)))
            grabbed = ("manual", len(self.controller.manual) - 1, 1)
        self._dragging = grabbed
        return True

    def mouse_move(self, row: float, col: float, buttons: Qt.MouseButton, modifiers: Qt.KeyboardModifier) -> bool:
        if self._dragging is None:
            return False
        if not math.isnan(row) and not math.isnan(col):
            self.controller.move_end(self._dragging, (row, col))
        return True

    def mouse_release(self, row: float, col: float, button: Qt.MouseButton, modifiers: Qt.KeyboardModifier) -> bool:
        if self._dragging is None:
            return False
        self.controller.finish_drag(self._dragging)
        self._dragging = None
        return True

    def wheel(self, delta: int, modifiers: Qt.KeyboardModifier) -> bool:
        return False

    def cancel(self) -> None:
        self._dragging = None


class CaliperController(QObject):
    """Manual calipers per frame and dragged axis end points for the frame on screen.

    Signals
    -------
    axes_adjusted(object)
        The reader moved an axis end point: the :class:`LesionMeasurements` with her axes.
    """

    axes_adjusted = Signal(object)

    def __init__(self, canvas: ScanCanvas, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.canvas = canvas
        self.overlay = ManualCaliperOverlay()
        canvas.add_overlay(self.overlay, 31)
        self.tool = CaliperTool(self)
        self.calibration = Calibration()
        self._by_frame: dict[tuple[str, int], list[Segment]] = {}
        self._key = ("", 0)
        self.measurements: LesionMeasurements | None = None
        self.action = QAction("Caliper", self)
        self.action.setShortcut(QKeySequence("M"))
        self.action.setCheckable(True)
        self.action.setToolTip("Caliper (M): drag to measure a distance; drag an end point (also of the "
                               "long/short axis) to move it")
        self.clear_action = QAction("Clear calipers", self)
        self.clear_action.triggered.connect(lambda _checked=False: self.clear())

    @property
    def manual(self) -> list[Segment]:
        return self._by_frame.setdefault(self._key, [])

    def bind(self, scan_key: str, frame_index: int, calibration: Calibration) -> None:
        """Show the manual calipers of this frame."""
        self._key, self.calibration = (scan_key, frame_index), calibration
        self.tool.cancel()
        self._draw()

    def set_measurements(self, measurements: LesionMeasurements | None) -> None:
        """The mask was measured: its axes are the ones to drag from now on."""
        self.measurements = measurements

    def clear(self) -> None:
        """Remove this frame's manual calipers."""
        self.manual.clear()
        self._draw()

    def end_near(self, point: Point) -> tuple[str, int, int] | None:
        """The end point within grabbing distance of ``point``, as (kind, index, end), or None."""
        size = self.canvas.view_box.viewPixelSize()
        reach = GRAB_SCREEN_PX * max(abs(size[0]), abs(size[1]), 1e-9)
        candidates: list[tuple[float, tuple[str, int, int]]] = []
        for index, segment in enumerate(self.manual):
            for end, at in enumerate((segment.start, segment.end)):
                candidates.append((math.dist(point, at), ("manual", index, end)))
        if self.measurements is not None:
            for index, ends in enumerate((self.measurements.long_axis_endpoints, self.measurements.short_axis_endpoints)):
                for end, (r, c) in enumerate(ends):
                    candidates.append((math.dist(point, (r + 0.5, c + 0.5)), ("axis", index, end)))
        near = [c for c in candidates if c[0] <= reach]
        return min(near)[1] if near else None

    def move_end(self, grabbed: tuple[str, int, int], point: Point) -> None:
        kind, index, end = grabbed
        if kind == "manual":
            segment = self.manual[index]
            if end == 0:
                segment.start = point
            else:
                segment.end = point
            self._draw()
            return
        if self.measurements is None:
            return
        name = ("long_axis", "short_axis")[index]
        ends = list(getattr(self.measurements, f"{name}_endpoints"))
        ends[end] = (point[0] - 0.5, point[1] - 0.5)
        segment = Segment(ends[0], ends[1])
        spacing_known = self.calibration.is_calibrated
        self.measurements = replace(
            self.measurements, **{
                f"{name}_endpoints": (ends[0], ends[1]),
                f"{name}_px": Segment(ends[0], ends[1]).length(Calibration()),
                f"{name}_mm": segment.length(self.calibration) if spacing_known else None,
            })
        self.axes_adjusted.emit(self.measurements)

    def finish_drag(self, grabbed: tuple[str, int, int]) -> None:
        kind, index, _end = grabbed
        if kind == "manual" and self.manual[index].length(Calibration()) < 1.0:
            del self.manual[index]  # a click without a drag leaves nothing behind
        self._draw()

    def _draw(self) -> None:
        segments = self.manual
        self.overlay.show_segments(segments, [length_text(s, self.calibration) for s in segments])
