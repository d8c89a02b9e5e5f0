"""CSV/JSON summary: one row per case frame, with units and edit statistics, and no identifiers unless asked."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from busviewer.core.case import CaseRecord, FrameReview, ReviewStatus
from busviewer.core.scan import PatientInfo
from busviewer.io.summary import IDENTIFIER_COLUMNS, summary_rows, write_summary_csv, write_summary_json

PATIENT = PatientInfo(name="Doe^Jane", patient_id="PID-7731", birth_date="19700101")


def _record() -> CaseRecord:
    ai = np.zeros((20, 20), bool)
    ai[5:15, 5:15] = True
    final = ai.copy()
    final[5:15, 14] = False
    frames = {
        0: FrameReview(0, ai_mask=ai, ai_model_id="m1", ai_probabilities=(0.2, 0.7, 0.1), current_mask=final),
        2: FrameReview(2, current_mask=final),
    }
    return CaseRecord(case_id="=cmd|calc.png", source_path=Path("/data/=cmd|calc.png"), status=ReviewStatus.CORRECTED,
                      reviewer_class="benign", frames=frames, updated_by="alice", updated_at="2025-01-02T03:04:05+00:00")


def _rows() -> list:
    measurements = {0: {"area_mm2": 12.5, "long_axis_mm": 4.0, "short_axis_mm": 3.0, "area_px": 90.0}}
    return summary_rows(_record(), measurements, "us-region", PATIENT)


def test_csv_has_one_row_per_frame_without_identifiers(tmp_path: Path) -> None:
    write_summary_csv(tmp_path / "s.csv", _rows())
    text = (tmp_path / "s.csv").read_text()
    rows = list(csv.DictReader(text.splitlines()))
    assert [r["frame"] for r in rows] == ["1", "3"]  # counted as people count frames
    first = rows[0]
    assert first["status"] == "corrected" and first["ai_class"] == "benign" and first["reviewer_class"] == "benign"
    assert float(first["p_benign"]) == pytest.approx(0.7)
    assert float(first["area_mm2"]) == pytest.approx(12.5) and float(first["long_axis_mm"]) == pytest.approx(4.0)
    assert first["pixels_changed"] == "10"
    assert float(first["dice_ai_vs_final"]) == pytest.approx(2 * 90 / 190)
    assert first["model_id"] == "m1" and first["updated_by"] == "alice"
    assert rows[1]["pixels_changed"] == "" and rows[1]["area_mm2"] == ""
    assert first["case_id"].startswith("'=")  # a spreadsheet must not run it as a formula
    assert not set(IDENTIFIER_COLUMNS) & set(first)
    assert "Doe" not in text and "PID-7731" not in text


def test_csv_includes_identifiers_when_asked(tmp_path: Path) -> None:
    write_summary_csv(tmp_path / "s.csv", _rows(), include_identifiers=True)
    rows = list(csv.DictReader((tmp_path / "s.csv").read_text().splitlines()))
    assert rows[0]["patient_name"] == "Doe^Jane" and rows[0]["patient_id"] == "PID-7731"


def test_json_matches_and_hides_identifiers(tmp_path: Path) -> None:
    write_summary_json(tmp_path / "s.json", _rows())
    document = json.loads((tmp_path / "s.json").read_text())
    assert document["units"]["area_mm2"] == "mm2"
    first = document["rows"][0]
    assert first["case_id"] == "=cmd|calc.png" and first["pixels_changed"] == 10
    assert "patient_name" not in first
    assert "Doe" not in (tmp_path / "s.json").read_text()


def test_plain_case_records_are_accepted(tmp_path: Path) -> None:
    write_summary_csv(tmp_path / "s.csv", [_record(), CaseRecord(case_id="new.png", source_path=Path("new.png"))])
    rows = list(csv.DictReader((tmp_path / "s.csv").read_text().splitlines()))
    assert [r["case_id"] for r in rows] == ["'=cmd|calc.png", "'=cmd|calc.png", "new.png"]
    assert rows[2]["status"] == "unreviewed" and rows[2]["ai_class"] == ""
