"""Calipers the reader places: a manual caliper without any mask, axis end points dragged with the mouse,
and all of them hidden with the mask (H)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from busviewer.gui.main_window import MainWindow
from busviewer.gui.review.controller import ReviewController
from tests.gui.review.conftest import drag, make_scan, show_scan, wait_measured

Window = tuple[MainWindow, ReviewController]


def _caliper_tool(window: MainWindow) -> None:
    # pyqtgraph updates the view's transform lazily; settle it before the test maps image points to the screen.
    window.canvas.view_box.viewPixelSize()
    window.canvas.setFocus()
    QTest.keyClick(window.canvas, Qt.Key.Key_M)


def test_a_manual_caliper_measures_without_a_mask(qtbot: QtBot, no_weights_window: Window) -> None:
    window, review = no_weights_window
    show_scan(qtbot, window, make_scan("cal.dcm", size=(100, 120), spacing_mm=(0.2, 0.2)))
    _caliper_tool(window)
    assert window.canvas.tool is review.calipers.tool and review.calipers.action.isChecked()
    drag(window, [(20.0, 20.0), (20.0, 45.0), (20.0, 70.0)])
    (segment,) = review.calipers.manual
    assert segment.length(review.scan.calibration) == pytest.approx(10.0, abs=0.3)
    line, label = review.calipers.overlay._items[0]
    assert label.toPlainText().endswith(" mm") and review.calipers.overlay.isVisible()
    assert review.frame_state.mask is None or not review.frame_state.mask.data.any()
    # A click without a drag adds nothing.
    drag(window, [(60.0, 60.0)])
    assert len(review.calipers.manual) == 1


def test_dragging_an_axis_end_point_changes_the_axis(qtbot: QtBot, no_weights_window: Window) -> None:
    window, review = no_weights_window
    show_scan(qtbot, window, make_scan("axis.png", size=(100, 120)))
    review.mask_layer.fill_polygon([(40, 20), (40, 79), (59, 79), (59, 20)])
    wait_measured(qtbot, review)
    before = review.frame_state.measurements
    (r0, c0), (r1, c1) = before.long_axis_endpoints
    far, near = ((r1, c1), (r0, c0)) if c1 > c0 else ((r0, c0), (r1, c1))
    _caliper_tool(window)
    drag(window, [(far[0] + 0.5, far[1] + 0.5), (far[0] + 0.5, far[1] + 10.5), (far[0] + 0.5, far[1] + 20.5)])
    after = review.frame_state.measurements
    assert after.long_axis_px == pytest.approx(before.long_axis_px + 20, abs=1.5)
    assert review.measurement_panel.values["long axis"].text().startswith(f"{after.long_axis_px:.0f}")
    assert not review.calipers.manual, "grabbing an axis end does not draw a manual caliper"


def test_manual_calipers_hide_with_the_mask_and_stay_with_their_frame(qtbot: QtBot, no_weights_window: Window) -> None:
    window, review = no_weights_window
    first, second = make_scan("one.png", size=(80, 80)), make_scan("two.png", size=(80, 80), seed=1)
    show_scan(qtbot, window, first)
    _caliper_tool(window)
    drag(window, [(10.0, 10.0), (30.0, 30.0)])
    overlay = review.calipers.overlay
    QTest.keyClick(window.canvas, Qt.Key.Key_H)
    assert not overlay.isVisible()
    QTest.keyClick(window.canvas, Qt.Key.Key_H)
    assert overlay.isVisible()
    show_scan(qtbot, window, second)
    assert review.calipers.manual == []
    show_scan(qtbot, window, first)
    assert len(review.calipers.manual) == 1
