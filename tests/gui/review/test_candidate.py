"""What the AI does not show or does not know: the withheld candidate (C), class/outline remarks, faint bars."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from busviewer.core.prediction import Prediction
from busviewer.core.review_state import HeatMap
from busviewer.gui.main_window import MainWindow
from busviewer.gui.review import proposal
from busviewer.gui.review.controller import ReviewController
from busviewer.gui.review.overlays import AI_MASK_RGB
from busviewer.services import remote_model
from busviewer.services.results import ProposalResult
from tests.gui.review.conftest import drag, make_scan, show_scan, wait_for_prediction

Window = tuple[MainWindow, ReviewController]
SHAPE = (96, 128)


def _upper_left_blob() -> np.ndarray:
    mask = np.zeros(SHAPE, dtype=bool)
    mask[10:26, 12:30] = True
    return mask


def fake_proposal(monkeypatch: pytest.MonkeyPatch, **fields: object) -> None:
    """Answer every inference with a fixed prediction, through the real job runner and apply path."""

    def predict(_model: remote_model.RemoteModel, grey: np.ndarray, frame_index: int) -> ProposalResult:
        values: dict[str, object] = {
            "probabilities": np.array([0.7, 0.2, 0.1]), "lesion_probability": None,
            "mask": np.zeros(grey.shape, dtype=bool), "uncertainty": None, "model_id": "fake-1234",
            "device": "cpu", "frame_index": frame_index, "kept_uncertainty_score": 0.1,
        }
        values.update(fields)
        prediction = Prediction(**values)  # type: ignore[arg-type]
        heat = HeatMap(np.zeros((4, 4), dtype=np.uint8))
        return ProposalResult(prediction, heat, 0.1, "fake-1234", "cpu")

    monkeypatch.setattr(proposal, "predict_frame", predict)


def test_the_panel_says_where_the_withheld_candidate_is_and_c_shows_it(
    qtbot: QtBot, review_window: Window, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, review = review_window
    candidate = _upper_left_blob()
    fake_proposal(monkeypatch, candidate_mask=candidate, candidate_probability=0.62, withheld_lesion_pixels=290)
    show_scan(qtbot, window, make_scan("withheld.png", size=SHAPE))
    wait_for_prediction(qtbot, review)
    panel = review.class_panel
    assert panel.candidate.isVisible()
    assert panel.candidate.text() == ("No outline shown; strongest candidate at 62 % near the upper left, "
                                      "press C to show it")
    assert not review.mask_layer.data.any() and review.candidate_action.isEnabled()

    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_C)
    np.testing.assert_array_equal(review.mask_layer.data, candidate)
    assert review.mask_layer.can_undo, "showing the candidate is an undo step"
    assert not review.frame_state.reader_owned, "shown, not yet the reader's"
    assert "strongest candidate, shown on request, not yet reviewed" in panel.mask_source.text()
    assert not panel.candidate.isVisible() and not review.candidate_action.isEnabled()
    assert review.editing.overlay._rgb == AI_MASK_RGB, "drawn in the AI's colour"

    qtbot.keyClick(window.canvas, Qt.Key.Key_A)  # accept takes what is on screen, not the empty outline
    np.testing.assert_array_equal(review.mask_layer.data, candidate)
    assert review.frame_state.reader_owned and "accepted by you" in panel.mask_source.text()

    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not review.mask_layer.data.any(), "undo takes the candidate back"
    assert panel.candidate.isVisible()


def test_the_shown_candidate_is_edited_like_any_proposal(
    qtbot: QtBot, review_window: Window, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, review = review_window
    fake_proposal(monkeypatch, candidate_mask=_upper_left_blob(), candidate_probability=0.4)
    show_scan(qtbot, window, make_scan("edit.png", size=SHAPE))
    wait_for_prediction(qtbot, review)
    review.show_candidate()
    qtbot.keyClick(window.canvas, Qt.Key.Key_B)
    review.editing.set_brush_radius(3)
    drag(window, [(60.0, 90.0), (62.0, 95.0)])
    layer = review.mask_layer
    assert layer.data[10:26, 12:30].all() and layer.data[61, 92]
    assert "edited by you" in review.class_panel.mask_source.text()


def test_no_candidate_note_when_an_outline_is_shown(
    qtbot: QtBot, review_window: Window, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, review = review_window
    fake_proposal(monkeypatch, mask=_upper_left_blob(), probabilities=np.array([0.1, 0.8, 0.1]))
    show_scan(qtbot, window, make_scan("shown.png", size=SHAPE))
    wait_for_prediction(qtbot, review)
    assert not review.class_panel.candidate.isVisible() and not review.candidate_action.isEnabled()
    assert not review.class_panel.disagreement.isVisible()
    qtbot.keyClick(window.canvas, Qt.Key.Key_C)  # nothing to show: the outline stays
    np.testing.assert_array_equal(review.mask_layer.data, _upper_left_blob())


@pytest.mark.parametrize(
    ("probabilities", "outlined", "remark"),
    [([0.1, 0.8, 0.1], False, "The AI calls this scan benign but outlines no lesion."),
     ([0.8, 0.1, 0.1], True, "The AI calls this scan normal but outlines a lesion.")],
)
def test_a_class_that_disagrees_with_the_outline_gets_a_remark(
    qtbot: QtBot, review_window: Window, monkeypatch: pytest.MonkeyPatch,
    probabilities: list[float], outlined: bool, remark: str,
) -> None:
    window, review = review_window
    mask = _upper_left_blob() if outlined else np.zeros(SHAPE, dtype=bool)
    fake_proposal(monkeypatch, mask=mask, probabilities=np.array(probabilities))
    show_scan(qtbot, window, make_scan("disagree.png", size=SHAPE))
    wait_for_prediction(qtbot, review)
    assert review.class_panel.disagreement.isVisible()
    assert review.class_panel.disagreement.text() == remark


def test_an_unfamiliar_scan_dims_the_class_bars(
    qtbot: QtBot, review_window: Window, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, review = review_window
    fake_proposal(monkeypatch, probabilities=np.array([0.0, 1.0, 0.0]), mask=_upper_left_blob(),
                  familiarity_distance=30.0, familiarity_threshold=12.0)
    show_scan(qtbot, window, make_scan("gyn.png", size=SHAPE))
    wait_for_prediction(qtbot, review)
    panel = review.class_panel
    assert panel.bars_dimmed and panel.unfamiliar.isVisible()
    assert panel.message.text() == "AI: benign · unfamiliar scan"
    assert "unlike" in panel.bars["benign"].toolTip()
    assert "chunk" in panel.bars["benign"].styleSheet()
    fake_proposal(monkeypatch, probabilities=np.array([0.0, 1.0, 0.0]), mask=_upper_left_blob(),
                  familiarity_distance=3.0, familiarity_threshold=12.0)
    first = review.frame_state.prediction
    qtbot.keyClick(window.canvas, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: review.frame_state.prediction is not first, timeout=10_000)
    assert not panel.bars_dimmed and panel.bars["benign"].styleSheet() == ""
    assert panel.message.text() == "AI: benign"
