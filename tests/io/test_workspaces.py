"""A folder's review lives in the user's data folder (the scan folder is never written unless chosen), is found
again after the folder moves, and a case reviewed in one workspace is found from any other by its content."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import numpy as np
import pytest

from busviewer.core.case import CaseRecord, FrameReview, ReviewStatus
from busviewer.core.errors import UserFacingError
from busviewer.io.store import STORE_DIR_NAME, CaseStore, has_store, store_dir
from busviewer.io.workspace_cases import FOUND_ELSEWHERE, adopt_case_reviewed_elsewhere
from busviewer.io.workspace_locations import (
    FOLDER_FILE,
    WorkspaceLocation,
    find_workspace,
    locate_workspace,
    volume_of,
    workspaces_root,
)

SHAPE = (20, 24)


def _scans(folder: Path, names: tuple[str, ...] = ("a.png", "b.png"), seed: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for name in names:
        path = folder / name
        path.write_bytes(rng.bytes(256))  # the store keys cases by bytes; no image decoding happens here
        paths.append(path)
    return paths


def _approved(path: Path, case_id: str) -> CaseRecord:
    mask = np.zeros(SHAPE, bool)
    mask[4:9, 5:12] = True
    frame = FrameReview(0, mask, "m-1", (0.1, 0.7, 0.2), mask)
    return CaseRecord(case_id, path, ReviewStatus.APPROVED, "benign", {0: frame})


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_a_read_only_scan_folder_is_reviewed_without_writing_into_it(tmp_path: Path) -> None:
    folder = tmp_path / "pacs-export"
    scans = _scans(folder)
    before = _tree(folder)
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)  # 555
    try:
        with CaseStore(folder) as store:
            store.upsert_case(_approved(scans[0], "a.png"))
            assert not store.location.in_scan_folder
            assert store.location.state_dir.is_relative_to(Path(os.environ["BUSVIEWER_HOME"]))
        assert has_store(folder) and store_dir(folder) == store.location.state_dir
        with CaseStore(folder) as reopened:
            record = reopened.get_case("a.png")
        assert record is not None and record.status == ReviewStatus.APPROVED and record.source_path == scans[0]
    finally:
        folder.chmod(0o755)
    assert _tree(folder) == before and not (folder / STORE_DIR_NAME).exists()


def test_a_review_kept_in_the_scan_folder_by_an_older_version_still_opens_in_place(tmp_path: Path) -> None:
    folder = tmp_path / "scans"
    scans = _scans(folder)
    legacy = WorkspaceLocation(folder.resolve(), folder.resolve() / STORE_DIR_NAME)
    with CaseStore(folder, legacy) as store:
        store.upsert_case(_approved(scans[1], "b.png"))
    with CaseStore(folder) as reopened:  # the default finds it where it is
        assert reopened.location == legacy and reopened.location.in_scan_folder
        assert reopened.get_case("b.png").status == ReviewStatus.APPROVED
    assert "scan folder" in legacy.describe() and "“scans”" in legacy.describe()


def test_two_folders_get_two_workspaces(tmp_path: Path) -> None:
    _scans(tmp_path / "one")
    _scans(tmp_path / "two")
    first, second = locate_workspace(tmp_path / "one"), locate_workspace(tmp_path / "two")
    assert first.state_dir != second.state_dir
    assert find_workspace(tmp_path / "one") == first and find_workspace(tmp_path / "two") == second


def test_a_moved_folder_finds_its_workspace_by_the_content_of_its_scans(tmp_path: Path) -> None:
    folder = tmp_path / "clinic" / "2024-05"
    scans = _scans(folder, ("x.png", "y.png", "z.png"))
    with CaseStore(folder) as store:
        store.upsert_case(_approved(scans[0], "x.png"))
        state = store.location.state_dir
    moved = tmp_path / "archive" / "may"
    moved.parent.mkdir()
    folder.rename(moved)
    assert find_workspace(moved) is None  # not by its path
    location = locate_workspace(moved, scans=sorted(moved.iterdir()))
    assert location.state_dir == state and location.folder == moved.resolve()
    assert json.loads((state / FOLDER_FILE).read_text())["folder"] == str(moved.resolve())
    with CaseStore(moved) as store:
        record = store.get_case("x.png")
    assert record is not None and record.status == ReviewStatus.APPROVED and record.source_path == moved / "x.png"


def test_a_folder_on_an_unplugged_drive_keeps_its_workspace(tmp_path: Path) -> None:
    drive = tmp_path / "media" / "USBDRIVE"
    folder = drive / "scans"
    scans = _scans(folder, ("x.png", "y.png", "z.png"))
    with CaseStore(folder) as store:
        store.upsert_case(_approved(scans[0], "x.png"))
        state = store.location.state_dir
    entry = state / FOLDER_FILE
    assert Path(json.loads(entry.read_text())["volume"]) == volume_of(folder)
    # As if the folder had been on the drive: record the drive as its volume, copy the scans off it, unplug it.
    entry.write_text(json.dumps({**json.loads(entry.read_text()), "volume": str(drive)}))
    copy = tmp_path / "desk" / "scans-copy"
    copy.mkdir(parents=True)
    for name in ("x.png", "y.png", "z.png"):
        (copy / name).write_bytes((folder / name).read_bytes())
    shutil.rmtree(tmp_path / "media")
    location = locate_workspace(copy, scans=sorted(copy.iterdir()))
    assert location.state_dir != state  # the copy starts its own workspace
    assert json.loads(entry.read_text())["folder"] == str(folder.resolve())  # and the drive's stays with it


def test_a_folder_lies_on_a_mount_point_of_its_own_path(tmp_path: Path) -> None:
    volume = volume_of(tmp_path)
    assert volume.is_mount() and tmp_path.resolve().is_relative_to(volume)


def test_a_case_approved_in_another_workspace_is_found_by_content(tmp_path: Path) -> None:
    original = _scans(tmp_path / "colleague")[0]
    with CaseStore(tmp_path / "colleague") as store:
        store.upsert_case(_approved(original, "a.png"))
    copy = tmp_path / "mine" / "renamed.png"
    copy.parent.mkdir()
    copy.write_bytes(original.read_bytes())
    with CaseStore(copy.parent) as store:
        assert store.get_case("renamed.png") is None
        record = adopt_case_reviewed_elsewhere(store, "renamed.png", copy)
        assert record is not None and record.status == ReviewStatus.APPROVED and record.reviewer_class == "benign"
        np.testing.assert_array_equal(record.frames[0].current_mask, _approved(copy, "x").frames[0].current_mask)
        found = [e for e in store.audit("renamed.png") if e["action"] == FOUND_ELSEWHERE]
        assert found and found[0]["details"] == {"workspace": "colleague", "status": "approved"}
        other = tmp_path / "mine" / "other.png"
        other.write_bytes(b"another scan")
        assert adopt_case_reviewed_elsewhere(store, "other.png", other) is None


def test_an_unwritable_data_folder_is_one_sentence(tmp_path: Path) -> None:
    _scans(tmp_path / "scans")
    workspaces_root().write_text("not a folder")  # nothing there yet in a fresh user-data folder
    with pytest.raises(UserFacingError) as refused:
        CaseStore(tmp_path / "scans")
    assert str(refused.value).endswith(").") and "\n" not in str(refused.value)
