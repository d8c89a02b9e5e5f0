"""Point-tool prompts are saved with the case and come back after a restart, with their audit rows."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from busviewer.core.prompts import Prompt
from tests.gui.review.conftest import drag
from tests.gui.workspace.conftest import WindowFactory, open_folder, saved_to_store, workspace_of


def test_prompts_survive_closing_the_window(qtbot: QtBot, make_window: WindowFactory, scan_folder: Path) -> None:
    window = make_window()
    open_folder(qtbot, window, scan_folder, "case (1).png")
    review = window.review
    qtbot.keyClick(window, Qt.Key.Key_P)
    drag(window, [(32.5, 40.5)])  # a click in the lesion
    qtbot.waitUntil(lambda: review.mask_layer.prompts == (Prompt("positive", 32.0, 40.0),), timeout=120_000)
    saved_to_store(qtbot, window)
    record = workspace_of(window).worker.call(lambda store: store.get_case("case (1).png"))
    assert record.frames[0].prompts == (Prompt("positive", 32.0, 40.0),) and record.is_edited
    trail = workspace_of(window).worker.call(lambda store: store.audit("case (1).png"))
    (row,) = [entry for entry in trail if entry["action"] == "prompts_changed"]
    assert row["who"] and row["when"] and row["frame_index"] == 0
    assert row["details"]["added"] == [{"kind": "positive", "row": 32.0, "col": 40.0}]
    assert window.case_list.text(scan_folder / "case (1).png", "Status") == "corrected"
    window.close()

    reopened = make_window()
    open_folder(qtbot, reopened, scan_folder, "case (1).png")
    layer = reopened.review.mask_layer
    assert layer.prompts == (Prompt("positive", 32.0, 40.0),) and not layer.can_undo
    assert reopened.review.pointing.markers.shown == ((Prompt("positive", 32.0, 40.0),), ())
    assert reopened.review.pointing.panel.prompt_list.count() == 1
