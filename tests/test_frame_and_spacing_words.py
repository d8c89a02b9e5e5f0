"""Frames are counted from 1 wherever people read them, and a pixel size is always printed (row, column)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from busviewer.commands.predict_cmd import frames_to_run, prediction_record
from busviewer.core.errors import UserFacingError
from busviewer.core.prediction import Prediction
from busviewer.core.scan import Calibration, UltrasoundScan
from busviewer.gui.session import calibration_text


def _cine(n_frames: int = 3, spacing: tuple[float, float] | None = None) -> UltrasoundScan:
    frames = np.zeros((n_frames, 16, 20), np.uint8)
    calibration = Calibration(spacing_mm=spacing, source="us-region") if spacing else Calibration()
    return UltrasoundScan(frames=frames, source_path=Path("cine.dcm"), calibration=calibration)


def test_predict_frame_numbers_count_from_one_as_the_cine_bar_does() -> None:
    scan = _cine()
    assert frames_to_run(scan, "1") == [0]
    assert frames_to_run(scan, "3") == [2]
    assert frames_to_run(scan, "all") == [0, 1, 2]
    for wrong in ("0", "4"):
        with pytest.raises(UserFacingError, match="numbered from 1"):
            frames_to_run(scan, wrong)


def test_predict_json_names_the_frame_as_people_count_it_and_spacing_row_first() -> None:
    scan = _cine(spacing=(0.1, 0.2))
    mask = np.zeros((16, 20), bool)
    prediction = Prediction(np.array([0.8, 0.1, 0.1]), None, mask, None, "m-1", "cpu", frame_index=2,
                            kept_uncertainty_score=0.0)
    record = prediction_record(scan, prediction, 2)
    assert record["frame"] == 3
    assert record["spacing_mm"] == [0.1, 0.2]  # (row, column), as DICOM Pixel Spacing


def test_a_non_square_pixel_is_printed_row_first_in_the_status_bar() -> None:
    text = calibration_text(_cine(spacing=(0.1, 0.2)))
    assert "0.100 × 0.200 mm/px (row × column)" in text
    assert calibration_text(_cine(spacing=(0.1, 0.1))) == "calibrated 0.100 mm/px (ultrasound region)"
