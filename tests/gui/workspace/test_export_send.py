"""The export dialog sends SEG, SR and the PDF (as Encapsulated PDF) to a configured PACS: the real Orthanc
receives them, the case list shows what went where, and a node that fails is one sentence that names it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QMessageBox
from pytestqt.qtbot import QtBot

from busviewer.gui.main_window import MainWindow
from busviewer.gui.workspace.export_dialog import ExportDialog
from busviewer.io.pacs.nodes import PacsNode, PacsSettings, save_pacs_settings
from tests.gui.workspace.conftest import WindowFactory, workspace_of
from tests.io.test_export import make_workspace
from tests.io.test_pacs_cli import orthanc_modalities
from tests.orthanc_server import ORTHANC_AET, OrthancServer, free_port


def _tick(qtbot: QtBot, box: QCheckBox) -> None:
    """Click the check box's indicator (a wide box's centre may lie past its label, where clicks do nothing)."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def _export_dialog(qtbot: QtBot, make_window: WindowFactory, tmp_path: Path, port: int) -> tuple[MainWindow, ExportDialog, Path]:
    save_pacs_settings(PacsSettings(nodes=(PacsNode("ORTHANC", ae_title=ORTHANC_AET, host="127.0.0.1", port=port,
                                                    timeout_s=5),)))  # fmt: skip
    workspace = make_workspace(tmp_path)
    window = make_window()
    window.open_paths([workspace])
    qtbot.waitUntil(lambda: "scan.dcm" in workspace_of(window).columns.rows, timeout=30_000)
    workspace_of(window).export_action.trigger()
    dialog = workspace_of(window).export_dialog
    qtbot.waitExposed(dialog)
    dialog.destination.setText(str(tmp_path / "export"))
    box = dialog.send_box
    assert box.node_box.currentText() == "ORTHANC" and not box.with_pdf.isEnabled()
    _tick(qtbot, box.send)
    assert box.with_pdf.isEnabled()
    _tick(qtbot, box.with_pdf)
    _tick(qtbot, dialog.format_boxes["pdf"])
    assert not box.with_pdf.isEnabled()  # no PDF exported, none to send
    _tick(qtbot, dialog.format_boxes["pdf"])
    assert box.with_pdf.isEnabled() and box.with_pdf.isChecked()
    return window, dialog, workspace


def test_export_dialog_sends_to_orthanc_and_the_list_says_so(qtbot: QtBot, make_window: WindowFactory,
                                                              tmp_path: Path, orthanc: OrthancServer) -> None:
    orthanc.clear()
    window, dialog, workspace = _export_dialog(qtbot, make_window, tmp_path, orthanc.dicom_port)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=240_000)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=60_000)
    assert "Sent " in dialog.result.text(), dialog.result.text()
    assert "Sent 6 DICOM object(s) of 2 case(s) to ORTHANC" in dialog.result.text()
    assert orthanc_modalities(orthanc) == ["DOC", "DOC", "SEG", "SEG", "SR", "SR"]
    for case in ("scan.dcm", "cine.dcm"):
        assert (tmp_path / "export" / case / "report_pdf.dcm").is_file()  # the wrapped PDF stays beside the PDF
    scan = workspace / "scan.dcm"
    qtbot.waitUntil(lambda: window.case_list.text(scan, "PACS") == "→ ORTHANC", timeout=10_000)
    assert window.case_list.tooltip(scan, "PACS").startswith("Sent: SEG, SR, PDF → ORTHANC ")
    assert window.case_list.text(workspace / "benign" / "b1.png", "PACS") == ""  # a PNG has no SEG/SR to send
    assert dialog.export_button.isEnabled() and dialog.close_button.isEnabled()


def test_a_failed_send_names_the_node_and_keeps_the_export(qtbot: QtBot, make_window: WindowFactory,
                                                          tmp_path: Path) -> None:
    port = free_port()
    window, dialog, workspace = _export_dialog(qtbot, make_window, tmp_path, port)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "errorBox") is not None, timeout=60_000)
    sentence = window.findChild(QMessageBox, "errorBox").text()
    assert sentence.startswith(f"Nothing listens at 127.0.0.1:{port}, so PACS ORTHANC (ORTHANC@127.0.0.1:{port}) "
                               "cannot be reached.")
    assert sentence.endswith(f"The exported files stay in {tmp_path / 'export'}.")
    assert (tmp_path / "export" / "scan.dcm" / "seg.dcm").is_file() and (tmp_path / "export" / "summary.csv").is_file()
    record = workspace_of(window).worker.call(lambda store: store.get_case("scan.dcm", with_masks=False))
    assert record.sends == ()
    assert window.case_list.text(workspace / "scan.dcm", "PACS") == ""
