"""Mask editing through real mouse and key events on the window: brush, eraser, lasso, undo/redo, brush size."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from busviewer.gui.main_window import MainWindow
from busviewer.gui.review.controller import ReviewController
from tests.gui.review.conftest import drag, make_scan, show_scan, wheel

Window = tuple[MainWindow, ReviewController]


@pytest.fixture
def editing(qtbot: QtBot, no_weights_window: Window) -> Window:
    """A window showing an empty mask (no weights, so no AI proposal arrives mid-test)."""
    window, review = no_weights_window
    show_scan(qtbot, window, make_scan("edit.png", size=(80, 120)))
    review.editing.set_brush_radius(4)
    return window, review


def test_brush_drag_paints_one_undo_step_along_the_path(qtbot: QtBot, editing: Window) -> None:
    window, review = editing
    qtbot.keyClick(window, Qt.Key.Key_B)
    drag(window, [(40.5, 20.5), (40.5, 60.5), (40.5, 100.5)])
    mask = review.mask_layer.data
    assert mask[40, 20] and mask[40, 60] and mask[40, 100]
    assert mask[40, 40], "the stroke must be continuous between mouse positions"
    assert not mask[10, 60] and not mask[70, 60]
    assert review.mask_layer.history.n_steps == 1
    assert review.mask_layer.edited


def test_right_button_and_shift_erase(qtbot: QtBot, editing: Window) -> None:
    window, review = editing
    review.mask_layer.fill_polygon([(10, 10), (10, 110), (70, 110), (70, 10)])
    qtbot.keyClick(window, Qt.Key.Key_B)
    drag(window, [(40.5, 30.5), (40.5, 40.5)], button=Qt.MouseButton.RightButton)
    assert not review.mask_layer.data[40, 35]
    drag(window, [(20.5, 80.5), (20.5, 90.5)], modifiers=Qt.KeyboardModifier.ShiftModifier)
    assert not review.mask_layer.data[20, 85]
    assert review.mask_layer.data[60, 60], "erasing must not touch pixels away from the stroke"


def test_eraser_tool_erases_with_left_button(qtbot: QtBot, editing: Window) -> None:
    window, review = editing
    review.mask_layer.fill_polygon([(10, 10), (10, 110), (70, 110), (70, 10)])
    qtbot.keyClick(window, Qt.Key.Key_E)
    drag(window, [(40.5, 50.5), (40.5, 60.5)])
    assert not review.mask_layer.data[40, 55]


def test_undo_and_redo_keys_restore_the_stroke(qtbot: QtBot, editing: Window) -> None:
    window, review = editing
    qtbot.keyClick(window, Qt.Key.Key_B)
    drag(window, [(30.5, 30.5), (30.5, 50.5)])
    painted = review.mask_layer.data.copy()
    assert painted.any()
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not review.mask_layer.data.any()
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    np.testing.assert_array_equal(review.mask_layer.data, painted)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(review.mask_layer.data, painted)


def test_lasso_fills_the_outline_and_shift_lasso_erases(qtbot: QtBot, editing: Window) -> None:
    window, review = editing
    qtbot.keyClick(window, Qt.Key.Key_L)
    drag(window, [(10, 10), (10, 60), (50, 60), (50, 10)])
    mask = review.mask_layer.data
    assert mask[30, 30] and mask[12, 12] and mask[48, 57]
    assert not mask[60, 30] and not mask[30, 70]
    assert review.mask_layer.history.n_steps == 1
    drag(window, [(20, 20), (20, 40), (40, 40), (40, 20)], modifiers=Qt.KeyboardModifier.ShiftModifier)
    assert not review.mask_layer.data[30, 30]
    assert review.mask_layer.data[12, 12]


def test_brush_size_follows_brackets_and_ctrl_wheel(qtbot: QtBot, editing: Window) -> None:
    window, review = editing
    qtbot.keyClick(window, Qt.Key.Key_B)
    start = review.editing.brush_radius
    qtbot.keyClick(window, Qt.Key.Key_BracketRight)
    assert review.editing.brush_radius > start
    qtbot.keyClick(window, Qt.Key.Key_BracketLeft)
    qtbot.keyClick(window, Qt.Key.Key_BracketLeft)
    assert review.editing.brush_radius < start
    before_zoom = window.canvas.view_box.viewRange()
    smaller = review.editing.brush_radius
    wheel(window, 40, 60, 120, Qt.KeyboardModifier.ControlModifier)
    assert review.editing.brush_radius > smaller
    assert window.canvas.view_box.viewRange() == before_zoom, "Ctrl+wheel resizes the brush instead of zooming"


def test_brush_cursor_circle_has_the_brush_size(qtbot: QtBot, editing: Window) -> None:
    window, review = editing
    qtbot.keyClick(window, Qt.Key.Key_B)
    window.canvas.sig_cursor_moved.emit(30.0, 40.0)
    cursor = review.editing.cursor
    assert cursor.isVisible()
    assert cursor.rect().width() == pytest.approx(2 * review.editing.brush_radius)
    assert cursor.rect().center().x() == pytest.approx(40.0)
    qtbot.keyClick(window, Qt.Key.Key_V)
    assert not cursor.isVisible()


def test_cleanup_commands_change_the_mask(qtbot: QtBot, editing: Window) -> None:
    window, review = editing
    layer = review.mask_layer
    layer.fill_polygon([(10, 10), (10, 60), (60, 60), (60, 10)])
    layer.paint_disk(35, 35, 5, False)
    layer.paint_disk(5, 100, 0.5, True)
    review.editing.fill_holes_action.trigger()
    assert layer.data[35, 35]
    review.editing.islands_action.trigger()
    assert not layer.data[5, 100]
    review.editing.clear_action.trigger()
    assert not layer.data.any()
    review.editing.undo_action.trigger()
    assert layer.data[35, 35]


def test_overlay_shows_the_edit_in_the_painted_box(qtbot: QtBot, editing: Window) -> None:
    window, review = editing
    style = review.layers_panel.mask_style
    style.setCurrentIndex(style.findData("filled"))
    assert review.editing.overlay.style == "filled"
    qtbot.keyClick(window, Qt.Key.Key_B)
    drag(window, [(40.5, 60.5)])
    rgba = review.editing.overlay.rgba
    assert rgba.shape[:2] == review.mask_layer.shape
    assert rgba[40, 60, 3] > 0
    assert rgba[5, 5, 3] == 0
    qtbot.keyClick(window, Qt.Key.Key_H)
    assert not review.editing.overlay.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_H)
    assert review.editing.overlay.isVisible()


def test_each_cine_frame_has_its_own_mask_and_copy_to_next(qtbot: QtBot, no_weights_window: Window) -> None:
    window, review = no_weights_window
    show_scan(qtbot, window, make_scan("cine.dcm", size=(60, 80), n_frames=3))
    review.mask_layer.paint_disk(30, 40, 6, True)
    first = review.mask_layer
    window.session.set_frame(1)
    assert review.mask_layer is not first
    assert not review.mask_layer.data.any()
    window.session.set_frame(0)
    review.copy_next_action.trigger()
    assert window.session.frame_index == 1
    np.testing.assert_array_equal(review.mask_layer.data, first.data)
    assert review.mask_layer.can_undo, "the copy is an undoable step of the next frame"


def test_escape_drops_a_lasso_outline_in_progress(qtbot: QtBot, editing: Window) -> None:
    window, review = editing
    qtbot.keyClick(window, Qt.Key.Key_L)
    lasso = review.editing.lasso
    lasso.mouse_press(10, 10, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    lasso.mouse_move(10, 60, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    lasso.mouse_move(50, 60, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    assert lasso.drawing and review.editing.lasso_path.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not lasso.drawing and not review.editing.lasso_path.isVisible()
    assert not lasso.mouse_release(50, 10, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    assert not review.mask_layer.data.any()
