"""Live measurements: mm on calibrated scans, pixels and a visible warning on uncalibrated ones, calipers drawn."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from busviewer.gui.main_window import MainWindow
from busviewer.gui.review.controller import ReviewController
from tests.gui.review.conftest import make_scan, show_scan, wait_measured

Window = tuple[MainWindow, ReviewController]


def test_calibrated_scan_measures_in_millimetres(qtbot: QtBot, no_weights_window: Window) -> None:
    window, review = no_weights_window
    show_scan(qtbot, window, make_scan("calibrated.dcm", size=(100, 100), spacing_mm=(0.2, 0.2)))
    review.mask_layer.fill_polygon([(20, 10), (20, 59), (39, 59), (39, 10)])  # 20 rows x 50 cols
    wait_measured(qtbot, review)
    panel = review.measurement_panel
    assert not panel.uncalibrated_warning.isVisible()
    assert panel.values["area"].text() == f"{20 * 50 * 0.04:.1f} mm²"
    assert panel.values["depth × width"].text() == "4.0 × 10.0 mm"
    assert panel.values["long axis"].text().endswith("mm")
    assert not panel.shape_flag.isVisible()
    calipers = review.measuring.calipers
    assert calipers.isVisible()
    xs, ys = calipers._long.getData()
    assert max(xs) - min(xs) > 40, "the long axis runs along the 50-pixel width"


def test_uncalibrated_scan_warns_and_measures_in_pixels(qtbot: QtBot, no_weights_window: Window) -> None:
    window, review = no_weights_window
    show_scan(qtbot, window, make_scan("plain.png", size=(100, 100)))
    review.mask_layer.fill_polygon([(10, 40), (10, 49), (69, 49), (69, 40)])  # 60 rows x 10 cols
    wait_measured(qtbot, review)
    panel = review.measurement_panel
    assert panel.uncalibrated_warning.isVisible()
    assert "pixels" in panel.uncalibrated_warning.text()
    assert panel.values["area"].text() == "600 px²"
    assert panel.values["long axis"].text().endswith("px")
    assert panel.shape_flag.isVisible(), "a 60 x 10 lesion is taller than wide"


def test_measurements_follow_edits_and_undo(qtbot: QtBot, no_weights_window: Window) -> None:
    window, review = no_weights_window
    show_scan(qtbot, window, make_scan("follow.png", size=(80, 80)))
    review.mask_layer.fill_polygon([(10, 10), (10, 19), (19, 19), (19, 10)])
    wait_measured(qtbot, review)
    assert review.frame_state.measurements.area_px == pytest.approx(100)
    review.mask_layer.fill_polygon([(10, 10), (10, 29), (19, 29), (19, 10)])
    wait_measured(qtbot, review)
    assert review.frame_state.measurements.area_px == pytest.approx(200)
    review.editing.undo()
    review.editing.undo()
    wait_measured(qtbot, review)
    assert review.frame_state.measurements is None
    assert review.measurement_panel.values["area"].text() == "–"
    assert not review.measuring.calipers.isVisible()


def test_calipers_are_in_image_coordinates(qtbot: QtBot, no_weights_window: Window) -> None:
    window, review = no_weights_window
    show_scan(qtbot, window, make_scan("offset.png", size=(100, 120)))
    review.mask_layer.fill_polygon([(60, 70), (60, 109), (69, 109), (69, 70)])  # rows 60-69, cols 70-109
    wait_measured(qtbot, review)
    (r0, c0), (r1, c1) = review.frame_state.measurements.long_axis_endpoints
    assert 59 <= min(r0, r1) and max(r0, r1) <= 70
    assert 69 <= min(c0, c1) and max(c0, c1) <= 110
    xs, ys = review.measuring.calipers._long.getData()
    assert min(xs) >= 69 and max(ys) <= 71


def test_measuring_waits_for_the_stroke_to_end(qtbot: QtBot, no_weights_window: Window) -> None:
    window, review = no_weights_window
    show_scan(qtbot, window, make_scan("stroke.png", size=(80, 80)))
    review.editing.select_tool("brush")
    layer = review.mask_layer
    review.editing.brush.mouse_press(40.5, 40.5, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    qtbot.wait(300)
    assert review.frame_state.measurements is None, "no measuring while the button is held"
    review.editing.brush.mouse_release(40.5, 40.5, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    wait_measured(qtbot, review)
    assert review.frame_state.measurements is not None
    assert review.frame_state.measurements.area_px == layer.data.sum()
