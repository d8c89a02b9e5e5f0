"""``busviewer predict --seg --sr --report`` on a calibrated ultrasound DICOM: files that read back right."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset

from busviewer.cli import main
from tests.io.test_dicom_reader import make_dataset, write_dicom
from tests.pdf_pages import pdf_text, rendered_page


def _calibrated_dicom(path: Path) -> Path:
    image = (np.random.default_rng(0).random((64, 80)) * 200).astype(np.uint8)
    ds = make_dataset(image)
    ds.SeriesInstanceUID = pydicom.uid.generate_uid()
    region = Dataset()
    region.RegionSpatialFormat = 1
    region.RegionDataType = 1
    region.RegionLocationMinX0, region.RegionLocationMinY0 = 0, 0
    region.RegionLocationMaxX1, region.RegionLocationMaxY1 = 79, 63
    region.PhysicalUnitsXDirection = region.PhysicalUnitsYDirection = 3
    region.PhysicalDeltaX = region.PhysicalDeltaY = 0.01   # cm per pixel: 0.1 mm
    ds.SequenceOfUltrasoundRegions = [region]
    return write_dicom(ds, path)


def test_predict_writes_seg_sr_and_pdf_for_a_dicom(
    tiny_weights: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from busviewer.ml.inference import Predictor

    lesion = np.zeros((192, 192), np.float32)
    lesion[60:120, 70:140] = 0.9
    classes = np.array([0.1, 0.7, 0.2], np.float32)
    from busviewer.ml.imaging_area import ImagingArea
    from busviewer.ml.letterbox import Letterbox

    def forward(self: Predictor, image: np.ndarray, _prompts: object = ()) -> tuple[object, ...]:
        box = Letterbox(image.shape[:2], ImagingArea.whole(image.shape), 192)
        return lesion, classes, np.zeros_like(lesion), np.zeros(16), box

    monkeypatch.setattr(Predictor, "forward", forward)
    source = _calibrated_dicom(tmp_path / "scan.dcm")
    out = tmp_path / "out"
    assert main(["predict", str(source), "--out", str(out), "--weights", str(tiny_weights),
                 "--seg", "--sr", "--report", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    mask = cv2.imread(str(out / "scan_mask.png"), cv2.IMREAD_UNCHANGED) > 0
    assert record["calibration"] == "us-region"
    assert record["lesion_area_mm2"] == pytest.approx(mask.sum() * 0.01)

    import highdicom as hd

    seg = hd.seg.segread(out / "scan_seg.dcm")
    src = pydicom.dcmread(source, stop_before_pixels=True)
    assert seg.SOPClassUID == "1.2.840.10008.5.1.4.1.1.66.4"
    assert seg.StudyInstanceUID == src.StudyInstanceUID
    assert seg.ReferencedSeriesSequence[0].ReferencedInstanceSequence[0].ReferencedSOPInstanceUID == src.SOPInstanceUID
    assert seg.SegmentSequence[0].SegmentAlgorithmType == "AUTOMATIC"
    assert np.array_equal(seg.pixel_array.reshape(mask.shape).astype(bool), mask)

    sr_bytes = (out / "scan_sr.dcm").read_bytes()
    assert seg.SOPInstanceUID.encode() in sr_bytes      # the SR points at the SEG
    text = pdf_text(out / "scan_report.pdf")
    assert "Secret" not in text and "ID-123456" not in text and "Findings" in text


#: A colour no part of the report layout uses: the stand-in for a patient's name burned into the pixels.
MAGENTA = (255, 0, 255)


def _near(page: np.ndarray, colour: tuple[int, int, int]) -> int:
    return int((np.abs(page.astype(int) - np.array(colour)).max(axis=-1) < 40).sum())


def _dicom_with_burned_in_name(path: Path) -> Path:
    """An RGB ultrasound DICOM: a magenta header bar (the burned-in name) above its one ultrasound region."""
    rng = np.random.default_rng(1)
    rgb = np.repeat((rng.random((64, 80, 1)) * 120).astype(np.uint8), 3, axis=2)
    rgb[:14] = MAGENTA
    ds = make_dataset(rgb, "RGB")
    ds.SeriesInstanceUID = pydicom.uid.generate_uid()
    ds.BurnedInAnnotation = "YES"
    region = Dataset()
    region.RegionSpatialFormat, region.RegionDataType = 1, 1
    region.RegionLocationMinX0, region.RegionLocationMinY0 = 0, 16
    region.RegionLocationMaxX1, region.RegionLocationMaxY1 = 79, 63
    region.PhysicalUnitsXDirection = region.PhysicalUnitsYDirection = 3
    region.PhysicalDeltaX = region.PhysicalDeltaY = 0.01
    ds.SequenceOfUltrasoundRegions = [region]
    return write_dicom(ds, path)


def test_predict_report_blanks_burned_in_identifiers_outside_the_imaging_area(
    tiny_weights: Path, tmp_path: Path
) -> None:
    source = _dicom_with_burned_in_name(tmp_path / "named.dcm")
    out = tmp_path / "out"
    assert main(["predict", str(source), "--out", str(out), "--weights", str(tiny_weights), "--report"]) == 0
    page = rendered_page(out / "named_report.pdf", scale=2.0)
    assert _near(page, MAGENTA) == 0, "burned-in text outside the imaging area reached the PDF"
    assert "imaging area is blanked" in " ".join(pdf_text(out / "named_report.pdf").split())

    # The check can see the bar: the same report with identifiers asked for prints it.
    from busviewer.core.case import CaseRecord
    from busviewer.core.report import make_case_report
    from busviewer.io.pdf_report import write_pdf_report
    from busviewer.io.scan_loader import load_scan

    scan = load_scan(source)
    write_pdf_report(tmp_path / "with_ids.pdf", make_case_report(CaseRecord("named.dcm", source), 0, scan),
                     include_identifiers=True)
    assert _near(rendered_page(tmp_path / "with_ids.pdf", scale=2.0), MAGENTA) > 1000
