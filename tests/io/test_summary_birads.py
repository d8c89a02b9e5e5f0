"""The summary's BI-RADS columns: the reported word (reader over AI), the AI's own, location and comment."""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np

from busviewer.core.birads_finding import finding_for
from busviewer.core.case import CaseRecord, FrameReview
from busviewer.io.summary import summary_rows, write_summary_csv


def _frame() -> tuple[np.ndarray, FrameReview]:
    rng = np.random.default_rng(2)
    grey = np.clip(rng.normal(120, 20, (160, 200)), 0, 255).astype(np.uint8)
    mask = np.zeros(grey.shape, np.uint8)
    cv2.ellipse(mask, (100, 70), (40, 20), 0, 0, 360, 1, -1)
    grey[mask > 0] //= 3
    review = FrameReview(0, ai_mask=mask.astype(bool), ai_model_id="m", ai_probabilities=(0.1, 0.8, 0.1),
                         current_mask=mask.astype(bool))
    return grey, review


def test_summary_lists_reported_and_ai_birads_with_location(tmp_path: Path) -> None:
    grey, review = _frame()
    record = CaseRecord("a.png", Path("a.png"), frames={0: review},
                        birads_reader={"margin": "angular", "laterality": "right", "clock_face": "11"},
                        comment="=compare prior")
    measured = {"long_axis_mm": 8.0, "short_axis_mm": 4.0, "area_mm2": 25.0}
    finding = finding_for(grey, review.current_mask, review.ai_probabilities, record.birads_reader, measured, True)
    row = summary_rows(record, {0: measured}, "us-region", None, {0: finding})[0]
    assert row.birads_shape == row.ai_birads_shape == "oval"
    assert row.birads_margin == "angular" and row.ai_birads_margin == "circumscribed"
    assert row.laterality == "right" and row.clock_face == "11" and row.birads_category_source == "AI"
    assert row.ai_malignancy_probability == 0.1
    path = tmp_path / "s.csv"
    write_summary_csv(path, [row])
    with path.open(newline="") as handle:
        written = next(csv.DictReader(handle))
    assert written["birads_margin"] == "angular" and written["ai_birads_category"] == row.ai_birads_category
    assert written["comment"] == "'=compare prior"  # never run as a spreadsheet formula


def test_a_case_without_findings_still_lists_the_readers_choices() -> None:
    record = CaseRecord("b.png", Path("b.png"), birads_reader={"category": "3"})
    row = summary_rows(record)[0]
    assert row.birads_category == "3" and row.birads_category_source == "reader" and row.ai_birads_category is None
