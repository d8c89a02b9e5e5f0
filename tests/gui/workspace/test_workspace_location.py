"""Opening scans never writes into their folder (unless asked), the title names the workspace, and a case
reviewed in another folder's workspace shows its status wherever it is opened from.

The windows run without a usable network: nothing here is about the AI."""

from __future__ import annotations

import stat
from pathlib import Path

import numpy as np
from pytestqt.qtbot import QtBot

from busviewer.core.case import CaseRecord, FrameReview, ReviewStatus
from busviewer.io.store import STORE_DIR_NAME, CaseStore, has_store
from tests.gui.workspace.conftest import SCAN_SHAPE, WindowFactory, saved_to_store, workspace_of, write_scan_png

READ_ONLY = stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH  # 555


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def _wait_shown(qtbot: QtBot, window, name: str) -> None:
    qtbot.waitUntil(lambda: window.session.scan is not None and window.session.scan.name == name, timeout=15_000)
    qtbot.waitUntil(lambda: workspace_of(window).worker is not None and window.review.mask_layer is not None,
                    timeout=5000)  # fmt: skip


def test_a_read_only_scan_folder_is_reviewed_and_left_untouched(
    qtbot: QtBot, make_window: WindowFactory, scan_folder: Path, tmp_path: Path
) -> None:
    before = _tree(scan_folder)
    scan_folder.chmod(READ_ONLY)
    try:
        window = make_window(tmp_path / "no-model.safetensors")
        window.open_paths([scan_folder])
        _wait_shown(qtbot, window, "case (1).png")
        assert "workspace “scans” (kept in your data folder)" in window.windowTitle()
        assert window.windowTitle().startswith("case (1).png — ")
        window.review.mask_layer.paint_disk(10, 10, 4, True)
        window.review.state_changed.emit(window.review.state)
        saved_to_store(qtbot, window)
        window.close()
        assert has_store(scan_folder)
        with CaseStore(scan_folder) as store:
            record = store.get_case("case (1).png")
        assert record is not None and record.status == ReviewStatus.CORRECTED
    finally:
        scan_folder.chmod(0o755)
    assert _tree(scan_folder) == before and not (scan_folder / STORE_DIR_NAME).exists()


def test_files_from_two_folders_show_the_approval_each_got_in_its_own_workspace(
    qtbot: QtBot, make_window: WindowFactory, scan_folder: Path, tmp_path: Path
) -> None:
    other = write_scan_png(tmp_path / "colleague" / "lesion.png", seed=7)
    mask = np.zeros(SCAN_SHAPE, bool)
    mask[20:40, 20:50] = True
    with CaseStore(other.parent) as store:
        store.upsert_case(CaseRecord("lesion.png", other, ReviewStatus.APPROVED, "malignant",
                                     {0: FrameReview(0, mask, "m", (0.1, 0.2, 0.7), mask)}))  # fmt: skip
    window = make_window(tmp_path / "no-model.safetensors")
    window.open_paths([scan_folder / "case (1).png", other])  # files opened one by one, from two folders
    _wait_shown(qtbot, window, "case (1).png")
    qtbot.waitUntil(lambda: window.case_list.text(other, "Status") == "approved", timeout=15_000)
    window.navigator.open_file(other)
    _wait_shown(qtbot, window, "lesion.png")
    qtbot.waitUntil(lambda: window.review.state is not None and window.review.state.locked, timeout=5000)
    np.testing.assert_array_equal(window.review.mask_layer.data, mask)
    assert window.review.state.reviewer_class == "malignant"


def test_the_review_is_kept_beside_the_scans_only_when_chosen(
    qtbot: QtBot, make_window: WindowFactory, scan_folder: Path, tmp_path: Path
) -> None:
    window = make_window(tmp_path / "no-model.safetensors")
    workspace_of(window).in_folder_action.trigger()  # File > Keep Reviews in the Scan Folder
    assert window.settings.value("workspace/in_scan_folder", False, type=bool)
    window.open_paths([scan_folder])
    _wait_shown(qtbot, window, "case (1).png")
    assert "(kept in the scan folder)" in window.windowTitle()
    window.review.mask_layer.paint_disk(10, 10, 4, True)
    window.review.state_changed.emit(window.review.state)
    saved_to_store(qtbot, window)
    assert (scan_folder / STORE_DIR_NAME / "cases.sqlite").is_file()
