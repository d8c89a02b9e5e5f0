"""Plain review state (no Qt): per-scan keys, per-frame masks, the reader's class and the mask's source."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from busviewer.core.prediction import Prediction
from busviewer.core.review_state import ReviewState, scan_key_for, state_for_scan
from busviewer.core.scan import UltrasoundScan
from busviewer.services.results import reduce_for_display


def _scan(path: str | None, shape: tuple[int, int] = (10, 12), frames: int = 1) -> UltrasoundScan:
    return UltrasoundScan(frames=np.zeros((frames, *shape), np.uint8), source_path=Path(path) if path else None)


def _prediction(mask: np.ndarray) -> Prediction:
    return Prediction(
        probabilities=np.array([0.1, 0.7, 0.2]),
        lesion_probability=mask.astype(np.float32),
        mask=mask,
        uncertainty=np.zeros(mask.shape, np.float32),
        model_id="m-1",
        device="cpu",
    )


def test_state_is_kept_per_file_and_restarted_when_the_file_changes_shape(tmp_path: Path) -> None:
    states: dict[str, ReviewState] = {}
    first = state_for_scan(_scan(str(tmp_path / "a.png")), states)
    first.set_reviewer_class("benign")
    assert state_for_scan(_scan(str(tmp_path / "a.png")), states) is first
    assert state_for_scan(_scan(str(tmp_path / "b.png")), states) is not first
    changed = state_for_scan(_scan(str(tmp_path / "a.png"), shape=(20, 20)), states)
    assert changed is not first and changed.reviewer_class is None


def test_generated_scans_get_their_own_state() -> None:
    states: dict[str, ReviewState] = {}
    one, two = _scan(None), _scan(None)
    assert scan_key_for(one) != scan_key_for(two)
    assert state_for_scan(one, states) is not state_for_scan(two, states)


def test_frames_are_separate_and_bounded() -> None:
    state = ReviewState("k", None, (4, 5), n_frames=2)
    state.frame(0).ensure_mask((4, 5)).paint_disk(1, 1, 1, True)
    assert not state.frame(1).ensure_mask((4, 5)).data.any()
    with pytest.raises(IndexError):
        state.frame(2)
    with pytest.raises(ValueError):
        state.set_reviewer_class("cyst")


def test_mask_source_tells_ai_from_reader() -> None:
    state = ReviewState("k", None, (6, 6))
    frame = state.frame(0)
    assert "none" in frame.mask_source()
    ai = np.zeros((6, 6), bool)
    ai[2:4, 2:4] = True
    frame.prediction = _prediction(ai)
    frame.ensure_mask((6, 6)).set_mask(ai, by_person=False)
    assert "not yet reviewed" in frame.mask_source() and not frame.reader_owned
    frame.mask.paint_disk(0, 0, 0.5, True)
    assert "edited" in frame.mask_source() and frame.reader_owned
    assert state.is_edited and state.ai_class == "benign"


def test_the_remembered_comparison_follows_every_change_of_the_mask_strokes_and_undo_included() -> None:
    frame = ReviewState("k", None, (8, 8)).frame(0)
    ai = np.zeros((8, 8), bool)
    ai[2:5, 2:5] = True
    frame.prediction = _prediction(ai)
    layer = frame.ensure_mask((8, 8))
    layer.set_mask(ai, by_person=False)
    assert frame.mask_equals(ai, "ai")
    layer.begin_stroke(True)
    layer.stroke_to(7, 7, 0.5)  # mid-stroke: no undo step yet, but the pixels changed
    assert not frame.mask_equals(ai, "ai")
    layer.end_stroke()
    layer.undo()
    assert frame.mask_equals(ai, "ai") and "not yet reviewed" in frame.mask_source()
    other = ai.copy()  # same pixels, another array: compared, not taken from the cache
    other[0, 0] = True
    assert not frame.mask_equals(other, "ai")


def test_heat_maps_are_shrunk_for_display_but_keep_the_true_peak() -> None:
    heat = np.zeros((3000, 2000), np.float32)
    heat[2999, 1] = 1.0
    reduced = reduce_for_display(heat)
    assert max(reduced.display.shape) <= 1024
    assert reduced.display.dtype == np.uint8
    assert reduced.peak == (2999, 1)
    assert reduce_for_display(np.zeros((5, 5), np.float32)).peak is None
