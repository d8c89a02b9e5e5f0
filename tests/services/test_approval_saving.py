"""An approval describes what was approved: a save that changes an approved case sets it back in review."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from busviewer.core.case import ReviewStatus
from busviewer.core.prediction import Prediction
from busviewer.core.review_records import snapshot_state, state_from_record
from busviewer.core.review_state import ReviewState
from busviewer.io.store import CaseStore
from busviewer.services.review_saving import CHANGED_AFTER_APPROVAL, save_snapshot

SHAPE = (24, 32)
N_FRAMES = 3


def _approved_cine(store: CaseStore, folder: Path) -> ReviewState:
    state = ReviewState("cine", folder / "cine.dcm", SHAPE, n_frames=N_FRAMES)
    for index in range(N_FRAMES):
        mask = np.zeros(SHAPE, bool)
        mask[4 + index : 12 + index, 4:14] = True
        frame = state.frame(index)
        frame.prediction = Prediction(np.array([0.1, 0.6, 0.3]), None, mask, None, "m-1", "cpu", frame_index=index,
                                      kept_uncertainty_score=0.2)
        frame.ensure_mask(SHAPE).set_mask(mask, by_person=False)
    row = save_snapshot(store, snapshot_state(state, "cine.dcm"), decision=ReviewStatus.APPROVED)
    assert row is not None and row.status == ReviewStatus.APPROVED
    return state


def _reopened_from_store(store: CaseStore, folder: Path) -> ReviewState:
    record = store.get_case("cine.dcm")
    assert record is not None
    return state_from_record(record, "cine", folder / "cine.dcm", SHAPE, N_FRAMES)


def test_saving_the_same_approved_review_again_keeps_the_approval(tmp_path: Path) -> None:
    with CaseStore(tmp_path) as store:
        _approved_cine(store, tmp_path)
        state = _reopened_from_store(store, tmp_path)
        assert state.locked  # an approved case comes back locked
        row = save_snapshot(store, snapshot_state(state, "cine.dcm"))  # every frame re-sent, nothing changed
        assert row is not None and row.status == ReviewStatus.APPROVED
        assert store.get_case("cine.dcm", with_masks=False).status == ReviewStatus.APPROVED


def test_a_stroke_saved_on_an_approved_case_withdraws_the_approval_with_an_audit_row(tmp_path: Path) -> None:
    with CaseStore(tmp_path) as store:
        state = _approved_cine(store, tmp_path)
        state.frame(2).mask.paint_disk(20, 25, 2, True)
        row = save_snapshot(store, snapshot_state(state, "cine.dcm"))
        assert row is not None and row.status == ReviewStatus.CORRECTED
        assert store.get_case("cine.dcm", with_masks=False).status == ReviewStatus.CORRECTED
        change = [entry for entry in store.audit("cine.dcm") if entry["action"] == "status_changed"][-1]
        assert change["details"] == {"from": "approved", "to": "corrected", "reason": CHANGED_AFTER_APPROVAL}


def test_a_new_ai_proposal_or_class_on_an_approved_case_withdraws_the_approval(tmp_path: Path) -> None:
    with CaseStore(tmp_path) as store:
        state = _approved_cine(store, tmp_path)
        other = np.zeros(SHAPE, bool)
        other[1:5, 1:5] = True
        state.frame(1).prediction = Prediction(np.array([0.7, 0.2, 0.1]), None, other, None, "m-2", "cpu", frame_index=1,
                                            kept_uncertainty_score=0.1)
        row = save_snapshot(store, snapshot_state(state, "cine.dcm"))
        assert row is not None and row.status != ReviewStatus.APPROVED

    second = tmp_path / "second"
    second.mkdir()
    with CaseStore(second) as store:
        state = _approved_cine(store, second)
        state.set_reviewer_class("malignant")
        row = save_snapshot(store, snapshot_state(state, "cine.dcm"))
        assert row is not None and row.status != ReviewStatus.APPROVED


def test_reopening_is_audited_with_its_reason(tmp_path: Path) -> None:
    with CaseStore(tmp_path) as store:
        state = _approved_cine(store, tmp_path)
        row = save_snapshot(store, snapshot_state(state, "cine.dcm"), clear_decision=True, reason="reopened")
        assert row is not None and row.status == ReviewStatus.AI_PROPOSED
        change = [entry for entry in store.audit("cine.dcm") if entry["action"] == "status_changed"][-1]
        assert change["details"]["reason"] == "reopened" and change["details"]["from"] == "approved"


def test_reopening_a_case_drawn_without_an_ai_proposal_makes_it_corrected(tmp_path: Path) -> None:
    state = ReviewState("a", tmp_path / "a.png", SHAPE)
    state.frame(0).ensure_mask(SHAPE).paint_disk(10, 10, 3, True)
    with CaseStore(tmp_path) as store:
        save_snapshot(store, snapshot_state(state, "a.png"), decision=ReviewStatus.APPROVED)
        row = save_snapshot(store, snapshot_state(state, "a.png"), clear_decision=True, reason="reopened")
        assert row is not None and row.status == ReviewStatus.CORRECTED  # the saved masks are read by key only
