"""The case list panel and the folder search that fills it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from busviewer.gui.case_list import CaseListPanel
from busviewer.gui.session import CaseQueue
from busviewer.io.scan_files import find_scan_files, list_cases
from tests.gui.conftest import write_png


def _fake_dicom(path: Path) -> Path:
    """A file with the DICOM preamble and marker; enough for the folder search, which reads only the header."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0" * 128 + b"DICM" + b"\0" * 64)
    return path


def test_folder_search_finds_images_and_dicoms_without_masks(tmp_path: Path) -> None:
    image = write_png(tmp_path / "benign" / "benign (10).png")
    earlier = write_png(tmp_path / "benign" / "benign (9).png")
    write_png(tmp_path / "benign" / "benign (9)_mask.png")
    write_png(tmp_path / "benign" / "benign (9)_mask_1.png")
    no_suffix = _fake_dicom(tmp_path / "study" / "IM0001")
    with_suffix = _fake_dicom(tmp_path / "study" / "b.dcm")
    (tmp_path / "study" / "README").write_text("notes about the study\n")
    _fake_dicom(tmp_path / "study" / "DICOMDIR")
    write_png(tmp_path / ".cache" / "thumb.png")
    assert find_scan_files(tmp_path) == [earlier, image, with_suffix, no_suffix]


def test_list_cases_keeps_files_and_expands_folders_once(tmp_path: Path) -> None:
    loose = write_png(tmp_path / "loose.png")
    inside = write_png(tmp_path / "folder" / "inside.png")
    assert list_cases([loose, tmp_path / "folder", inside]) == [loose, inside]


def test_panel_shows_relative_names_statuses_and_new_columns(qtbot: QtBot, tmp_path: Path) -> None:
    panel = CaseListPanel()
    qtbot.addWidget(panel)
    paths = [tmp_path / "a" / "one.png", tmp_path / "two.dcm"]
    panel.set_cases(paths, tmp_path)
    assert panel.tree.topLevelItem(0).text(0) == "a/one.png"
    panel.set_status(paths[1], "unreadable")
    panel.set_column(paths[0], "Class", "benign")
    panel.set_column(paths[1], "Risk", "0.82")
    assert panel.column_names() == ["Scan", "Status", "Class", "Risk"]
    assert panel.text(paths[1], "Status") == "unreadable"
    assert panel.text(paths[0], "Class") == "benign"
    assert panel.text(paths[1], "Risk") == "0.82"
    panel.set_status(tmp_path / "unknown.png", "viewed")
    assert panel.paths() == paths


def test_clicking_a_case_reports_it_but_programmatic_selection_does_not(qtbot: QtBot, tmp_path: Path) -> None:
    panel = CaseListPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    paths = [tmp_path / "one.png", tmp_path / "two.png"]
    panel.set_cases(paths)
    picked: list[Path] = []
    panel.sig_case_activated.connect(picked.append)
    panel.set_current(paths[0])
    assert picked == []
    rect = panel.tree.visualItemRect(panel.tree.topLevelItem(1))
    qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert picked == [paths[1]]


def test_case_queue_stops_at_both_ends() -> None:
    queue = CaseQueue()
    paths = [Path("a"), Path("b")]
    queue.set_paths(paths)
    assert queue.step(1) == Path("a")
    assert queue.step(1) == Path("b")
    assert queue.step(1) is None and queue.current == Path("b")
    queue.select(Path("a"))
    assert queue.step(-1) is None and queue.current == Path("a")
