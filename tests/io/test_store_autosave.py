"""Autosave writes only what changed, and a store's format version is checked when it is opened."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from busviewer.core.case import ReviewStatus
from busviewer.core.errors import UserFacingError
from busviewer.core.prediction import Prediction
from busviewer.core.review_records import snapshot_state
from busviewer.core.review_state import ReviewState
from busviewer.io.mask_files import MaskFiles
from busviewer.io.store import SCHEMA_VERSION, CaseStore, store_dir
from busviewer.io.workspace_locations import file_sha256
from busviewer.services.review_saving import save_snapshot

SHAPE = (40, 48)
N_FRAMES = 6


def _cine_with_proposals(folder: Path) -> ReviewState:
    state = ReviewState("cine", folder / "cine.dcm", SHAPE, n_frames=N_FRAMES)
    for index in range(N_FRAMES):
        frame = state.frame(index)
        mask = np.zeros(SHAPE, bool)
        mask[5 + index : 20 + index, 5:25] = True
        frame.prediction = Prediction(np.array([0.1, 0.6, 0.3]), None, mask, None, "m-1", "cpu", frame_index=index,
                                      kept_uncertainty_score=0.2)
        frame.ensure_mask(SHAPE).set_mask(mask, by_person=False)
    return state


def test_a_stroke_on_one_frame_rewrites_that_frame_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    written: list[int] = []
    real_write = MaskFiles.write

    def counting_write(self: MaskFiles, mask: np.ndarray | None) -> str | None:
        if mask is not None:
            written.append(int(mask.sum()))
        return real_write(self, mask)

    monkeypatch.setattr(MaskFiles, "write", counting_write)
    state = _cine_with_proposals(tmp_path)
    with CaseStore(tmp_path) as store:
        save_snapshot(store, snapshot_state(state, "cine.dcm"))
        assert len(written) == 2 * N_FRAMES  # the first save writes every frame's AI and reader mask
        written.clear()
        layer = state.frame(3).mask
        layer.paint_disk(30, 40, 3, True)
        row = save_snapshot(store, snapshot_state(state, "cine.dcm"))
        assert len(written) == 2, "only the edited frame's masks are hashed and written"
        assert row is not None and row.status == ReviewStatus.CORRECTED
        written.clear()
        assert save_snapshot(store, snapshot_state(state, "cine.dcm")) is not None
        assert written == []  # nothing changed: nothing rewritten
        record = store.get_case("cine.dcm")
    assert record is not None and sorted(record.frames) == list(range(N_FRAMES))
    np.testing.assert_array_equal(record.frames[3].current_mask, layer.data)
    assert [index for index, frame in record.frames.items() if frame.is_edited] == [3]
    for index in (0, 5):  # the frames not re-sent keep their masks
        np.testing.assert_array_equal(record.frames[index].ai_mask, state.frame(index).prediction.mask)


def test_a_store_from_a_newer_version_is_refused_in_one_sentence(tmp_path: Path) -> None:
    CaseStore(tmp_path).close()
    db = store_dir(tmp_path) / "cases.sqlite"
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    with pytest.raises(UserFacingError) as refused:
        CaseStore(tmp_path)
    sentence = str(refused.value)
    assert "newer busviewer" in sentence and "\n" not in sentence and sentence.endswith(".")


def test_an_older_store_is_brought_up_to_date(tmp_path: Path) -> None:
    CaseStore(tmp_path).close()
    db = store_dir(tmp_path) / "cases.sqlite"
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    CaseStore(tmp_path).close()
    with sqlite3.connect(db) as connection:
        (version,) = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert int(version) == SCHEMA_VERSION


# The tables a version-1 store had (before frames kept the familiarity flag and cases their scan's content key).
_VERSION_1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE cases (case_id TEXT PRIMARY KEY, source_path TEXT NOT NULL, status TEXT NOT NULL, reviewer_class TEXT,
    updated_by TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE frames (case_id TEXT NOT NULL REFERENCES cases(case_id) ON DELETE CASCADE, frame_index INTEGER NOT NULL,
    ai_mask TEXT, current_mask TEXT, ai_model_id TEXT, ai_probabilities TEXT, uncertainty_score REAL,
    updated_by TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (case_id, frame_index));
CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, case_id TEXT NOT NULL, frame_index INTEGER,
    who TEXT NOT NULL, at TEXT NOT NULL, action TEXT NOT NULL, details TEXT NOT NULL);
INSERT INTO meta VALUES ('schema_version', '1');
INSERT INTO cases VALUES ('a.png', 'a.png', 'approved', 'benign', 'alice', '2025-01-02T03:04:05+00:00');
"""


def test_a_real_version_1_store_in_the_scan_folder_opens_and_is_migrated(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(b"the scan's bytes")
    legacy = tmp_path / ".busviewer"
    legacy.mkdir()
    with sqlite3.connect(legacy / "cases.sqlite") as connection:
        connection.executescript(_VERSION_1)
    with CaseStore(tmp_path) as store:
        assert store.location.state_dir == legacy  # read in place, where the older version kept it
        record = store.get_case("a.png")
        assert record is not None and record.status == ReviewStatus.APPROVED and record.updated_by == "alice"
        assert store.case_with_content(file_sha256(tmp_path / "a.png")) is None  # not known yet
        assert store.fill_content_keys(limit=1) == "a.png"  # in steps: one case, then go on after it
        assert store.fill_content_keys(limit=1, after="a.png") is None
        assert store.case_with_content(file_sha256(tmp_path / "a.png")) == "a.png"
    with sqlite3.connect(legacy / "cases.sqlite") as connection:
        (version,) = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        columns = {row[1] for row in connection.execute("PRAGMA table_info(cases)")}
    assert int(version) == SCHEMA_VERSION and "content_sha256" in columns


def test_a_newer_store_is_left_as_it_was(tmp_path: Path) -> None:
    legacy = tmp_path / ".busviewer"
    legacy.mkdir()
    with sqlite3.connect(legacy / "cases.sqlite") as connection:
        connection.executescript(_VERSION_1.replace("'schema_version', '1'", f"'schema_version', '{SCHEMA_VERSION + 5}'"))
    with pytest.raises(UserFacingError, match="newer busviewer"):
        CaseStore(tmp_path)
    with sqlite3.connect(legacy / "cases.sqlite") as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        columns = {row[1] for row in connection.execute("PRAGMA table_info(frames)")}
    assert tables == {"meta", "cases", "frames", "audit", "sqlite_sequence"} and "ai_unfamiliar" not in columns
