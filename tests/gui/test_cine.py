"""Cine playback: the frame slider, play/pause and frame keys on a synthetic multi-frame scan."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from busviewer.gui.cine_bar import DEFAULT_FPS
from busviewer.gui.main_window import MainWindow
from tests.gui.conftest import make_scan


def _shown_frame_value(window: MainWindow) -> int:
    """Frame ``i`` of ``make_scan`` has value ``10 * i`` in column 0."""
    return int(window.canvas.image_item.image[0, 0]) // 10


def test_slider_shows_the_chosen_frame(main_window: MainWindow) -> None:
    main_window.session.set_scan(make_scan(n_frames=6))
    assert main_window.cine_bar.isVisible()
    main_window.cine_bar.slider.setValue(4)
    assert main_window.session.frame_index == 4
    assert _shown_frame_value(main_window) == 4
    assert main_window.cine_bar.frame_label.text() == "5 / 6"


def test_play_advances_and_pause_stops(main_window: MainWindow, qtbot: QtBot) -> None:
    main_window.session.set_scan(make_scan(n_frames=5, frame_rate=50.0))
    assert main_window.cine_bar.fps == 50.0
    qtbot.mouseClick(main_window.cine_bar.play_button, Qt.MouseButton.LeftButton)
    assert main_window.cine_bar.is_playing
    qtbot.waitUntil(lambda: main_window.session.frame_index >= 3, timeout=5000)
    assert _shown_frame_value(main_window) == main_window.session.frame_index
    qtbot.mouseClick(main_window.cine_bar.play_button, Qt.MouseButton.LeftButton)
    assert not main_window.cine_bar.is_playing
    stopped_at = main_window.session.frame_index
    qtbot.wait(100)
    assert main_window.session.frame_index == stopped_at
    assert main_window.cine_bar.slider.value() == stopped_at


def test_playback_loops_back_to_the_first_frame(main_window: MainWindow, qtbot: QtBot) -> None:
    main_window.session.set_scan(make_scan(n_frames=3, frame_rate=100.0))
    seen: list[int] = []
    main_window.session.frame_changed.connect(seen.append)
    main_window.cine_bar.play()
    qtbot.waitUntil(lambda: 0 in seen, timeout=5000)
    main_window.cine_bar.pause()
    assert seen[:3] == [1, 2, 0]


def test_space_plays_and_escape_pauses(main_window: MainWindow, qtbot: QtBot) -> None:
    main_window.session.set_scan(make_scan(n_frames=4))
    qtbot.keyClick(main_window, Qt.Key.Key_Space)
    assert main_window.cine_bar.is_playing
    qtbot.keyClick(main_window, Qt.Key.Key_Escape)
    assert not main_window.cine_bar.is_playing
    qtbot.keyClick(main_window, Qt.Key.Key_Space)
    qtbot.keyClick(main_window, Qt.Key.Key_Space)
    assert not main_window.cine_bar.is_playing


def test_frame_keys_step_and_jump(main_window: MainWindow, qtbot: QtBot) -> None:
    main_window.session.set_scan(make_scan(n_frames=5))
    qtbot.keyClick(main_window, Qt.Key.Key_Right)
    qtbot.keyClick(main_window, Qt.Key.Key_Right)
    assert main_window.session.frame_index == 2
    qtbot.keyClick(main_window, Qt.Key.Key_Left)
    assert main_window.session.frame_index == 1
    qtbot.keyClick(main_window, Qt.Key.Key_End)
    assert main_window.session.frame_index == 4
    qtbot.keyClick(main_window, Qt.Key.Key_Right)
    assert main_window.session.frame_index == 4, "stepping stops at the last frame"
    qtbot.keyClick(main_window, Qt.Key.Key_Home)
    assert main_window.session.frame_index == 0
    assert _shown_frame_value(main_window) == 0


def test_new_scan_stops_playback_and_single_frames_hide_the_bar(main_window: MainWindow) -> None:
    main_window.session.set_scan(make_scan(n_frames=4))
    main_window.cine_bar.play()
    main_window.session.set_scan(make_scan(n_frames=1))
    assert not main_window.cine_bar.is_playing
    assert not main_window.cine_bar.isVisible()
    main_window.session.set_scan(make_scan(n_frames=2))
    assert main_window.cine_bar.fps == DEFAULT_FPS
    assert main_window.cine_bar.frame_label.text() == "1 / 2"
