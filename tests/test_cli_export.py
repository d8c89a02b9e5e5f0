"""``busviewer export`` end to end, as a user runs it, on a tiny workspace with a synthetic DICOM and a PNG."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pydicom
import pytest
from PIL import Image

from busviewer.cli import main
from busviewer.core.case import CaseRecord, FrameReview, ReviewStatus
from busviewer.io.store import CaseStore
from tests.io.test_seg import PATIENT_NAME, make_us_dicom


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    folder.mkdir()
    Image.fromarray(np.full((40, 50), 90, np.uint8)).save(folder / "lesion.png")
    make_us_dicom(folder / "scan.dcm")
    png_mask = np.zeros((40, 50), bool)
    png_mask[10:20, 10:30] = True
    dicom_mask = np.zeros((48, 64), bool)
    dicom_mask[5:25, 8:40] = True
    with CaseStore(folder) as store:
        store.upsert_case(CaseRecord("lesion.png", folder / "lesion.png", ReviewStatus.APPROVED, "benign",
                                     {0: FrameReview(0, png_mask, "m1", (0.1, 0.6, 0.3), png_mask.copy())}))
        store.upsert_case(CaseRecord("scan.dcm", folder / "scan.dcm", ReviewStatus.CORRECTED, "malignant",
                                     {0: FrameReview(0, dicom_mask, "m1", (0.1, 0.2, 0.7), dicom_mask[::-1].copy())}))
    return folder


def test_export_all_formats(workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["export", str(workspace), "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["cases"] == 2 and summary["skipped"] == []
    assert sorted(p.name for p in (out / "scan.dcm").iterdir()) == ["mask.png", "report.pdf", "seg.dcm", "sr.dcm"]
    assert sorted(p.name for p in (out / "lesion.png").iterdir()) == ["mask.png", "report.pdf"]
    seg = pydicom.dcmread(out / "scan.dcm" / "seg.dcm")
    assert seg.SegmentSequence[0].SegmentAlgorithmType == "SEMIAUTOMATIC"
    with CaseStore(workspace) as store:
        final = store.get_case("scan.dcm").frames[0].current_mask  # type: ignore[union-attr]
    np.testing.assert_array_equal(seg.pixel_array.astype(bool), final)
    rows = list(csv.DictReader((out / "summary.csv").read_text().splitlines()))
    assert [r["case_id"] for r in rows] == ["lesion.png", "scan.dcm"]
    assert PATIENT_NAME not in (out / "summary.csv").read_text()


def test_export_selected_formats_with_identifiers(workspace: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["export", str(workspace), "--out", str(out), "--formats", "png,csv", "--include-identifiers"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["lesion.png", "scan.dcm", "summary.csv"]
    assert sorted(p.name for p in (out / "scan.dcm").iterdir()) == ["mask.png"]
    rows = list(csv.DictReader((out / "summary.csv").read_text().splitlines()))
    assert rows[1]["patient_name"] == PATIENT_NAME


def test_bad_destination_is_error_and_exit_2(workspace: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    result = subprocess.run(
        [sys.executable, "-m", "busviewer", "export", str(workspace), "--out", str(blocker / "sub")],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1


def test_unknown_format_is_error_and_exit_2(workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(workspace), "--out", str(tmp_path / "out"), "--formats", "png,gif"]) == 2
    assert capsys.readouterr().err.startswith("error: Unknown export format gif")
    assert not (tmp_path / "out").exists()
