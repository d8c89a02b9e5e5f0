"""Case and frame review state: edit statistics, AI class and risk, validation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from busviewer.core.case import CaseRecord, FrameReview, ReviewStatus, case_id_for
from busviewer.core.prediction import Prediction


def _mask(top: int, size: int) -> np.ndarray:
    mask = np.zeros((30, 30), bool)
    mask[top : top + size, top : top + size] = True
    return mask


def test_edit_stats_count_changed_pixels_and_dice() -> None:
    frame = FrameReview(0, ai_mask=_mask(0, 10), current_mask=_mask(0, 8))
    stats = frame.edit_stats()
    assert stats["pixels_changed"] == 100 - 64
    assert stats["dice_ai_vs_final"] == pytest.approx(2 * 64 / (100 + 64))
    assert frame.is_edited


def test_untouched_ai_mask_has_no_changes() -> None:
    frame = FrameReview(0, ai_mask=_mask(3, 5), current_mask=_mask(3, 5))
    assert frame.edit_stats() == {"pixels_changed": 0, "dice_ai_vs_final": 1.0}
    assert not frame.is_edited


def test_edit_stats_without_ai_mask_are_none() -> None:
    frame = FrameReview(0, current_mask=_mask(3, 5))
    assert frame.edit_stats() == {"pixels_changed": None, "dice_ai_vs_final": None}
    assert frame.is_edited and frame.final_mask is frame.current_mask


def test_ai_class_and_risk_come_from_frame_zero() -> None:
    record = CaseRecord(case_id="a.png", source_path=Path("a.png"), frames={
        1: FrameReview(1, ai_probabilities=(0.9, 0.05, 0.05)),
        0: FrameReview(0, ai_probabilities=(0.1, 0.3, 0.6), ai_model_id="m1"),
    })
    assert record.ai_class == "malignant"
    assert record.risk_score == pytest.approx(0.6)
    assert record.model_id == "m1"
    assert CaseRecord(case_id="b.png", source_path=Path("b.png")).ai_class is None


def test_record_validates_class_and_status() -> None:
    record = CaseRecord(case_id="a.png", source_path="a.png", status="approved")  # type: ignore[arg-type]
    assert record.status is ReviewStatus.APPROVED and isinstance(record.source_path, Path)
    with pytest.raises(ValueError):
        CaseRecord(case_id="a.png", source_path=Path("a.png"), reviewer_class="cancer")
    with pytest.raises(ValueError):
        FrameReview(0, ai_probabilities=(0.5, 0.5))  # type: ignore[arg-type]


def test_frame_from_prediction_starts_with_the_ai_mask() -> None:
    mask = _mask(2, 6)
    prediction = Prediction(
        probabilities=np.array([0.2, 0.5, 0.3]), lesion_probability=mask.astype(np.float32), mask=mask,
        uncertainty=np.full((30, 30), 0.3, np.float32), model_id="m9", device="cpu", frame_index=4,
    )
    frame = FrameReview.from_prediction(prediction)
    assert frame.frame_index == 4 and frame.ai_model_id == "m9"
    assert frame.ai_probabilities == pytest.approx((0.2, 0.5, 0.3))
    assert frame.uncertainty_score == pytest.approx(0.3)
    np.testing.assert_array_equal(frame.current_mask, mask)
    assert frame.current_mask is not frame.ai_mask  # editing one must not change the other


def test_a_prediction_without_maps_keeps_mask_class_and_uncertainty_score() -> None:
    mask = _mask(2, 6)
    uncertainty = np.zeros((30, 30), np.float32)
    uncertainty[:10] = 0.6
    full = Prediction(
        probabilities=np.array([0.2, 0.5, 0.3]), lesion_probability=mask.astype(np.float32), mask=mask,
        uncertainty=uncertainty, model_id="m9", device="cpu", frame_index=4,
    )
    slim = full.without_maps()
    assert slim.lesion_probability is None and slim.uncertainty is None
    assert full.uncertainty is uncertainty  # the original keeps its maps
    assert slim.uncertainty_score == pytest.approx(0.6) == full.uncertainty_score
    assert slim.predicted_class == "benign" and slim.mask is mask
    assert FrameReview.from_prediction(slim).uncertainty_score == pytest.approx(0.6)


def test_case_id_is_relative_posix_path(tmp_path: Path) -> None:
    assert case_id_for(tmp_path, tmp_path / "benign" / "benign (3).png") == "benign/benign (3).png"
    assert case_id_for(tmp_path / "ws", tmp_path / "elsewhere.png") == (tmp_path / "elsewhere.png").as_posix()
