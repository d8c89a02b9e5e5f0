"""File > Open from PACS driven with real clicks against the session's Orthanc: search, series, retrieve, faults."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from busviewer.gui.main_window import MainWindow
from busviewer.gui.pacs_dialog import PacsDialog, eta_text, install_pacs
from busviewer.io.pacs import PacsSettings, send_files
from busviewer.io.pacs.nodes import PacsNode, parse_dimse_spec
from busviewer.io.seg import write_dicom_seg
from tests.gui.conftest import find_action
from tests.io.test_seg import PATIENT_ID, make_us_dicom
from tests.orthanc_server import OrthancServer, free_port


@pytest.fixture
def stored_study(orthanc: OrthancServer, tmp_path: Path) -> tuple[PacsSettings, str]:
    """Orthanc holding one US study (a 3-frame cine and its SEG); returns the settings naming it and the UID."""
    orthanc.clear()
    scan = make_us_dicom(tmp_path / "cine.dcm", frames=3)
    mask = np.zeros((48, 64), bool)
    mask[10:30, 10:40] = True
    write_dicom_seg(tmp_path / "seg.dcm", scan, {0: mask}, edited=True, model_id="m1")
    node = parse_dimse_spec(orthanc.node_spec, timeout_s=5)
    settings = PacsSettings(nodes=(PacsNode(name="orthanc", ae_title="ORTHANC", host="127.0.0.1",
                                            port=orthanc.dicom_port, timeout_s=5),))
    assert send_files(node, [scan, tmp_path / "seg.dcm"], settings=settings).sent == 2
    return settings, str(pydicom.dcmread(scan, stop_before_pixels=True).StudyInstanceUID)


def _search(qtbot: QtBot, dialog: PacsDialog, patient_id: str) -> None:
    dialog.patient_id.setText(patient_id)
    qtbot.mouseClick(dialog.search_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "found" in dialog.status_label.text() or bool(dialog.error_label.text()), timeout=15_000)


def test_search_lists_study_and_series_then_retrieves(
    qtbot: QtBot, stored_study: tuple[PacsSettings, str], tmp_path: Path
) -> None:
    settings, study_uid = stored_study
    dialog = PacsDialog(settings=settings, out_dir=tmp_path / "pacs")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.node_box.currentText() == "orthanc" and dialog.modality.text() == "US"
    _search(qtbot, dialog, PATIENT_ID)
    assert dialog.error_label.text() == ""
    assert dialog.study_table.rowCount() == 1
    assert dialog.study_table.item(0, 0).text() == PATIENT_ID
    assert dialog.selected_study()["StudyInstanceUID"] == study_uid
    qtbot.waitUntil(lambda: dialog.series_table.rowCount() == 2, timeout=15_000)
    assert dialog.retrieve_button.isEnabled()

    with qtbot.waitSignal(dialog.sig_retrieved, timeout=30_000) as retrieved:
        qtbot.mouseClick(dialog.retrieve_button, Qt.MouseButton.LeftButton)
    (scan,) = retrieved.args[0]  # the SEG came too, but is not a scan to open
    assert scan.parent == tmp_path / "pacs" / study_uid
    assert pydicom.dcmread(scan, stop_before_pixels=True).Modality == "US"
    assert len(list(scan.parent.glob("*.dcm"))) == 2
    assert dialog.status_label.text() == "Retrieved 2 instance(s), 1 scan(s)."


def test_unreachable_node_shows_one_sentence(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = PacsDialog(settings=PacsSettings(timeout_s=2), out_dir=tmp_path)
    qtbot.addWidget(dialog)
    port = free_port()
    dialog.node_box.setEditText(f"ORTHANC@127.0.0.1:{port}")
    _search(qtbot, dialog, "")
    assert dialog.error_label.text() == (f"Nothing listens at 127.0.0.1:{port}, so PACS ORTHANC@127.0.0.1:{port} "
                                         "cannot be reached.")
    assert dialog.study_table.rowCount() == 0


def test_bad_node_text_is_refused_before_any_network(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = PacsDialog(settings=PacsSettings(), out_dir=tmp_path)
    qtbot.addWidget(dialog)
    dialog.node_box.setEditText("not a node")
    qtbot.mouseClick(dialog.search_button, Qt.MouseButton.LeftButton)
    assert "There is no saved PACS node called 'not a node'" in dialog.error_label.text()


def test_eta_text() -> None:
    assert eta_text(3, 12, 3.0) == "3 of 12 instances, about 9 s left"
    assert eta_text(0, 12, 0.0) == "0 of 12 instances"
    assert eta_text(4, None, 1.0) == "4 instance(s) received"


def test_file_menu_opens_the_dialog_and_the_retrieved_study_becomes_cases(
    qtbot: QtBot, main_window: MainWindow, stored_study: tuple[PacsSettings, str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings, study_uid = stored_study
    monkeypatch.setattr("busviewer.gui.pacs_dialog.load_pacs_settings", lambda: settings)
    monkeypatch.setattr("busviewer.gui.pacs_dialog.user_data_dir", lambda: tmp_path)
    install_pacs(main_window)
    find_action(main_window, "Open from PACS").trigger()
    dialog = main_window.findChild(PacsDialog)
    assert dialog is not None and dialog.isVisible()
    _search(qtbot, dialog, PATIENT_ID)
    qtbot.waitUntil(lambda: dialog.series_table.rowCount() == 2, timeout=15_000)
    qtbot.mouseClick(dialog.retrieve_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=30_000)
    qtbot.waitUntil(lambda: main_window.session.scan is not None, timeout=15_000)
    (case,) = main_window.case_list.paths()
    assert case.parent == tmp_path / "pacs" / study_uid and main_window.session.scan.n_frames == 3


def test_reviewer_name_entered_in_the_app_is_kept(main_window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    from busviewer.gui.reviewer_name import install_reviewer_name
    from busviewer.io.reviewer import entered_reviewer_name

    monkeypatch.setattr("busviewer.gui.reviewer_name.QInputDialog.getText", lambda *args: ("Jane Doe", True))
    install_reviewer_name(main_window)
    find_action(main_window, "Reviewer Name").trigger()
    assert entered_reviewer_name() == "Jane Doe"
