"""The BI-RADS panel: the AI's descriptors follow the mask on screen, the reader changes a word with one
click or one key, and her choices and comment land in the review state (which autosave stores)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from busviewer.core.scan import UltrasoundScan
from busviewer.gui.main_window import MainWindow
from busviewer.gui.review.birads_panel import AI_WORD_STYLE, WORD_STYLE
from busviewer.gui.review.controller import ReviewController
from tests.gui.review.conftest import make_scan, show_scan, wait_measured

Window = tuple[MainWindow, ReviewController]


def _assessed(qtbot: QtBot, review: ReviewController) -> None:
    wait_measured(qtbot, review)
    qtbot.waitUntil(lambda: not review.birads.pending, timeout=10_000)


def _ellipse(review: ReviewController, rows: tuple[int, int], cols: tuple[int, int]) -> None:
    r0, r1 = rows
    c0, c1 = cols
    angles = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    centre, half = ((r0 + r1) / 2, (c0 + c1) / 2), ((r1 - r0) / 2, (c1 - c0) / 2)
    review.mask_layer.fill_polygon([(centre[0] + half[0] * np.sin(a), centre[1] + half[1] * np.cos(a)) for a in angles])


def test_ai_descriptors_follow_the_readers_outline(qtbot: QtBot, no_weights_window: Window) -> None:
    window, review = no_weights_window
    show_scan(qtbot, window, make_scan("lesion.png", size=(120, 160)))
    panel = review.birads.panel
    assert "No lesion outlined" in panel.summary.text()
    _ellipse(review, (45, 75), (40, 120))  # wide and smooth
    _assessed(qtbot, review)
    assert review.birads.assessment is not None
    assert panel.buttons["shape"]["oval"].isChecked()
    assert panel.buttons["orientation"]["parallel"].isChecked()
    assert panel.notes["shape"].text().startswith("AI ")
    # The reader adds a spike to the outline: the rules see it.
    review.mask_layer.fill_polygon([(45, 75), (5, 80), (45, 85)])
    review.mask_layer.fill_polygon([(75, 60), (115, 55), (75, 50)])
    review.mask_layer.fill_polygon([(60, 118), (62, 158), (64, 118)])
    _assessed(qtbot, review)
    assert panel.buttons["shape"]["irregular"].isChecked()


def test_the_ais_word_is_marked_and_the_mark_moves_with_the_outline(qtbot: QtBot, no_weights_window: Window) -> None:
    window, review = no_weights_window
    show_scan(qtbot, window, make_scan("marks.png", size=(120, 160)))
    panel = review.birads.panel
    _ellipse(review, (45, 75), (40, 120))
    _assessed(qtbot, review)
    shape = panel.buttons["shape"]
    assert shape["oval"].styleSheet() == AI_WORD_STYLE and shape["irregular"].styleSheet() == WORD_STYLE
    review.mask_layer.fill_polygon([(45, 75), (5, 80), (45, 85)])
    review.mask_layer.fill_polygon([(75, 60), (115, 55), (75, 50)])
    review.mask_layer.fill_polygon([(60, 118), (62, 158), (64, 118)])
    _assessed(qtbot, review)
    assert shape["irregular"].styleSheet() == AI_WORD_STYLE and shape["oval"].styleSheet() == WORD_STYLE


def test_one_click_sets_the_readers_word_and_a_second_click_goes_back(qtbot: QtBot, no_weights_window: Window) -> None:
    window, review = no_weights_window
    show_scan(qtbot, window, make_scan("click.png", size=(120, 160)))
    _ellipse(review, (45, 75), (40, 120))
    _assessed(qtbot, review)
    saved: list[object] = []
    review.state_changed.connect(saved.append)
    panel = review.birads.panel
    qtbot.mouseClick(panel.buttons["margin"]["spiculated"], Qt.MouseButton.LeftButton)
    assert review.state.birads_reader == {"margin": "spiculated"}
    assert panel.buttons["margin"]["spiculated"].isChecked()
    assert not panel.buttons["margin"]["circumscribed"].isChecked()
    assert panel.notes["margin"].text() == "yours (AI circ.)"
    assert saved, "a choice asks autosave to store the case"
    qtbot.mouseClick(panel.buttons["margin"]["spiculated"], Qt.MouseButton.LeftButton)
    assert review.state.birads_reader == {}
    assert panel.buttons["margin"]["circumscribed"].isChecked()


def test_keys_set_common_words_and_categories(qtbot: QtBot, no_weights_window: Window) -> None:
    window, review = no_weights_window
    show_scan(qtbot, window, make_scan("keys.png", size=(120, 160)))
    _ellipse(review, (45, 75), (40, 120))
    _assessed(qtbot, review)
    window.canvas.setFocus()
    QTest.keyClick(window.canvas, Qt.Key.Key_I, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClick(window.canvas, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert review.state.birads_reader == {"shape": "irregular", "category": "4C"}
    assert review.birads.panel.buttons["category"]["4C"].isChecked()


def test_laterality_comes_from_the_dicom_header_until_the_reader_changes_it(qtbot: QtBot, no_weights_window: Window) -> None:
    window, review = no_weights_window
    scan = make_scan("side.dcm", size=(120, 160))
    scan = UltrasoundScan(frames=scan.frames, source_path=scan.source_path, laterality="left")
    show_scan(qtbot, window, scan)
    panel = review.birads.panel
    assert panel.buttons["laterality"]["left"].isChecked() and panel.notes["laterality"].text() == "from DICOM"
    qtbot.mouseClick(panel.buttons["laterality"]["right"], Qt.MouseButton.LeftButton)
    assert review.state.birads_reader["laterality"] == "right"
    panel.clock.setFocus()
    panel.clock.setCurrentIndex(10)
    panel.clock.activated.emit(10)
    assert review.state.birads_reader["clock_face"] == "10"


def test_the_comment_is_kept_per_case(qtbot: QtBot, no_weights_window: Window) -> None:
    window, review = no_weights_window
    first, second = make_scan("one.png", size=(80, 80)), make_scan("two.png", size=(80, 80), seed=1)
    show_scan(qtbot, window, first)
    panel = review.birads.panel
    panel.comment.setFocus()
    QTest.keyClicks(panel.comment, "compare prior")
    qtbot.waitUntil(lambda: review.state.comment == "compare prior", timeout=3000)
    show_scan(qtbot, window, second)
    assert panel.comment.toPlainText() == ""
    show_scan(qtbot, window, first)
    assert panel.comment.toPlainText() == "compare prior"


def test_calibrated_size_is_in_millimetres_and_uncalibrated_says_so(qtbot: QtBot, no_weights_window: Window) -> None:
    window, review = no_weights_window
    show_scan(qtbot, window, make_scan("mm.dcm", size=(120, 160), spacing_mm=(0.1, 0.1)))
    _ellipse(review, (45, 75), (40, 120))
    _assessed(qtbot, review)
    assert review.birads.panel.size.text().endswith(" mm")
    show_scan(qtbot, window, make_scan("px.png", size=(120, 160)))
    _ellipse(review, (45, 75), (40, 120))
    _assessed(qtbot, review)
    assert "uncalibrated" in review.birads.panel.size.text()


def test_hiding_the_mask_hides_the_calipers(qtbot: QtBot, no_weights_window: Window) -> None:
    window, review = no_weights_window
    show_scan(qtbot, window, make_scan("hide.png", size=(120, 160)))
    _ellipse(review, (45, 75), (40, 120))
    _assessed(qtbot, review)
    calipers = review.measuring.calipers
    assert calipers.isVisible()
    window.canvas.setFocus()
    QTest.keyClick(window.canvas, Qt.Key.Key_H)
    assert not review.layers_panel.mask_visible.isChecked()
    assert not calipers.isVisible()
    QTest.keyClick(window.canvas, Qt.Key.Key_H)
    assert calipers.isVisible()
