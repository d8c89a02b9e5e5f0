"""The canvas on its own: frames, zoom, window/level, coordinates and mouse tools."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from pytestqt.qtbot import QtBot

from busviewer.gui.canvas import ScanCanvas, default_levels


@pytest.fixture
def canvas(qtbot: QtBot) -> ScanCanvas:
    view = ScanCanvas()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    qtbot.waitExposed(view)
    return view


def _widget_point(canvas: ScanCanvas, row: float, col: float) -> QPoint:
    return canvas.mapFromScene(canvas.view_box.mapViewToScene(QPointF(col, row)))


class RecordingTool:
    """A tool that consumes every event and remembers what it saw."""

    def __init__(self) -> None:
        self.events: list[tuple[str, float, float]] = []
        self.wheels: list[int] = []

    def mouse_press(self, row: float, col: float, button: Qt.MouseButton, modifiers: Qt.KeyboardModifier) -> bool:
        self.events.append(("press", row, col))
        return True

    def mouse_move(self, row: float, col: float, buttons: Qt.MouseButton, modifiers: Qt.KeyboardModifier) -> bool:
        self.events.append(("move", row, col))
        return True

    def mouse_release(self, row: float, col: float, button: Qt.MouseButton, modifiers: Qt.KeyboardModifier) -> bool:
        self.events.append(("release", row, col))
        return True

    def wheel(self, delta: int, modifiers: Qt.KeyboardModifier) -> bool:
        self.wheels.append(delta)
        return True


def test_same_size_frame_keeps_zoom_and_new_size_fits(canvas: ScanCanvas) -> None:
    canvas.set_frame(np.zeros((50, 80), np.uint8))
    canvas.view_box.scaleBy((0.25, 0.25))
    zoomed = canvas.view_box.viewRange()
    canvas.set_frame(np.full((50, 80), 7, np.uint8))
    assert canvas.view_box.viewRange() == zoomed
    assert int(canvas.image_item.image[0, 0]) == 7
    canvas.set_frame(np.zeros((100, 40), np.uint8))
    (x0, x1), (y0, y1) = canvas.view_box.viewRange()
    assert x0 <= 0 and x1 >= 40 and y0 <= 0 and y1 >= 100


def test_row_zero_is_at_the_top(canvas: ScanCanvas) -> None:
    canvas.set_frame(np.zeros((50, 80), np.uint8))
    assert _widget_point(canvas, 0, 0).y() < _widget_point(canvas, 49, 0).y()
    assert _widget_point(canvas, 0, 0).x() < _widget_point(canvas, 0, 79).x()


def test_scene_to_image_mapping_round_trips(canvas: ScanCanvas) -> None:
    canvas.set_frame(np.zeros((50, 80), np.uint8))
    row, col = canvas.map_scene_to_image(canvas.view_box.mapViewToScene(QPointF(12.5, 30.25)))
    assert row == pytest.approx(30.25) and col == pytest.approx(12.5)


def test_levels_are_applied_and_announced(canvas: ScanCanvas, qtbot: QtBot) -> None:
    canvas.set_frame(np.zeros((10, 10), np.uint8))
    with qtbot.waitSignal(canvas.sig_levels_changed) as blocker:
        canvas.set_levels(40, 90)
    assert blocker.args == [40.0, 90.0]
    assert tuple(canvas.image_item.levels) == (40.0, 90.0)
    canvas.set_frame(np.ones((10, 10), np.uint8))
    assert canvas.levels == (40.0, 90.0), "the next cine frame keeps the user's window"
    canvas.set_frame(np.ones((10, 10), np.uint8), reset=True)
    assert canvas.levels == (0.0, 255.0)


def test_sixteen_bit_frames_get_their_data_range() -> None:
    frame = np.array([[100, 4000]], dtype=np.uint16)
    assert default_levels(frame) == (100.0, 4000.0)
    assert default_levels(np.zeros((2, 2), np.uint16)) == (0.0, 1.0)


def test_cursor_signal_reports_pixel_and_nan_outside(canvas: ScanCanvas, qtbot: QtBot) -> None:
    canvas.set_frame(np.zeros((50, 80), np.uint8))
    seen: list[tuple[float, float]] = []
    canvas.sig_cursor_moved.connect(lambda r, c: seen.append((r, c)))
    qtbot.mouseMove(canvas.viewport(), _widget_point(canvas, 20.5, 40.5))
    qtbot.waitUntil(lambda: bool(seen))
    row, col = seen[-1]
    assert math.floor(row) == 20 and math.floor(col) == 40
    qtbot.mouseMove(canvas.viewport(), _widget_point(canvas, -5, -5))
    qtbot.waitUntil(lambda: math.isnan(seen[-1][0]))


def test_tool_gets_events_first_and_blocks_pan_and_zoom(canvas: ScanCanvas, qtbot: QtBot) -> None:
    canvas.set_frame(np.zeros((50, 80), np.uint8))
    tool = RecordingTool()
    canvas.set_tool(tool)
    before = canvas.view_box.viewRange()
    start, end = _widget_point(canvas, 10.5, 10.5), _widget_point(canvas, 30.5, 60.5)
    qtbot.mousePress(canvas.viewport(), Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas.viewport(), end)
    qtbot.mouseRelease(canvas.viewport(), Qt.MouseButton.LeftButton, pos=end)
    kinds = [kind for kind, _, _ in tool.events]
    assert kinds[0] == "press" and kinds[-1] == "release" and "move" in kinds
    _, row, col = tool.events[0]
    assert math.floor(row) == 10 and math.floor(col) == 10
    _, row, col = tool.events[-1]
    assert math.floor(row) == 30 and math.floor(col) == 60
    assert canvas.view_box.viewRange() == before
    canvas.set_tool(None)
    assert canvas.tool is None


def test_anisotropic_pixels_are_drawn_at_their_physical_aspect(canvas: ScanCanvas) -> None:
    canvas.set_frame(np.zeros((50, 80), np.uint8))
    canvas.set_pixel_spacing((0.2, 0.1))  # rows are twice as tall as columns are wide
    canvas.fit_to_window()
    top_left, below, right = (_widget_point(canvas, *rc) for rc in ((0, 0), (10, 0), (0, 10)))
    assert (below.y() - top_left.y()) == pytest.approx(2 * (right.x() - top_left.x()), rel=0.05)


def test_overlays_sit_above_the_image(canvas: ScanCanvas) -> None:
    import pyqtgraph as pg

    overlay = pg.ImageItem(np.zeros((5, 5), np.uint8))
    canvas.add_overlay(overlay, 10)
    assert overlay.zValue() == 10 and overlay.zValue() > canvas.image_item.zValue()
    assert overlay in canvas.view_box.addedItems
    canvas.remove_overlay(overlay)
    assert overlay not in canvas.view_box.addedItems


def test_left_drag_pans_when_no_tool_is_installed(canvas: ScanCanvas, qtbot: QtBot) -> None:
    canvas.set_frame(np.zeros((50, 80), np.uint8))
    before = canvas.view_box.viewRange()
    start, end = _widget_point(canvas, 10.5, 10.5), _widget_point(canvas, 30.5, 60.5)
    qtbot.mousePress(canvas.viewport(), Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 6):
        qtbot.mouseMove(canvas.viewport(), start + (end - start) * step / 5)
    qtbot.mouseRelease(canvas.viewport(), Qt.MouseButton.LeftButton, pos=end)
    assert canvas.view_box.viewRange()[0][0] < before[0][0]


def test_tool_wheel_blocks_zoom(canvas: ScanCanvas) -> None:
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    canvas.set_frame(np.zeros((50, 80), np.uint8))
    tool = RecordingTool()
    canvas.set_tool(tool)
    before = canvas.view_box.viewRange()
    centre = QPointF(canvas.viewport().rect().center())
    wheel = QWheelEvent(
        centre,
        QPointF(canvas.viewport().mapToGlobal(centre)),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(canvas.viewport(), wheel)
    assert tool.wheels == [120]
    assert canvas.view_box.viewRange() == before
    canvas.set_tool(None)
    QApplication.sendEvent(canvas.viewport(), wheel)
    assert canvas.view_box.viewRange() != before
