"""Approved means approved: an approved case refuses edits, class changes and AI runs until it is reopened,
and reopening is recorded in the audit trail.

The windows run without a usable network (the AI's own tests cover it), so nothing here waits on the compute
process: what is checked is that an approved case never asks it for anything."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from busviewer.core.case import CaseRecord, FrameReview, ReviewStatus
from busviewer.gui.review.controller import LOCKED_AI_NOTE
from busviewer.io.store import CaseStore
from tests.gui.review.conftest import drag
from tests.gui.workspace.conftest import SCAN_SHAPE, WindowFactory, saved_to_store, workspace_of

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
CASE = "case (1).png"


def _saved(window) -> CaseRecord:
    record = workspace_of(window).worker.call(lambda store: store.get_case(CASE))
    assert record is not None
    return record


def _open(qtbot: QtBot, window, folder: Path) -> None:
    window.open_paths([folder])
    qtbot.waitUntil(lambda: window.session.scan is not None and window.session.scan.name == CASE, timeout=15_000)
    qtbot.waitUntil(lambda: window.review.state is not None and workspace_of(window).worker is not None, timeout=5000)
    qtbot.waitUntil(lambda: window.canvas.has_image, timeout=5000)


def _stroke(qtbot: QtBot, window) -> None:
    qtbot.keyClick(window, Qt.Key.Key_B)
    drag(window, [(5.5, 5.5), (5.5, 30.5), (20.5, 30.5)])


def test_an_approved_case_refuses_edits_until_reopened(
    qtbot: QtBot, make_window: WindowFactory, scan_folder: Path, tmp_path: Path
) -> None:
    window = make_window(tmp_path / "no-weights.safetensors")
    review = window.review
    _open(qtbot, window, scan_folder)
    _stroke(qtbot, window)  # the reader's outline, then approval
    qtbot.keyClick(window, Qt.Key.Key_Return, CTRL)
    saved_to_store(qtbot, window)
    assert _saved(window).status == ReviewStatus.APPROVED
    approved_mask = review.mask_layer.data.copy()
    assert approved_mask[5, 20]
    steps = review.mask_layer.history.n_steps

    drag(window, [(40.5, 60.5), (50.5, 70.5)])  # the brush is still the tool
    assert "approved" in window.statusBar().currentMessage() and "Reopen" in window.statusBar().currentMessage()
    window.statusBar().clearMessage()
    qtbot.keyClick(window, Qt.Key.Key_R)  # run the AI again: refused for the lock, not for the missing weights
    assert "Reopen" in window.statusBar().currentMessage()
    review.editing.clear()  # Tools > Clear mask
    review.editing.fill_holes()
    review.set_reviewer_class("malignant")  # a class button
    review.editing.select_tool("point")
    drag(window, [(50.5, 50.5)])  # a Point-tool click
    qtbot.wait(50)
    np.testing.assert_array_equal(review.mask_layer.data, approved_mask)
    assert review.mask_layer.history.n_steps == steps and review.mask_layer.prompts == ()
    assert review.state.reviewer_class is None and not review.pointing.pending
    saved_to_store(qtbot, window)
    assert _saved(window).status == ReviewStatus.APPROVED
    np.testing.assert_array_equal(_saved(window).frames[0].final_mask, approved_mask)

    qtbot.keyClick(window, Qt.Key.Key_E, CTRL | SHIFT)  # Case > Reopen for Editing
    saved_to_store(qtbot, window)
    assert window.case_list.text(scan_folder / CASE, "Status") == "corrected"
    change = [e for e in workspace_of(window).worker.call(lambda s: s.audit(CASE)) if e["action"] == "status_changed"]
    assert change[-1]["details"] == {"from": "approved", "to": "corrected", "reason": "reopened"}
    _stroke(qtbot, window)
    drag(window, [(40.5, 60.5), (50.5, 70.5)])
    assert review.mask_layer.data[45, 65]
    saved_to_store(qtbot, window)
    assert _saved(window).status == ReviewStatus.CORRECTED


def test_a_case_approved_earlier_comes_back_locked_and_the_ai_is_not_run_on_it(
    qtbot: QtBot, make_window: WindowFactory, scan_folder: Path, tmp_path: Path
) -> None:
    mask = np.zeros(SCAN_SHAPE, bool)
    mask[20:40, 20:50] = True
    with CaseStore(scan_folder) as store:
        store.upsert_case(CaseRecord(CASE, scan_folder / CASE, ReviewStatus.APPROVED, "benign",
                                     {0: FrameReview(0, mask, "m", (0.2, 0.5, 0.3), mask)}))  # fmt: skip
    weights = tmp_path / "weights.safetensors"
    weights.write_bytes(b"any file: an approved case must not even ask the AI")
    window = make_window(weights)
    review = window.review
    window.open_paths([scan_folder])
    qtbot.waitUntil(lambda: review.state is not None and review.state.locked, timeout=15_000)
    assert review.proposal.inference_jobs.pending == 0 and review.frame_state.prediction is None
    review.set_weights(weights)  # switching models does not re-run an approved case
    qtbot.keyClick(window, Qt.Key.Key_R)
    assert review.proposal.inference_jobs.pending == 0
    assert review.class_panel.message.text() == LOCKED_AI_NOTE
    _stroke(qtbot, window)
    np.testing.assert_array_equal(review.mask_layer.data, mask)
    saved_to_store(qtbot, window)
    assert _saved(window).status == ReviewStatus.APPROVED
