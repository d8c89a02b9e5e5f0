"""K marks the frame on screen as reviewed: saved with the case (audited), shown checked, back after a restart."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from busviewer.gui.main_window import MainWindow
from tests.gui.workspace.conftest import WindowFactory, saved_to_store, workspace_of
from tests.io.test_seg import make_us_dicom


def _open(qtbot: QtBot, window: MainWindow, folder: Path) -> None:
    """Open the folder and wait for the cine (the AI is not needed to mark frames)."""
    window.open_paths([folder])
    qtbot.waitUntil(lambda: window.session.scan is not None and window.review.state is not None, timeout=30_000)


def test_k_marks_frames_as_reviewed_and_they_survive_a_restart(qtbot: QtBot, make_window: WindowFactory,
                                                                tmp_path: Path) -> None:
    folder = tmp_path / "cines"
    folder.mkdir()
    make_us_dicom(folder / "cine.dcm", rows=64, columns=80, frames=4)
    window = make_window()
    _open(qtbot, window, folder)
    review, marker = window.review, window.review.key_frames
    assert not marker.action.isChecked()
    qtbot.keyClick(window, Qt.Key.Key_K)
    qtbot.keyClick(window, Qt.Key.Key_Right)
    qtbot.keyClick(window, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: window.session.frame_index == 2)
    assert not marker.action.isChecked()  # frame 3 is not marked yet
    qtbot.keyClick(window, Qt.Key.Key_K)
    assert review.state.key_frames == {0, 2} and marker.action.isChecked()
    qtbot.keyClick(window, Qt.Key.Key_Right)
    qtbot.keyClick(window, Qt.Key.Key_K)
    qtbot.keyClick(window, Qt.Key.Key_K)  # marked and taken back: frame 4 is not reviewed
    saved_to_store(qtbot, window)
    worker = workspace_of(window).worker
    assert worker.call(lambda store: store.get_case("cine.dcm")).key_frames == {0, 2}
    trail = [(row["action"], row["frame_index"]) for row in worker.call(lambda store: store.audit("cine.dcm"))
             if row["action"].startswith("key_frame")]  # fmt: skip
    assert trail[:2] == [("key_frame_marked", 0), ("key_frame_marked", 2)]
    assert set(trail[2:]) <= {("key_frame_marked", 3), ("key_frame_unmarked", 3)}
    window.close()

    reopened = make_window()
    _open(qtbot, reopened, folder)
    qtbot.waitUntil(lambda: reopened.review.state.key_frames == {0, 2}, timeout=10_000)
    assert reopened.review.state.key_frames == {0, 2}
    assert reopened.review.key_frames.action.isChecked()  # frame 1 on screen, marked
