"""BI-RADS content of the DICOM SR, read back with highdicom: standard codes for the descriptors, the
category, laterality and clock face; a private code only for the 4A/4B/4C subdivision; still valid DICOM."""

from __future__ import annotations

import shutil
from pathlib import Path

import highdicom as hd
import numpy as np
import pytest

from busviewer.core.report import CaseReport
from busviewer.io.seg import write_dicom_seg
from busviewer.io.sr import write_dicom_sr
from busviewer.io.sr_birads import VALUES
from tests.io.test_conformance import dciodvfy_errors
from tests.io.test_seg import make_us_dicom


def _mask() -> np.ndarray:
    mask = np.zeros((48, 64), bool)
    mask[14:26, 12:44] = True  # a wide, smooth lesion: oval, parallel, circumscribed
    return mask


def _report(reader: dict[str, str]) -> CaseReport:
    rng = np.random.default_rng(3)
    image = np.clip(rng.normal(130, 15, (48, 64)), 0, 255).astype(np.uint8)
    image[_mask()] //= 3
    return CaseReport(
        case_id="us.dcm", source_name="us.dcm", frame_index=0, image=image, mask=_mask(), gradcam=None,
        probabilities=(0.05, 0.65, 0.30), ai_class="benign", reviewer_class=None, status="approved",
        measurements={"area_mm2": 38.4, "long_axis_mm": 9.6, "short_axis_mm": 3.6}, measurement_lines=[],
        calibration_source="us-region", model_id="m-1", reviewer="alice", reader_birads=reader,
    )


def _write(tmp_path: Path, reader: dict[str, str]) -> tuple[Path, hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations]:
    source = make_us_dicom(tmp_path / "us.dcm")
    write_dicom_seg(tmp_path / "seg.dcm", source, {0: _mask()}, edited=False, model_id="m-1")
    write_dicom_sr(tmp_path / "sr.dcm", source, tmp_path / "seg.dcm", _report(reader))
    (group,) = hd.sr.srread(tmp_path / "sr.dcm").content.get_planar_roi_measurement_groups()
    return tmp_path / "sr.dcm", group


def _coded(group: hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations) -> dict[tuple[str, str], tuple[str, str]]:
    return {(q.name.scheme_designator, q.name.value): (q.value.scheme_designator, q.value.value)
            for q in group.get_qualitative_evaluations()}


def test_descriptors_and_category_are_standard_codes(tmp_path: Path) -> None:
    _, group = _write(tmp_path, {"category": "4B", "margin": "spiculated"})
    coded = _coded(group)
    assert coded[("SCT", "300842002")] == ("SCT", "84360004")  # Shape: ovoid shape (oval), the AI's word
    assert coded[("DCM", "111354")] == ("DCM", "111355")  # Orientation: parallel
    assert coded[("DCM", "111037")] == ("SCT", "129742005")  # Margins: spiculated, the reader's word
    assert coded[("DCM", "111360")] == ("DCM", "111364")  # Echo pattern: hypoechoic
    assert ("DCM", "111366") in coded  # Posterior acoustic features
    assert coded[("DCM", "111005")] == ("SCT", "397144001")  # Assessment category: BI-RADS 4
    assert coded[("99BUSV", "BIRADS-4-SUB")] == ("99BUSV", "BIRADS-4B")
    # No private code stands where the breast-imaging context groups have a standard one.
    private = {name for name, value in coded.items() if name[0] == "99BUSV" or value[0] == "99BUSV"}
    assert private <= {("99BUSV", "AI-CLASS"), ("99BUSV", "READER-CLASS"), ("99BUSV", "CALIBRATION"), ("99BUSV", "BIRADS-4-SUB")}


def test_laterality_clock_face_and_nipple_distance_are_carried(tmp_path: Path) -> None:
    _, group = _write(tmp_path, {"laterality": "right", "clock_face": "10", "nipple_distance_cm": "3.5"})
    (site,) = group.get_finding_sites() if hasattr(group, "get_finding_sites") else group.finding_sites
    assert site.value == hd.sr.CodedConcept("76752008", "SCT", "Breast")
    assert site.laterality.value == "24028007"  # Right
    assert site.topographical_modifier.value == "129781005"  # 10 o'clock position
    distance = {m.name.value: (m.value, m.unit.value) for m in group.get_measurements()}["121242"]
    assert distance == (pytest.approx(3.5), "cm")


def test_category_two_and_five_have_no_subdivision(tmp_path: Path) -> None:
    _, group = _write(tmp_path, {"category": "5"})
    coded = _coded(group)
    assert coded[("DCM", "111005")] == ("SCT", "397145000")
    assert ("99BUSV", "BIRADS-4-SUB") not in coded


def test_every_lexicon_word_has_a_code() -> None:
    from busviewer.core.birads import CATEGORIES, DESCRIPTORS

    for name, words in DESCRIPTORS.items():
        assert set(VALUES[name]) == set(words), name
    assert set(VALUES["category"]) == set(CATEGORIES)


def test_sr_with_birads_content_passes_dciodvfy(tmp_path: Path) -> None:
    if not shutil.which("dciodvfy"):
        pytest.skip("dciodvfy (Debian package dicom3tools) is not installed")
    path, _ = _write(tmp_path, {"laterality": "left", "clock_face": "2", "nipple_distance_cm": "4", "category": "4A"})
    assert dciodvfy_errors(path) == []
