"""A failed File > Open keeps the previous workspace: the scan still on screen stays editable and saved."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pytestqt.qtbot import QtBot

from busviewer.io.store import CaseStore, has_store
from tests.gui.workspace.conftest import WindowFactory, saved_to_store, workspace_of


def test_edits_after_a_failed_open_are_kept_in_the_previous_workspace(
    qtbot: QtBot, make_window: WindowFactory, scan_folder: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "damaged.png").write_bytes(b"\x89PNG\r\n\x1a\n not really an image")
    window = make_window(weights=tmp_path / "no-model.safetensors")  # the AI is not what this is about
    window.open_paths([scan_folder])
    qtbot.waitUntil(lambda: window.session.scan is not None and window.review.mask_layer is not None, timeout=60_000)
    assert workspace_of(window).workspace_dir == scan_folder
    errors: list[str] = []
    window.show_error = errors.append  # type: ignore[method-assign]
    window.open_paths([broken])
    qtbot.waitUntil(lambda: window.case_list.paths() == [broken / "damaged.png"], timeout=60_000)
    qtbot.waitUntil(lambda: window.case_list.text(broken / "damaged.png", "Status") == "unreadable", timeout=60_000)
    assert window.session.scan is not None and window.session.scan.name == "case (1).png"  # still on screen
    assert workspace_of(window).workspace_dir == scan_folder
    window.review.mask_layer.paint_disk(10, 10, 4, True)
    window.review.state_changed.emit(window.review.state)
    saved_to_store(qtbot, window)
    with CaseStore(scan_folder) as store:
        record = store.get_case("case (1).png")
    assert record is not None and record.frames[0].current_mask is not None
    assert bool(record.frames[0].current_mask[10, 10])  # the stroke made after the failed open was kept
    assert not has_store(broken)  # and nothing was written into the folder that failed
    assert np.asarray(window.review.mask_layer.data)[10, 10]
