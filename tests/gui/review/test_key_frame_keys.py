"""K marks and unmarks the cine frame on screen as reviewed; accepting the AI mask (A) marks it too."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from busviewer.gui.main_window import MainWindow
from busviewer.gui.review.controller import ReviewController
from tests.gui.review.conftest import make_scan, show_scan, wait_for_prediction


def test_k_and_a_mark_the_frame_on_screen(qtbot: QtBot, review_window: tuple[MainWindow, ReviewController]) -> None:
    window, review = review_window
    show_scan(qtbot, window, make_scan("cine.png", n_frames=4))
    marker = review.key_frames
    qtbot.keyClick(window, Qt.Key.Key_K)
    assert review.state.key_frames == {0} and marker.action.isChecked()
    assert window.statusBar().currentMessage() == "Frame 1 marked as reviewed: exports include it."
    qtbot.keyClick(window, Qt.Key.Key_K)
    assert review.state.key_frames == set() and not marker.action.isChecked()
    qtbot.keyClick(window, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: window.session.frame_index == 1)
    wait_for_prediction(qtbot, review)
    qtbot.keyClick(window, Qt.Key.Key_A)
    assert review.state.key_frames == {1} and marker.action.isChecked()
