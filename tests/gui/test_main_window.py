"""The main window driven as a user would: menus, keys, drops, bad files, the status bar."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QMessageBox
from pytestqt.qtbot import QtBot

from busviewer.core.scan import PatientInfo, UltrasoundScan
from busviewer.gui import dialogs, session
from busviewer.gui.main_window import MainWindow
from busviewer.gui.recent_files import MAX_RECENT, RecentFiles, app_settings
from tests.gui.conftest import find_action, make_scan, wait_for_scan, write_png


def _error_boxes(window: MainWindow) -> list[QMessageBox]:
    return [box for box in window.findChildren(QMessageBox) if box.isVisible()]


def _three_scans(folder: Path) -> list[Path]:
    return [write_png(folder / f"case ({i}).png", value=20 * i) for i in (1, 2, 10)]


def test_file_open_action_shows_first_file_and_lists_all(
    main_window: MainWindow, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = write_png(tmp_path / "a.png", 10), write_png(tmp_path / "b.png", 50)
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(first), str(second)], ""))
    find_action(main_window, "Open").trigger()
    wait_for_scan(qtbot, main_window, "a.png")
    assert main_window.case_list.paths() == [first, second]
    assert main_window.case_list.current_path() == first
    assert "a.png" in main_window.windowTitle()
    assert int(main_window.canvas.image_item.image[0, 0]) == 10


def test_open_folder_lists_scans_recursively_without_masks(
    main_window: MainWindow, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_png(tmp_path / "benign" / "benign (2).png")
    write_png(tmp_path / "benign" / "benign (2)_mask.png")
    write_png(tmp_path / "benign" / "benign (10).png")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    find_action(main_window, "Open Folder").trigger()
    wait_for_scan(qtbot, main_window, "benign (2).png")
    assert [p.name for p in main_window.case_list.paths()] == ["benign (2).png", "benign (10).png"]
    assert main_window.case_list.text(tmp_path / "benign" / "benign (2).png", "Status") == "viewed"


def test_next_and_previous_case_keys(main_window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    paths = _three_scans(tmp_path)
    main_window.open_paths([tmp_path])
    wait_for_scan(qtbot, main_window, paths[0].name)
    qtbot.keyClick(main_window, Qt.Key.Key_PageDown)
    wait_for_scan(qtbot, main_window, paths[1].name)
    qtbot.keyClick(main_window, Qt.Key.Key_PageDown)
    wait_for_scan(qtbot, main_window, paths[2].name)
    qtbot.keyClick(main_window, Qt.Key.Key_PageDown)
    assert "last case" in main_window.statusBar().currentMessage()
    qtbot.keyClick(main_window, Qt.Key.Key_PageUp)
    wait_for_scan(qtbot, main_window, paths[1].name)
    qtbot.keyClick(main_window, Qt.Key.Key_PageUp)
    wait_for_scan(qtbot, main_window, paths[0].name)
    assert main_window.case_list.current_path() == paths[0]


def test_fit_key_shows_the_whole_image_again(main_window: MainWindow, qtbot: QtBot) -> None:
    main_window.session.set_scan(make_scan(size=(40, 60)))
    main_window.canvas.view_box.scaleBy((0.1, 0.1))
    (x0, x1), (y0, y1) = main_window.canvas.view_box.viewRange()
    assert x1 - x0 < 60
    qtbot.keyClick(main_window, Qt.Key.Key_F)
    (x0, x1), (y0, y1) = main_window.canvas.view_box.viewRange()
    assert x0 <= 0 and x1 >= 60 and y0 <= 0 and y1 >= 40


def test_bad_file_gives_one_sentence_and_keeps_the_previous_scan(
    main_window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    good = write_png(tmp_path / "good.png")
    bad = tmp_path / "notes.png"
    bad.write_text("this is not an image\n")
    main_window.open_paths([good, bad])
    wait_for_scan(qtbot, main_window, "good.png")
    qtbot.keyClick(main_window, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: bool(_error_boxes(main_window)), timeout=10_000)
    message = _error_boxes(main_window)[0].text()
    assert "notes.png" in message and "Traceback" not in message and message.count(".") >= 1
    assert main_window.session.scan is not None and main_window.session.scan.name == "good.png"
    assert main_window.canvas.has_image
    assert main_window.case_list.text(bad, "Status") == "unreadable"


def test_stale_load_is_dropped_when_the_user_moves_on(
    main_window: MainWindow, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow, fast = write_png(tmp_path / "slow.png"), write_png(tmp_path / "fast.png")
    release = threading.Event()
    real_load = session.load_scan_file

    def load(path: Path) -> UltrasoundScan:
        if path == slow:
            release.wait(10)
        return real_load(path)

    monkeypatch.setattr(session, "load_scan_file", load)
    shown: list[str] = []
    main_window.session.scan_changed.connect(lambda scan: shown.append(scan.name))
    main_window.navigator.open_file(slow)
    main_window.navigator.open_file(fast)
    release.set()
    wait_for_scan(qtbot, main_window, "fast.png")
    qtbot.waitUntil(lambda: not main_window.navigator.is_busy, timeout=10_000)
    assert shown == ["fast.png"]


def test_dropping_a_folder_opens_it(main_window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    paths = _three_scans(tmp_path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path))])
    drag_args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(QPoint(50, 50), *drag_args)
    QApplication.sendEvent(main_window, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(main_window, QDropEvent(QPoint(50, 50), *drag_args))
    wait_for_scan(qtbot, main_window, paths[0].name)
    assert main_window.case_list.paths() == paths


def test_recent_menu_reopens_a_file(main_window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    first, second = write_png(tmp_path / "first.png"), write_png(tmp_path / "second.png")
    main_window.open_paths([first])
    wait_for_scan(qtbot, main_window, "first.png")
    main_window.open_paths([second])
    wait_for_scan(qtbot, main_window, "second.png")
    entries = [a for a in main_window.recent_menu.actions() if a.text().startswith("first.png")]
    assert len(entries) == 1
    entries[0].trigger()
    wait_for_scan(qtbot, main_window, "first.png")


def test_recent_files_keep_newest_first_without_duplicates(tmp_path: Path) -> None:
    recent = RecentFiles(app_settings())
    paths = [write_png(tmp_path / f"{i}.png") for i in range(MAX_RECENT + 2)]
    for path in paths:
        recent.add(path)
    recent.add(paths[3])
    stored = RecentFiles(app_settings()).paths()
    assert stored[0] == paths[3].resolve()
    assert len(stored) == MAX_RECENT and len(set(stored)) == MAX_RECENT
    paths[-1].unlink()
    assert paths[-1].resolve() not in recent.paths()


def test_cursor_readout_in_mm_for_a_calibrated_scan(main_window: MainWindow, qtbot: QtBot) -> None:
    main_window.session.set_scan(make_scan(size=(40, 60), spacing_mm=(0.2, 0.1)))
    canvas = main_window.canvas
    scene_point = canvas.view_box.mapViewToScene(QPointF(30.5, 10.5))  # column 30, row 10
    widget_point = canvas.mapFromScene(scene_point)
    qtbot.mouseMove(canvas.viewport(), QPoint(widget_point.x(), widget_point.y()))
    qtbot.waitUntil(lambda: main_window.permanent_status("cursor") != "")
    readout = main_window.permanent_status("cursor")
    assert readout.startswith("row 10, col 30 = 30")
    assert "x 3.05 mm, y 2.10 mm" in readout
    assert main_window.findChild(QLabel, "status_cursor").isVisible()
    assert main_window.permanent_status("calibration").startswith("calibrated")


def test_uncalibrated_scan_is_marked_and_readout_has_no_mm(main_window: MainWindow) -> None:
    scan = make_scan()
    main_window.session.set_scan(scan)
    assert main_window.permanent_status("calibration") == "uncalibrated"
    assert "mm" not in session.pixel_readout_text(scan, 0, 3.2, 4.7)
    assert session.pixel_readout_text(scan, 0, 3.2, 4.7) == "row 3, col 4 = 4"
    assert session.pixel_readout_text(scan, 0, 99.0, 4.0) == ""


def test_right_drag_sets_window_level_shown_in_status(main_window: MainWindow, qtbot: QtBot) -> None:
    main_window.session.set_scan(make_scan(size=(40, 60)))
    assert main_window.permanent_status("levels") == "W 255  L 128"
    viewport = main_window.canvas.viewport()
    centre = viewport.rect().center()
    qtbot.mousePress(viewport, Qt.MouseButton.RightButton, pos=centre)
    qtbot.mouseMove(viewport, centre + QPoint(-100, 0))
    qtbot.mouseRelease(viewport, Qt.MouseButton.RightButton, pos=centre + QPoint(-100, 0))
    low, high = main_window.canvas.levels or (0.0, 0.0)
    assert high - low < 255
    assert main_window.permanent_status("levels") == f"W {high - low:.0f}  L {(high + low) / 2:.0f}"
    qtbot.keyClick(main_window, Qt.Key.Key_W)
    assert main_window.canvas.levels == (0.0, 255.0)


def test_patient_identifiers_never_reach_the_screen(main_window: MainWindow) -> None:
    scan = make_scan(name="1.2.3.dcm")
    scan.patient = PatientInfo(name="DOE^JANE", patient_id="PID-4711", birth_date="19700101")
    main_window.session.set_scan(scan)
    texts = [main_window.windowTitle()] + [
        main_window.permanent_status(k) for k in ("scan", "calibration", "levels", "cursor")
    ]
    joined = " ".join(texts)
    assert "1.2.3.dcm" in joined
    for identifier in ("DOE", "JANE", "PID-4711", "19700101"):
        assert identifier not in joined


def test_keys_dialog_lists_the_real_shortcuts(main_window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[dialogs.KeysDialog] = []
    monkeypatch.setattr(dialogs.KeysDialog, "exec", lambda self: shown.append(self) or 0)
    find_action(main_window, "Keyboard Shortcuts").trigger()
    rows = {action: key.strip() for key, action in shown[0].rows()}
    assert rows["Fit to Window"] == "F"
    assert rows["Next Case"] == "PgDown" and rows["Previous Case"] == "PgUp"
    assert rows["Play/Pause"] == "Space"
    assert "Right drag" in {key.strip() for key, _ in shown[0].rows()}


def test_permanent_status_fields_and_side_panels(main_window: MainWindow, qtbot: QtBot) -> None:
    main_window.set_permanent_status("model", "model: test-net on cpu")
    assert main_window.permanent_status("model") == "model: test-net on cpu"
    panel = QMessageBox()
    dock = main_window.add_side_panel("AI Result", panel)
    assert dock.content is panel
    assert dock.toggleViewAction() in main_window.panels_menu.actions()
    action = main_window.review_toolbar.addAction("Brush")
    assert main_window.review_toolbar.isVisible()
    assert action in main_window.review_toolbar.actions()


def test_colour_scan_readout_shows_rgb(main_window: MainWindow) -> None:
    frames = np.zeros((1, 4, 5, 3), dtype=np.uint8)
    frames[0, 2, 3] = (200, 100, 50)
    scan = UltrasoundScan(frames=frames, photometric="RGB")
    main_window.session.set_scan(scan)
    assert main_window.canvas.image_item.image.shape == (4, 5, 3)
    assert session.pixel_readout_text(scan, 0, 2.5, 3.5) == "row 2, col 3 = (200, 100, 50)"


def test_unexpected_loader_crash_is_one_sentence_with_traceback_in_log(
    main_window: MainWindow,
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def crash(path: Path) -> UltrasoundScan:
        raise RuntimeError("decoder exploded")

    monkeypatch.setattr(session, "load_scan_file", crash)
    main_window.open_paths([write_png(tmp_path / "odd.png")])
    qtbot.waitUntil(lambda: bool(_error_boxes(main_window)), timeout=10_000)
    message = _error_boxes(main_window)[0].text()
    assert message == "odd.png could not be opened (RuntimeError); details are in the log file."
    logged = [r for r in caplog.records if r.exc_info and "odd.png" in r.getMessage()]
    assert logged and "decoder exploded" in str(logged[0].exc_info[1])
    assert main_window.session.scan is None


def test_qt_binding_does_not_leak_a_reference_on_every_emit(main_window: MainWindow) -> None:
    """PySide6 6.12.0 on CPython < 3.12 drops a reference to ``True`` on each ``Signal.emit``.

    After a few hundred emits (a short cine loop, a few mouse moves) the interpreter aborts with
    "bool_dealloc", so the binding in use must not have that bug.
    """
    before = sys.getrefcount(True)
    for _ in range(50):
        main_window.session.frame_changed.emit(0)
    leaked = before - sys.getrefcount(True)
    assert leaked < 10, (
        f"{leaked} references to True lost in 50 emits: this PySide6 build crashes the app after a few hundred "
        "signals; pin PySide6-Essentials!=6.12.0 (6.11.3 is fine)"
    )


def test_a_second_error_after_closing_the_first_still_shows(main_window: MainWindow, qtbot: QtBot) -> None:
    main_window.show_error("first.png is damaged or truncated and cannot be decoded.")
    first = _error_boxes(main_window)[0]
    first.accept()
    qtbot.waitUntil(lambda: not _error_boxes(main_window))
    main_window.show_error("second.png is empty (zero bytes).")
    assert [box.text() for box in _error_boxes(main_window)] == ["second.png is empty (zero bytes)."]


def test_a_panel_can_share_a_tabbed_place_with_another(main_window: MainWindow) -> None:
    from PySide6.QtWidgets import QLabel

    main_window.show()
    first = main_window.add_side_panel("First", QLabel("one"))
    second = main_window.add_side_panel("Second", QLabel("two"), tab_with="First")
    QApplication.processEvents()
    assert second in main_window.tabifiedDockWidgets(first)
    assert not first.visibleRegion().isEmpty() and second.visibleRegion().isEmpty()
