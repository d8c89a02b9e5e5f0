"""Review state <-> case record: what gets saved, which status a case gets, what comes back on reopening."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from busviewer.core.case import CaseRecord, FrameReview, ReviewStatus
from busviewer.core.prediction import Prediction
from busviewer.core.review_records import (
    CaseRow,
    record_from_snapshot,
    snapshot_state,
    state_from_record,
)
from busviewer.core.review_state import ReviewState
from busviewer.io.store import CaseStore
from busviewer.services.review_saving import save_snapshot

SHAPE = (12, 16)


def _box(top: int, size: int) -> np.ndarray:
    mask = np.zeros(SHAPE, bool)
    mask[top : top + size, top : top + size] = True
    return mask


def _prediction(mask: np.ndarray, probabilities=(0.1, 0.3, 0.6)) -> Prediction:
    zeros = np.zeros(SHAPE, np.float32)
    return Prediction(np.asarray(probabilities), mask.astype(np.float32), mask, zeros, "model-1", "cpu")


def _state(n_frames: int = 1) -> ReviewState:
    return ReviewState("/ws/a.png", Path("/ws/a.png"), SHAPE, n_frames)


def test_a_proposal_is_ai_proposed_and_an_edit_makes_it_corrected() -> None:
    state = _state()
    frame = state.frame(0)
    frame.prediction = _prediction(_box(2, 4))
    frame.ensure_mask(SHAPE).set_mask(_box(2, 4), by_person=False)
    record = record_from_snapshot(snapshot_state(state, "a.png"))
    assert record.status == ReviewStatus.AI_PROPOSED and record.ai_class == "malignant"
    frame.mask.paint_disk(9, 12, 2, True)
    edited = record_from_snapshot(snapshot_state(state, "a.png"), record)
    assert edited.status == ReviewStatus.CORRECTED
    np.testing.assert_array_equal(edited.frames[0].ai_mask, _box(2, 4))
    np.testing.assert_array_equal(edited.frames[0].current_mask, frame.mask.data)


def test_snapshot_is_a_copy_and_skips_frames_only_looked_at() -> None:
    state = _state(n_frames=3)
    state.frame(0).ensure_mask(SHAPE).paint_disk(5, 5, 2, True)
    state.frame(1).ensure_mask(SHAPE)  # shown, nothing drawn, no AI
    snapshot = snapshot_state(state, "a.png")
    state.frame(0).mask.clear()
    assert [f.frame_index for f in snapshot.frames] == [0]
    assert snapshot.frames[0].mask.any()
    record = record_from_snapshot(snapshot)
    assert record.status == ReviewStatus.CORRECTED  # drawn without an AI proposal


def test_saved_frames_and_decisions_are_kept_when_the_state_does_not_hold_them() -> None:
    saved = CaseRecord("a.png", Path("/ws/a.png"), ReviewStatus.APPROVED, "benign", {
        0: FrameReview(0, _box(1, 3), "old-model", (0.2, 0.7, 0.1), _box(1, 3), 0.3),
        2: FrameReview(2, _box(4, 3), "old-model", (0.2, 0.7, 0.1), _box(5, 3), 0.4),
    })  # fmt: skip
    state = state_from_record(saved, "/ws/a.png", Path("/ws/a.png"), SHAPE, n_frames=2)
    assert set(state.frames) == {0}  # frame 2 is beyond this scan's frames
    record = record_from_snapshot(snapshot_state(state, "a.png"), saved)
    assert record.status == ReviewStatus.APPROVED and record.reviewer_class == "benign"
    assert record.frames[0].ai_model_id == "old-model"  # no new proposal yet: the saved one stays
    np.testing.assert_array_equal(record.frames[2].current_mask, _box(5, 3))


def test_reopened_masks_belong_to_the_reader_only_when_edited_or_approved() -> None:
    frames = {0: FrameReview(0, _box(1, 3), "m", (0.2, 0.7, 0.1), _box(2, 3)),
              1: FrameReview(1, _box(1, 3), "m", (0.2, 0.7, 0.1), _box(1, 3))}  # fmt: skip
    record = CaseRecord("a.png", Path("/ws/a.png"), ReviewStatus.CORRECTED, None, frames)
    state = state_from_record(record, "/ws/a.png", Path("/ws/a.png"), SHAPE, n_frames=2)
    edited, untouched = state.frames[0], state.frames[1]
    np.testing.assert_array_equal(edited.mask.data, _box(2, 3))
    assert edited.reader_owned and edited.mask.edited and not edited.mask.can_undo
    assert not untouched.reader_owned  # the AI may replace its own earlier proposal
    record.status = ReviewStatus.APPROVED
    approved = state_from_record(record, "/ws/a.png", Path("/ws/a.png"), SHAPE, n_frames=2)
    assert approved.frames[1].reader_owned
    empty = CaseRecord("a.png", Path("/ws/a.png"), ReviewStatus.CORRECTED, None,
                       {0: FrameReview(0, _box(1, 3), "m", None, np.zeros(SHAPE, bool))})  # fmt: skip
    cleared = state_from_record(empty, "/ws/a.png", Path("/ws/a.png"), SHAPE, 1).frames[0]
    assert cleared.mask.edited and not cleared.mask.data.any()  # an erased lesion stays erased


def test_save_snapshot_skips_cases_only_looked_at_and_audits_decisions(tmp_path: Path) -> None:
    state = ReviewState(str(tmp_path / "a.png"), tmp_path / "a.png", SHAPE)
    state.frame(0).ensure_mask(SHAPE)
    with CaseStore(tmp_path) as store:
        assert save_snapshot(store, snapshot_state(state, "a.png")) is None
        assert store.get_case("a.png") is None
        row = save_snapshot(store, snapshot_state(state, "a.png"), decision=ReviewStatus.FLAGGED)
        assert row == CaseRow(ReviewStatus.FLAGGED, None, None, None, None)
        assert store.get_case("a.png").status == ReviewStatus.FLAGGED
        assert store.audit("a.png")[-1]["action"] == "status_changed"
        row = save_snapshot(store, snapshot_state(state, "a.png"), clear_decision=True)
        assert row.status == ReviewStatus.UNREVIEWED


def test_case_row_texts() -> None:
    row = CaseRow(ReviewStatus.AI_PROPOSED, None, "benign", 0.123, 0.456)
    assert (row.status_text, row.class_text, row.risk_text, row.doubt_text) == ("AI proposed", "benign", "12 %", "0.46")
    assert CaseRow(ReviewStatus.APPROVED, "malignant", "benign", None, None).class_text == "Malignant"
