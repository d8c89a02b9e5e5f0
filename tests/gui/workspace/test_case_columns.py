"""The case list's Status, Class, AI malignancy score and Doubt columns, header-click sorting, and next/previous
in that order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from busviewer.core.ai_remarks import UNFAMILIAR_REMARK
from busviewer.core.case import CaseRecord, FrameReview, ReviewStatus
from busviewer.gui.case_list import MIN_NAME_WIDTH, CaseListPanel
from busviewer.gui.workspace.case_columns import SCORE_COLUMN
from busviewer.io.store import CaseStore
from tests.gui.workspace.conftest import SCAN_SHAPE, WindowFactory, wait_for_case, write_scan_png


def _click_header(qtbot: QtBot, panel: CaseListPanel, name: str) -> None:
    header = panel.tree.header()
    section = panel.column_names().index(name)
    x = header.sectionViewportPosition(section) + header.sectionSize(section) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


def _names(panel: CaseListPanel) -> list[str]:
    return [path.name for path in panel.paths()]


def test_columns_show_store_state_and_sort_by_risk(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path
) -> None:
    folder = tmp_path / "scans"
    mask = np.zeros(SCAN_SHAPE, bool)
    risks = {"a.png": 0.35, "b.png": 0.9, "c.png": 0.05}
    for index, name in enumerate([*risks, "d.png"]):
        write_scan_png(folder / name, seed=index)
    with CaseStore(folder) as store:
        for name, risk in risks.items():
            frame = FrameReview(0, mask, "m", (0.1, 0.9 - risk, risk), mask, uncertainty_score=risk / 3,
                                ai_unfamiliar=name == "a.png")
            status = ReviewStatus.APPROVED if name == "b.png" else ReviewStatus.AI_PROPOSED
            store.upsert_case(CaseRecord(name, folder / name, status, "malignant" if name == "b.png" else None,
                                         {0: frame}))  # fmt: skip
    window = make_window(tmp_path / "no-weights.safetensors")  # no AI: the stored values stay on screen
    window.open_paths([folder])
    qtbot.waitUntil(lambda: window.session.scan is not None, timeout=15_000)
    panel = window.case_list
    assert panel.column_names() == ["Scan", "Status", "Class", "AI malignancy score", "Doubt", "BI-RADS", "PACS"]
    b = folder / "b.png"
    assert (panel.text(b, "Status"), panel.text(b, "Class"), panel.text(b, SCORE_COLUMN), panel.text(b, "Doubt")) == (
        "approved", "Malignant", "90 %", "0.30")
    assert panel.text(folder / "a.png", "Class") == "benign"  # the AI's, in lower case
    assert panel.text(folder / "d.png", SCORE_COLUMN) == ""
    # The scan the AI found unlike its training scans carries the flag, saved and read back by the store.
    assert panel.text(folder / "a.png", SCORE_COLUMN) == "⚠ 35 %"
    assert panel.tooltip(folder / "a.png", SCORE_COLUMN) == UNFAMILIAR_REMARK
    assert panel.tooltip(b, SCORE_COLUMN) == ""
    header_tip = panel.tree.headerItem().toolTip(panel.column_names().index(SCORE_COLUMN))
    assert "temperature-scaled on the validation parts of BUSI, BUS-BRA and BrEaST" in header_tip

    _click_header(qtbot, panel, SCORE_COLUMN)
    assert _names(panel) == ["c.png", "a.png", "b.png", "d.png"]  # no score yet: last either way
    _click_header(qtbot, panel, SCORE_COLUMN)
    assert _names(panel) == ["b.png", "a.png", "c.png", "d.png"]
    # Next/previous case follow the order on screen.
    window.navigator.open_file(folder / "b.png")
    qtbot.waitUntil(lambda: window.session.scan.name == "b.png", timeout=15_000)
    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: window.session.scan.name == "a.png", timeout=15_000)
    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: window.session.scan.name == "c.png", timeout=15_000)


def test_rows_do_not_move_while_reviewing_until_the_header_is_clicked_again(
    qtbot: QtBot, make_window: WindowFactory, scan_folder: Path
) -> None:
    window = make_window()
    window.open_paths([scan_folder])
    wait_for_case(qtbot, window, "case (1).png")
    panel = window.case_list
    panel.sort_by("Status")
    before = _names(panel)
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert panel.text(scan_folder / "case (1).png", "Status") == "approved"
    assert _names(panel) == before
    panel.sort_by("Status")
    assert _names(panel)[-1] == "case (1).png"  # approved cases sort last


def test_sort_keys_natural_names_and_empty_cells_last(qtbot: QtBot, tmp_path: Path) -> None:
    panel = CaseListPanel()
    qtbot.addWidget(panel)
    paths = [tmp_path / f"benign ({n}).png" for n in (10, 9, 100)]
    panel.set_cases(paths, tmp_path)
    panel.set_column(paths[0], "Risk", "40 %", 0.4)
    panel.set_column(paths[1], "Risk", "", None)
    panel.set_column(paths[2], "Risk", "7 %", 0.07)
    order: list[list[Path]] = []
    panel.sig_order_changed.connect(lambda: order.append(panel.paths()))
    panel.sort_by("Scan")
    assert [p.name for p in panel.paths()] == ["benign (9).png", "benign (10).png", "benign (100).png"]
    panel.sort_by("Risk", Qt.SortOrder.DescendingOrder)
    assert panel.paths() == [paths[0], paths[2], paths[1]]
    assert order[-1] == panel.paths()


def test_with_every_column_shown_the_scan_names_stay_readable(
    qtbot: QtBot, make_window: WindowFactory, scan_folder: Path
) -> None:
    window = make_window()
    window.resize(1600, 1000)
    window.open_paths([scan_folder])
    wait_for_case(qtbot, window, "case (1).png")
    panel = window.case_list
    assert len(panel.column_names()) == 7
    tree = panel.tree
    # The workspace's six columns are wider than the panel; the names keep their room and the rest scrolls.
    name_width = tree.fontMetrics().horizontalAdvance("case (1).png") + 12
    qtbot.wait(100)
    assert tree.columnWidth(0) >= max(name_width, MIN_NAME_WIDTH)
