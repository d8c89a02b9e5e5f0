"""The Case menu: approve and flag keys change the stored status (audited), and Ctrl+U finds unreviewed cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from busviewer.core.case import CaseRecord, FrameReview, ReviewStatus
from busviewer.gui.dialogs import KeysDialog
from busviewer.io.store import CaseStore
from tests.gui.workspace.conftest import (
    SCAN_SHAPE,
    WindowFactory,
    open_folder,
    saved_to_store,
    wait_for_case,
    workspace_of,
)

CTRL = Qt.KeyboardModifier.ControlModifier


def _status_changes(window, case_id: str) -> list[tuple[str, str]]:
    audit = workspace_of(window).worker.call(lambda store: store.audit(case_id))
    return [(entry["details"]["from"], entry["details"]["to"]) for entry in audit if entry["action"] == "status_changed"]


def test_approve_and_flag_keys_set_the_status_with_an_audit_trail(
    qtbot: QtBot, make_window: WindowFactory, scan_folder: Path
) -> None:
    window = make_window()
    open_folder(qtbot, window, scan_folder, "case (1).png")
    first = scan_folder / "case (1).png"
    qtbot.keyClick(window, Qt.Key.Key_Return, CTRL)
    assert window.case_list.text(first, "Status") == "approved"  # shown at once, before the store answers
    assert window.review.frame_state.accepted_ai  # approving an untouched proposal accepts it
    saved_to_store(qtbot, window)
    store_case = workspace_of(window).worker.call(lambda store: store.get_case("case (1).png"))
    assert store_case.status == ReviewStatus.APPROVED
    assert _status_changes(window, "case (1).png")[-1] == ("ai_proposed", "approved")

    qtbot.keyClick(window, Qt.Key.Key_F, CTRL | Qt.KeyboardModifier.ShiftModifier)
    saved_to_store(qtbot, window)
    assert window.case_list.text(first, "Status") == "flagged"
    assert _status_changes(window, "case (1).png")[-1] == ("approved", "flagged")

    workspace_of(window).clear_decision_action.trigger()
    saved_to_store(qtbot, window)
    assert window.case_list.text(first, "Status") == "AI proposed"
    assert _status_changes(window, "case (1).png")[-1] == ("flagged", "ai_proposed")


def test_next_unreviewed_skips_reviewed_cases_and_wraps_round(
    qtbot: QtBot, make_window: WindowFactory, scan_folder: Path
) -> None:
    mask = np.zeros(SCAN_SHAPE, bool)
    with CaseStore(scan_folder) as store:
        store.upsert_case(CaseRecord("case (2).png", scan_folder / "case (2).png", ReviewStatus.APPROVED, "benign",
                                     {0: FrameReview(0, mask, "m", (0.2, 0.5, 0.3), mask)}))  # fmt: skip
    window = make_window()
    open_folder(qtbot, window, scan_folder, "case (1).png")
    qtbot.keyClick(window, Qt.Key.Key_U, CTRL)
    wait_for_case(qtbot, window, "case (3).png")  # case 2 is approved already
    qtbot.keyClick(window, Qt.Key.Key_F, CTRL | Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(window, Qt.Key.Key_U, CTRL)
    wait_for_case(qtbot, window, "case (1).png")  # wrapped round; 3 is flagged now
    qtbot.keyClick(window, Qt.Key.Key_Return, CTRL)
    qtbot.keyClick(window, Qt.Key.Key_U, CTRL)
    assert "reviewed" in window.statusBar().currentMessage()
    assert window.session.scan.name == "case (1).png"


def test_case_keys_do_not_clash_and_are_listed_in_the_keys_dialog(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    seen: dict[str, str] = {}
    for action in window.findChildren(type(workspace_of(window).approve_action)):
        for key in action.shortcuts():
            text = key.toString()
            assert text not in seen, f"{text} is used by both {seen[text]!r} and {action.text()!r}"
            seen[text] = action.text()
    dialog = KeysDialog(window, [(a.text(), a.menu().actions()) for a in window.menuBar().actions() if a.menu()])
    qtbot.addWidget(dialog)
    listed = dict((action, key.strip()) for key, action in dialog.rows())
    assert listed["Approve"].startswith("Ctrl+Return")
    assert listed["Flag for a Second Look"] == "Ctrl+Shift+F"
    assert listed["Next Unreviewed Case"] == "Ctrl+U"
    assert listed["Export"] == "Ctrl+E"
