"""The AI proposal: the inference worker delivers, stale results are dropped, Grad-CAM and uncertainty layers."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from busviewer.core.constants import CLASS_NAMES
from busviewer.core.review_state import HeatMap
from busviewer.gui.main_window import MainWindow
from busviewer.gui.review import proposal
from busviewer.gui.review.controller import ReviewController
from busviewer.gui.review.proposal import PEAK_OUTSIDE_NOTE
from busviewer.services import remote_model, weights
from busviewer.services.results import ProposalResult
from tests.gui.review.conftest import make_scan, show_scan, wait_for_prediction

Window = tuple[MainWindow, ReviewController]


def test_opening_a_scan_shows_the_ai_proposal(qtbot: QtBot, review_window: Window, tiny_weights: Path) -> None:
    window, review = review_window
    scan = make_scan("first.png")
    show_scan(qtbot, window, scan)
    wait_for_prediction(qtbot, review)
    frame = review.frame_state
    assert frame.prediction is not None and frame.prediction.mask.shape == scan.shape
    np.testing.assert_array_equal(review.mask_layer.data, frame.prediction.mask)
    assert not review.mask_layer.can_undo, "the proposal itself is not an undo step"
    assert "tiny-" in window.permanent_status("model") and "cpu" in window.permanent_status("model")
    for name, probability in zip(CLASS_NAMES, frame.prediction.probabilities, strict=True):
        assert review.class_panel.bars[name].text() == f"{probability * 100:.0f} %"
    assert "not yet reviewed" in review.class_panel.mask_source.text()
    assert review.proposal.uncertainty_overlay.heat is not None


def test_run_key_runs_again(qtbot: QtBot, review_window: Window) -> None:
    window, review = review_window
    show_scan(qtbot, window, make_scan("again.png"))
    wait_for_prediction(qtbot, review)
    first = review.frame_state.prediction
    qtbot.keyClick(window, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: review.frame_state.prediction is not first, timeout=30_000)


def test_rapid_case_switching_never_shows_a_stale_mask(qtbot: QtBot, review_window: Window) -> None:
    window, review = review_window
    scans = [make_scan(f"case{i}.png", size=(64 + 8 * i, 96), seed=i) for i in range(6)]
    for scan in scans:
        window.session.set_scan(scan)
    wait_for_prediction(qtbot, review)
    review.wait_idle(30_000)
    qtbot.waitUntil(lambda: not review.editing.overlay.drawing and review.proposal.inference_jobs.pending == 0)
    last = scans[-1]
    assert review.frame_state.prediction.mask.shape == last.shape
    assert review.mask_layer.shape == last.shape
    assert review.editing.overlay.rgba.shape[:2] == last.shape
    np.testing.assert_array_equal(review.mask_layer.data, review.frame_state.prediction.mask)


def test_a_late_result_for_the_previous_scan_is_dropped(
    qtbot: QtBot, review_window: Window, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, review = review_window
    started, release = threading.Event(), threading.Event()
    real_predict = remote_model.predict_frame

    def slow_for_old(model: remote_model.RemoteModel, grey: np.ndarray, frame_index: int) -> ProposalResult:
        if grey.shape == (50, 70):
            started.set()
            release.wait(10)
        return real_predict(model, grey, frame_index)

    monkeypatch.setattr(proposal, "predict_frame", slow_for_old)
    old, new = make_scan("old.png", size=(50, 70)), make_scan("new.png", size=(60, 90))
    window.session.set_scan(old)
    assert started.wait(30), "the job for the old scan should be running"
    window.session.set_scan(new)
    release.set()
    review.wait_idle(30_000)
    qtbot.waitUntil(lambda: review.proposal.inference_jobs.pending == 0, timeout=10_000)
    wait_for_prediction(qtbot, review)
    assert review.scan is new
    assert review.mask_layer.shape == new.shape
    assert review.states[review.state.scan_key].frames[0].prediction.mask.shape == new.shape
    old_state = [s for s in review.states.values() if s.shape == old.shape][0]
    assert old_state.frames[0].prediction is None, "the late result must not be applied to anything"


def test_an_edited_mask_is_kept_when_a_new_proposal_arrives(qtbot: QtBot, review_window: Window) -> None:
    window, review = review_window
    show_scan(qtbot, window, make_scan("keep.png"))
    wait_for_prediction(qtbot, review)
    review.mask_layer.clear()
    review.mask_layer.paint_disk(20, 20, 5, True)
    mine = review.mask_layer.data.copy()
    first = review.frame_state.prediction
    review.run_ai()
    qtbot.waitUntil(lambda: review.frame_state.prediction is not first, timeout=30_000)
    np.testing.assert_array_equal(review.mask_layer.data, mine)
    assert "edited by you" in review.class_panel.mask_source.text()
    review.accept_ai_mask()
    np.testing.assert_array_equal(review.mask_layer.data, review.frame_state.prediction.mask)
    assert "accepted" in review.class_panel.mask_source.text()
    review.editing.undo()
    np.testing.assert_array_equal(review.mask_layer.data, mine)


def test_reviewer_class_is_stored_beside_the_ai_class(qtbot: QtBot, review_window: Window) -> None:
    window, review = review_window
    show_scan(qtbot, window, make_scan("classes.png"))
    wait_for_prediction(qtbot, review)
    with qtbot.waitSignal(review.state_changed, timeout=2000):
        qtbot.mouseClick(review.class_panel.class_buttons.button(CLASS_NAMES.index("benign") + 1),
                         Qt.MouseButton.LeftButton)  # fmt: skip
    assert review.state.reviewer_class == "benign"
    assert review.state.ai_class in CLASS_NAMES
    window.session.set_scan(make_scan("other.png"))
    assert review.class_panel.class_buttons.checkedId() == 0


def test_grad_cam_layer_appears_for_the_chosen_target(qtbot: QtBot, review_window: Window) -> None:
    window, review = review_window
    show_scan(qtbot, window, make_scan("cam.png"))
    wait_for_prediction(qtbot, review)
    qtbot.keyClick(window, Qt.Key.Key_G)
    qtbot.waitUntil(lambda: review.proposal.shown_heat is not None, timeout=30_000)
    predicted = review.frame_state.prediction.predicted_class
    assert predicted in review.frame_state.heatmaps
    assert review.proposal.heat_overlay.isVisible()
    review.layers_panel.heat_target.setCurrentIndex(review.layers_panel.heat_target.findData("lesion"))
    qtbot.waitUntil(lambda: "lesion" in review.frame_state.heatmaps, timeout=30_000)
    assert review.proposal.shown_heat is review.frame_state.heatmaps["lesion"]


def test_note_when_the_heat_peak_lies_outside_the_mask(qtbot: QtBot, no_weights_window: Window) -> None:
    window, review = no_weights_window
    show_scan(qtbot, window, make_scan("peak.png", size=(40, 40)))
    review.proposal.set_heat_wanted(True)
    review.proposal.heat_overlay.show_heat(HeatMap(display=np.zeros((40, 40), np.uint8), peak=(5, 5)), (40, 40))
    review.mask_layer.paint_disk(30, 30, 4, True)
    review._update_heat_note()
    assert review.layers_panel.heat_note.text() == PEAK_OUTSIDE_NOTE
    review.mask_layer.paint_disk(5, 5, 2, True)
    review._update_heat_note()
    assert review.layers_panel.heat_note.text() == ""


def test_missing_weights_say_so_and_editing_still_works(qtbot: QtBot, no_weights_window: Window) -> None:
    window, review = no_weights_window
    show_scan(qtbot, window, make_scan("noweights.png"))
    assert window.permanent_status("model") == "model: no model weights"
    assert "no model weights" in review.class_panel.message.text()
    qtbot.keyClick(window, Qt.Key.Key_R)
    review.mask_layer.paint_disk(10, 10, 3, True)
    assert review.mask_layer.data[10, 10]


def test_weights_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(weights.WEIGHTS_ENV, str(tmp_path / "chosen.safetensors"))
    assert weights.resolve_weights(None) == tmp_path / "chosen.safetensors"
    assert weights.resolve_weights(tmp_path / "given.safetensors") == tmp_path / "given.safetensors"


def test_install_takes_the_run_key(review_window: Window) -> None:
    window, review = review_window
    assert review.run_action.shortcut().toString() == "R"
    rivals = [
        action
        for action in window.findChildren(type(review.run_action))
        if action is not review.run_action and "R" in [key.toString() for key in action.shortcuts()]
    ]
    assert rivals == [], "two actions on one key make Qt ignore the key"


def test_the_heat_map_on_screen_explains_what_the_pdf_report_explains(qtbot: QtBot, review_window: Window) -> None:
    # For a scan the AI calls normal the screen used to explain the "normal" class while every report
    # explained the lesion output; both now follow busviewer.core.explanation.gradcam_target.
    from dataclasses import replace

    from busviewer.core.case import FrameReview
    from busviewer.io.export import gradcam_target as report_target

    window, review = review_window
    show_scan(qtbot, window, make_scan("normal.png"))
    wait_for_prediction(qtbot, review)
    frame = review.frame_state
    for probabilities, expected in (((0.8, 0.1, 0.1), "lesion"), ((0.1, 0.2, 0.7), "malignant")):
        frame.prediction = replace(frame.prediction, probabilities=np.array(probabilities))
        saved = FrameReview.from_prediction(frame.prediction)
        assert review.proposal.resolved_heat_target() == report_target(saved) == expected
