"""The case list's BI-RADS column shows the reader's category from the store, and a choice in the panel
is saved (with its audit row) and shown in the list."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from busviewer.core.case import CaseRecord, FrameReview, ReviewStatus
from busviewer.io.store import CaseStore
from tests.gui.workspace.conftest import SCAN_SHAPE, WindowFactory, write_scan_png


def test_the_readers_category_is_listed_and_a_new_one_saved(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path
) -> None:
    folder = tmp_path / "scans"
    mask = np.zeros(SCAN_SHAPE, bool)
    mask[20:40, 20:60] = True
    for index, name in enumerate(("a.png", "b.png")):
        write_scan_png(folder / name, seed=index)
    with CaseStore(folder) as store:
        frame = FrameReview(0, mask, "m", (0.1, 0.6, 0.3), mask, uncertainty_score=0.1)
        store.upsert_case(CaseRecord("a.png", folder / "a.png", ReviewStatus.AI_PROPOSED, None, {0: frame},
                                     birads_reader={"category": "4B"}))  # fmt: skip
    window = make_window(tmp_path / "no-weights.safetensors")
    window.open_paths([folder])
    qtbot.waitUntil(lambda: window.session.scan is not None, timeout=15_000)
    panel = window.case_list
    assert panel.text(folder / "a.png", "BI-RADS") == "4B"
    assert panel.text(folder / "b.png", "BI-RADS") == ""
    qtbot.waitUntil(lambda: window.session.scan.name == "a.png", timeout=15_000)
    review = window.review
    qtbot.waitUntil(lambda: review.state is not None and review.state.birads_reader.get("category") == "4B",
                    timeout=15_000)
    birads = review.birads.panel
    assert birads.buttons["category"]["4B"].isChecked()
    qtbot.mouseClick(birads.buttons["category"]["5"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.text(folder / "a.png", "BI-RADS") == "5", timeout=15_000)
    qtbot.waitUntil(lambda: _stored_category(folder) == "5", timeout=15_000)
    with CaseStore(folder) as store:
        changes = [e["details"] for e in store.audit("a.png") if e["action"] == "birads_changed"]
    assert changes[-1]["field"] == "category" and changes[-1]["to"] == "5"


def _stored_category(folder: Path) -> str | None:
    with CaseStore(folder) as store:
        record = store.get_case("a.png", with_masks=False)
    return record.birads_reader.get("category") if record is not None else None
