"""File > Export: the dialog exports the workspace in a worker, and a bad destination is one sentence."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from busviewer.gui.workspace.export_dialog import ExportDialog
from busviewer.io import export as export_module
from tests.gui.workspace.conftest import WindowFactory, open_folder, saved_to_store, wait_for_case, workspace_of


def _review_two_cases(qtbot: QtBot, window, folder: Path) -> None:
    open_folder(qtbot, window, folder, "case (1).png")
    qtbot.mouseClick(window.review.class_panel.class_buttons.button(3), Qt.MouseButton.LeftButton)
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    wait_for_case(qtbot, window, "case (2).png")
    saved_to_store(qtbot, window)


def _open_dialog(qtbot: QtBot, window) -> ExportDialog:
    workspace_of(window).export_action.trigger()
    dialog = workspace_of(window).export_dialog
    qtbot.waitExposed(dialog)
    return dialog


def _files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".busviewer" not in p.parts}  # fmt: skip


def test_export_dialog_writes_every_format_with_gradcam(
    qtbot: QtBot, make_window: WindowFactory, scan_folder: Path, tmp_path: Path, monkeypatch
) -> None:
    reports = []
    real_writer = export_module.write_pdf_reports
    monkeypatch.setattr(export_module, "write_pdf_reports",
                        lambda path, pages, **kw: (reports.extend(pages), real_writer(path, pages, **kw)))  # fmt: skip
    window = make_window()
    _review_two_cases(qtbot, window, scan_folder)
    before = _files(scan_folder)
    dialog = _open_dialog(qtbot, window)
    assert not dialog.identifiers.isChecked() and dialog.identifier_warning.isHidden()
    dialog.identifiers.setChecked(True)
    assert not dialog.identifier_warning.isHidden()
    dialog.identifiers.setChecked(False)
    out = tmp_path / "export"
    dialog.destination.setText(str(out))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=60_000)
    assert dialog.summary.cases == 2 and not dialog.summary.skipped
    assert dialog.result.text().startswith("Exported 2 cases (")
    for case in ("case (1).png", "case (2).png"):
        assert (out / case / "mask.png").is_file()
        assert (out / case / "report.pdf").read_bytes().startswith(b"%PDF")
    assert (out / "summary.csv").is_file() and (out / "summary.json").is_file()
    assert len(reports) == 2 and all(r.gradcam is not None and r.gradcam.shape == r.image.shape[:2] for r in reports)
    assert _files(scan_folder) == before
    assert dialog.export_button.isEnabled() and dialog.close_button.isEnabled()


def test_export_to_a_missing_folder_is_one_sentence(
    qtbot: QtBot, make_window: WindowFactory, scan_folder: Path, tmp_path: Path
) -> None:
    window = make_window()
    _review_two_cases(qtbot, window, scan_folder)
    before = _files(scan_folder)
    audit_before = workspace_of(window).worker.call(lambda store: store.audit("case (1).png"))
    dialog = _open_dialog(qtbot, window)
    dialog.destination.setText(str(tmp_path / "no such folder" / "export"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "errorBox") is not None, timeout=30_000)
    sentence = window.findChild(QMessageBox, "errorBox").text()
    assert sentence == f"{tmp_path / 'no such folder'} is not an existing folder."
    assert dialog.summary is None and dialog.export_button.isEnabled()
    assert _files(scan_folder) == before
    assert workspace_of(window).worker.call(lambda store: store.audit("case (1).png")) == audit_before


def _hold_export_after_each_case(monkeypatch, release: threading.Event) -> None:
    """Make the export thread wait after each case until ``release`` is set (so a test does not race it)."""
    real_export = export_module.export_workspace

    def export_that_waits(*args, **kwargs):
        progress = args[4]

        def on_case(done: int, total: int, case_id: str) -> bool:
            progress(done, total, case_id)
            release.wait(10.0)
            return bool(progress(done, total, case_id))  # asked again: a cancel may have come meanwhile

        return real_export(*args[:4], on_case, *args[5:], **kwargs)

    monkeypatch.setattr("busviewer.gui.workspace.export_job.export_workspace", export_that_waits)


def _start_png_csv_export(qtbot: QtBot, window, scan_folder: Path, out: Path) -> ExportDialog:
    _review_two_cases(qtbot, window, scan_folder)
    dialog = _open_dialog(qtbot, window)
    for name, box in dialog.format_boxes.items():
        box.setChecked(name in {"png", "csv"})
    dialog.destination.setText(str(out))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.progress.value() == 1, timeout=30_000)
    return dialog


def test_cancel_stops_after_the_case_being_written(
    qtbot: QtBot, make_window: WindowFactory, scan_folder: Path, tmp_path: Path, monkeypatch
) -> None:
    release = threading.Event()
    _hold_export_after_each_case(monkeypatch, release)
    dialog = _start_png_csv_export(qtbot, make_window(), scan_folder, tmp_path / "export")
    assert dialog.cancel_button.isVisible() and not dialog.close_button.isEnabled()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    release.set()
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=30_000)
    assert dialog.summary.cancelled and dialog.summary.cases == 1
    assert dialog.result.text().startswith("Stopped after exporting 1 case (")
    assert not (tmp_path / "export" / "case (2).png").exists()


def test_closing_during_an_export_does_not_wait_and_closes_after_the_case(
    qtbot: QtBot, make_window: WindowFactory, scan_folder: Path, tmp_path: Path, monkeypatch
) -> None:
    release = threading.Event()
    _hold_export_after_each_case(monkeypatch, release)
    dialog = _start_png_csv_export(qtbot, make_window(), scan_folder, tmp_path / "export")
    closed = []
    dialog.destroyed.connect(lambda: closed.append(True))
    # Waiting for the held export here would never return: the close must come back at once.
    dialog.close()
    assert dialog.isVisible() and dialog.job._cancel.is_set() and not closed
    release.set()
    qtbot.waitUntil(lambda: bool(closed), timeout=30_000)
    assert (tmp_path / "export" / "case (1).png" / "mask.png").is_file()
    assert not (tmp_path / "export" / "case (2).png").exists()
