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
from tests.io.test_dicom_reader import PATIENT_NAME, make_dataset, write_dicom


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
    monkeypatch.setattr(Predictor, "forward", lambda self, _image: (lesion, classes, np.zeros_like(lesion), np.zeros(16)))
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
    pdf = (out / "scan_report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and PATIENT_NAME.encode() not in pdf
