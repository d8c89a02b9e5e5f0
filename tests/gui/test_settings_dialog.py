"""Tools > Settings: the reviewer's name and PACS nodes typed in, saved owner-only, used by the PACS and export
dialogs; a bad node is one sentence and nothing is written; the password reaches neither the log nor the list."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from busviewer.core.paths import settings_file
from busviewer.gui.pacs_dialog import PacsDialog
from busviewer.gui.recent_files import app_settings
from busviewer.gui.settings_dialog import SettingsDialog
from busviewer.gui.workspace.send_box import SendBox
from busviewer.io.pacs.nodes import load_pacs_settings
from busviewer.io.reviewer import entered_reviewer_name

PASSWORD = "s3cret-Passw0rd"


def _type(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def _dialog(qtbot: QtBot) -> SettingsDialog:
    dialog = SettingsDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_nodes_and_name_are_saved_owner_only(qtbot: QtBot, caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    caplog.set_level(logging.DEBUG)
    dialog = _dialog(qtbot)
    _type(qtbot, dialog.reviewer, "Jane Doe")
    dialog.tabs.setCurrentIndex(1)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    _type(qtbot, dialog.name, "ORTHANC")
    _type(qtbot, dialog.ae_title, "ORTHANC")
    _type(qtbot, dialog.host, "127.0.0.1")
    dialog.port.setValue(4242)
    dialog.retrieve.setCurrentText("move")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.node_list.item(0).text() == "ORTHANC (ORTHANC@127.0.0.1:4242)"
    _type(qtbot, dialog.name, "web")
    dialog.kind.setCurrentIndex(1)
    _type(qtbot, dialog.url, "https://pacs.example/dicom-web/")
    _type(qtbot, dialog.username, "reader")
    _type(qtbot, dialog.password, PASSWORD)
    _type(qtbot, dialog.own_ae_title, "BUSV1")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible() and dialog.error_label.text() == ""

    saved = load_pacs_settings()
    assert saved.own_ae_title == "BUSV1" and [n.name for n in saved.nodes] == ["ORTHANC", "web"]
    orthanc, web = saved.nodes
    assert (orthanc.ae_title, orthanc.host, orthanc.port, orthanc.retrieve) == ("ORTHANC", "127.0.0.1", 4242, "move")
    assert (web.dicomweb_url, web.username, web.password) == ("https://pacs.example/dicom-web", "reader", PASSWORD)
    assert entered_reviewer_name() == "Jane Doe"
    assert stat.S_IMODE(settings_file().stat().st_mode) == 0o600
    qt_settings = app_settings()  # the window's own settings share the file: they must keep it owner-only
    qt_settings.setValue("window/geometry", b"1234")
    qt_settings.sync()
    assert stat.S_IMODE(settings_file().stat().st_mode) == 0o600
    assert load_pacs_settings().nodes == saved.nodes
    assert PASSWORD not in caplog.text and PASSWORD not in repr(web)

    parent = QWidget()
    qtbot.addWidget(parent)
    pacs = PacsDialog(parent, out_dir=tmp_path)
    assert [pacs.node_box.itemText(i) for i in range(pacs.node_box.count())] == ["ORTHANC", "web"]
    box = SendBox()
    assert [box.node_box.itemText(i) for i in range(box.node_box.count())] == ["ORTHANC", "web"]


def test_a_bad_node_is_one_sentence_and_nothing_is_saved(qtbot: QtBot) -> None:
    before = settings_file().read_bytes() if settings_file().exists() else None
    dialog = _dialog(qtbot)
    dialog.tabs.setCurrentIndex(1)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    _type(qtbot, dialog.name, "no spaces please")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.error_label.text() == ("A PACS node name must be 1-40 letters, digits, '-' or '_' "
                                         "('no spaces please' is not).")
    assert (settings_file().read_bytes() if settings_file().exists() else None) == before
    _type(qtbot, dialog.name, "ok")
    dialog.kind.setCurrentIndex(1)
    _type(qtbot, dialog.url, "ftp://nope")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "is not a DICOMweb base URL" in dialog.error_label.text() and dialog.isVisible()
