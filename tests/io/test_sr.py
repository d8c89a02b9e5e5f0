"""DICOM SR export: a TID 1500 report in the source's study that references the SEG and holds the measurements."""

from __future__ import annotations

from pathlib import Path

import highdicom as hd
import numpy as np
import pydicom
import pytest
from pydicom.uid import Comprehensive3DSRStorage

from busviewer.core.errors import ExportError
from busviewer.core.report import CaseReport
from busviewer.io.reviewer import observer_person_name, set_reviewer_name
from busviewer.io.seg import write_dicom_seg
from busviewer.io.sr import write_dicom_sr
from tests.io.test_seg import PATIENT_ID, make_us_dicom


def _report(frame_index: int = 0, calibrated: bool = True) -> CaseReport:
    measurements: dict[str, object] = (
        {"area_mm2": 37.5, "long_axis_mm": 8.25, "short_axis_mm": 5.5, "area_px": 375.0}
        if calibrated else {"area_px": 375.0, "area_mm2": None, "long_axis_px": 30.0}
    )
    return CaseReport(
        case_id="us.dcm", source_name="us.dcm", frame_index=frame_index, image=np.zeros((48, 64), np.uint8),
        mask=None, gradcam=None, probabilities=(0.1, 0.2, 0.7), ai_class="malignant", reviewer_class="benign",
        status="approved", measurements=measurements, measurement_lines=[],
        calibration_source="us-region" if calibrated else "none", model_id="attn-unet-42", reviewer="alice",
    )


def _seg(tmp_path: Path, frames: int = 1, masked: tuple[int, ...] = (0,)) -> tuple[Path, Path]:
    source = make_us_dicom(tmp_path / "us.dcm", frames=frames)
    mask = np.zeros((48, 64), bool)
    mask[10:25, 10:35] = True
    write_dicom_seg(tmp_path / "seg.dcm", source, {i: mask for i in masked}, edited=False, model_id="attn-unet-42")
    return source, tmp_path / "seg.dcm"


def _values(group: hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations) -> dict[str, tuple[float, str]]:
    return {m.name.meaning: (m.value, m.unit.value) for m in group.get_measurements()}


def test_sr_references_seg_and_holds_measurements(tmp_path: Path) -> None:
    source_path, seg_path = _seg(tmp_path)
    write_dicom_sr(tmp_path / "sr.dcm", source_path, seg_path, _report())

    raw = pydicom.dcmread(tmp_path / "sr.dcm")
    source = pydicom.dcmread(source_path, stop_before_pixels=True)
    seg = pydicom.dcmread(seg_path, stop_before_pixels=True)
    assert raw.SOPClassUID == Comprehensive3DSRStorage
    assert raw.StudyInstanceUID == source.StudyInstanceUID and raw.PatientID == PATIENT_ID
    evidence = {
        item.ReferencedSOPInstanceUID
        for study in raw.CurrentRequestedProcedureEvidenceSequence
        for series in study.ReferencedSeriesSequence
        for item in series.ReferencedSOPSequence
    }
    assert {source.SOPInstanceUID, seg.SOPInstanceUID} <= evidence

    sr = hd.sr.srread(tmp_path / "sr.dcm")
    (group,) = sr.content.get_planar_roi_measurement_groups()
    reference = group.referenced_segmentation_frame
    assert reference.referenced_sop_instance_uid == seg.SOPInstanceUID
    # A SEG frame belongs to one segment, so the frame number alone names it (the standard forbids both).
    assert reference.referenced_frame_numbers == [1] and reference.referenced_segment_numbers is None
    assert reference.source_image_for_segmentation.referenced_sop_instance_uid == source.SOPInstanceUID
    values = _values(group)
    assert values["Area"] == (pytest.approx(37.5), "mm2")
    assert values["Long axis"] == (pytest.approx(8.25), "mm")
    assert values["Short axis"] == (pytest.approx(5.5), "mm")
    assert values["Probability of cancer"] == (pytest.approx(70.0), "%")
    evaluations = {q.name.meaning: q.value.meaning for q in group.get_qualitative_evaluations()}
    assert evaluations["AI proposed lesion class"] == "Malignant"
    assert evaluations["Reader lesion class"] == "Benign"


def test_uncalibrated_sr_omits_physical_sizes_and_says_so(tmp_path: Path) -> None:
    source_path, seg_path = _seg(tmp_path)
    write_dicom_sr(tmp_path / "sr.dcm", source_path, seg_path, _report(calibrated=False))
    (group,) = hd.sr.srread(tmp_path / "sr.dcm").content.get_planar_roi_measurement_groups()
    assert set(_values(group)) == {"Probability of cancer"}
    evaluations = {q.name.meaning: q.value.meaning for q in group.get_qualitative_evaluations()}
    assert evaluations["Pixel size calibration"].startswith("Uncalibrated")


def test_cine_sr_points_at_the_seg_frame_of_its_source_frame(tmp_path: Path) -> None:
    source_path, seg_path = _seg(tmp_path, frames=4, masked=(0, 2))
    write_dicom_sr(tmp_path / "sr.dcm", source_path, seg_path, _report(frame_index=2))
    (group,) = hd.sr.srread(tmp_path / "sr.dcm").content.get_planar_roi_measurement_groups()
    reference = group.referenced_segmentation_frame
    assert reference.referenced_frame_numbers == [2]  # second SEG frame ...
    assert reference.source_image_for_segmentation.referenced_frame_numbers == [3]  # ... segments source frame 3


def test_frame_missing_from_seg_is_refused(tmp_path: Path) -> None:
    source_path, seg_path = _seg(tmp_path, frames=4, masked=(0,))
    with pytest.raises(ExportError, match="does not segment frame 4"):
        write_dicom_sr(tmp_path / "sr.dcm", source_path, seg_path, _report(frame_index=3))
    assert not (tmp_path / "sr.dcm").exists()


def _observer_names(path: Path) -> list[str]:
    return [str(item.PersonName) for item in pydicom.dcmread(path).ContentSequence if "PersonName" in item]


def test_person_observer_name_is_the_name_entered_in_settings(tmp_path: Path) -> None:
    set_reviewer_name("Jane  Doe")
    source_path, seg_path = _seg(tmp_path)
    write_dicom_sr(tmp_path / "sr.dcm", source_path, seg_path, _report())
    assert _observer_names(tmp_path / "sr.dcm") == ["Doe^Jane"]
    login = [item.TextValue for item in pydicom.dcmread(tmp_path / "sr.dcm").ContentSequence
             if item.ConceptNameCodeSequence[0].CodeMeaning == "Person Observer's Login Name"]
    assert login == ["alice"]


def test_person_observer_name_falls_back_to_the_login(tmp_path: Path) -> None:
    source_path, seg_path = _seg(tmp_path)
    write_dicom_sr(tmp_path / "sr.dcm", source_path, seg_path, _report())
    assert _observer_names(tmp_path / "sr.dcm") == ["alice^"]


@pytest.mark.parametrize(("entered", "written"), [
    ("Doe^Jane", "Doe^Jane"), ("Jane Q Doe", "Doe^Jane Q"), ("doe", "doe^"), ("", "alice^"), ("Doe^", "Doe^"),
])
def test_entered_names_become_dicom_person_names(entered: str, written: str) -> None:
    assert str(observer_person_name("alice", entered)) == written
