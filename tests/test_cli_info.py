"""``busviewer info``: one JSON object or readable lines, no patient identifiers, errors as ``error:`` + 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pydicom.dataset import Dataset

from busviewer.cli import main
from tests.io.test_dicom_reader import PATIENT_NAME, grey_ramp, make_dataset, write_dicom

REQUIRED_KEYS = {
    "format", "frames", "rows", "columns", "photometric", "bits", "transfer_syntax", "modality", "manufacturer",
    "spacing_mm", "calibration", "calibration_notes", "frame_rate",
}


def calibrated_cine(tmp_path: Path) -> Path:
    ds = make_dataset(np.stack([grey_ramp()] * 3))
    ds.FrameTime = "40"
    region = Dataset()
    region.RegionDataType = 1
    region.RegionLocationMinX0, region.RegionLocationMinY0 = 0, 0
    region.RegionLocationMaxX1, region.RegionLocationMaxY1 = 23, 15
    region.PhysicalUnitsXDirection = region.PhysicalUnitsYDirection = 3
    region.PhysicalDeltaX, region.PhysicalDeltaY = 0.01, 0.02
    ds.SequenceOfUltrasoundRegions = [region]
    return write_dicom(ds, tmp_path / "cine.dcm")


def test_json_output_describes_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(calibrated_cine(tmp_path)), "--json"]) == 0
    out = capsys.readouterr().out
    summary = json.loads(out)
    assert REQUIRED_KEYS <= set(summary)
    assert summary["format"] == "dicom" and summary["frames"] == 3
    assert (summary["rows"], summary["columns"]) == (16, 24)
    assert summary["photometric"] == "MONOCHROME2" and summary["bits"] == 8
    assert summary["transfer_syntax"] == "1.2.840.10008.1.2.1" and summary["modality"] == "US"
    assert summary["calibration"] == "us-region" and summary["spacing_mm"] == pytest.approx([0.2, 0.1])
    assert summary["frame_rate"] == pytest.approx(25.0)
    assert PATIENT_NAME not in out and "ID-123456" not in out and "19700101" not in out
    assert "Secret" not in out


def test_readable_output_has_key_value_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(calibrated_cine(tmp_path))]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    keys = {line.split(": ", 1)[0] for line in lines}
    assert REQUIRED_KEYS <= keys
    assert "frames: 3" in lines and "calibration: us-region" in lines


def test_uncalibrated_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from PIL import Image

    path = tmp_path / "plain.png"
    Image.fromarray(grey_ramp()).save(path)
    assert main(["info", str(path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["format"] == "png" and summary["spacing_mm"] is None and summary["calibration"] == "none"
    assert summary["transfer_syntax"] is None


def test_subprocess_json_is_one_object_and_bad_file_exits_2(tmp_path: Path) -> None:
    good = subprocess.run(
        [sys.executable, "-m", "busviewer", "info", str(calibrated_cine(tmp_path)), "--json"],
        capture_output=True, text=True, timeout=120,
    )
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["frames"] == 3 and len(good.stdout.strip().splitlines()) == 1
    assert PATIENT_NAME not in good.stdout + good.stderr

    bad = tmp_path / "broken.dcm"
    bad.write_bytes(b"\0" * 128 + b"DICM" + b"\x02\x00")
    result = subprocess.run(
        [sys.executable, "-m", "busviewer", "info", str(bad), "--json"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: broken.dcm ") and "Traceback" not in result.stderr


def test_shared_files_through_the_cli(shared_dicom_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(shared_dicom_dir.glob("*.dcm"))
    assert files
    for path in files:
        assert main(["info", str(path), "--json"]) == 0
        summary = json.loads(capsys.readouterr().out)
        assert summary["format"] == "dicom" and summary["frames"] >= 1
        assert summary["calibration"] in ("us-region", "pixel-spacing", "none")
