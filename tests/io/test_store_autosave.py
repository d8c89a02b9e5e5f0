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
from busviewer.io.store import SCHEMA_VERSION, CaseStore
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
    db = tmp_path / ".busviewer" / "cases.sqlite"
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    with pytest.raises(UserFacingError) as refused:
        CaseStore(tmp_path)
    sentence = str(refused.value)
    assert "newer busviewer" in sentence and "\n" not in sentence and sentence.endswith(".")


def test_an_older_store_is_brought_up_to_date(tmp_path: Path) -> None:
    CaseStore(tmp_path).close()
    db = tmp_path / ".busviewer" / "cases.sqlite"
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    CaseStore(tmp_path).close()
    with sqlite3.connect(db) as connection:
        (version,) = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert int(version) == SCHEMA_VERSION
