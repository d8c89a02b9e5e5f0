"""Every DICOM the loader opens yields a SEG, SR and PDF that the standard's validator accepts and highdicom reads.

Sources: the real scanner files in ``../shared/data/dicom`` (when present) and the synthetic corpus of
``tests/io/dicom_corpus.py`` (every photometric, single and multi-frame, and the header faults real scanners
write). ``dciodvfy -new`` (Debian package dicom3tools) must report no error, except where the error is the
source's own invalid UID, which a reference has to repeat exactly to find its source.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import warnings
from pathlib import Path

import highdicom as hd
import numpy as np
import pydicom
import pytest
from pydicom.uid import UID

from busviewer.core.case import CaseRecord, FrameReview, ReviewStatus
from busviewer.core.measurements import measure_mask
from busviewer.io.export import export_case
from busviewer.io.scan_loader import load_scan
from tests.io.dicom_corpus import build_corpus

SHARED_DICOM = Path(__file__).resolve().parents[3] / "shared" / "data" / "dicom"
CORPUS_NAMES = (
    "mono2", "mono1", "mono2_16bit", "rgb", "ybr_full", "ybr_full_422", "palette", "mono2_cine", "rgb_cine",
    "palette_cine_rle", "acr_nema_times", "acr_nema_times_cine", "wrong_vrs", "over_long", "veterinary",
    "missing_type2", "latin1", "bad_sequence_items", "stray_item", "no_preamble",
)
IDENTIFIERS = ("Roe", "CORPUS-1", "Müller", "PPPPPPPP", "19800202", "1980.02.02")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_corpus(tmp_path_factory.mktemp("corpus"))


def dciodvfy_errors(path: Path, inherited_uids: frozenset[str] = frozenset()) -> list[str]:
    """The ``Error`` lines of ``dciodvfy -new`` for ``path``, less those about the given (source) UIDs."""
    result = subprocess.run(["dciodvfy", "-new", str(path)], capture_output=True, text=True, timeout=120, check=False)
    errors = [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("Error")]
    return [line for line in errors if not any(f"<{uid}>" in line for uid in inherited_uids)]


def _invalid_source_uids(source: Path) -> frozenset[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns about the very UIDs looked for here
        header = pydicom.dcmread(source, stop_before_pixels=True, force=True)
    values = (header.get(keyword) for keyword in ("SOPInstanceUID", "SeriesInstanceUID", "StudyInstanceUID"))
    return frozenset(str(value) for value in values if value and not UID(str(value)).is_valid)


def _export_and_check(source: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    scan = load_scan(source)
    rows, columns = scan.shape
    frames = sorted({0, scan.n_frames - 1})
    masks = {}
    for rank, index in enumerate(frames):
        mask = np.zeros(scan.shape, bool)
        mask[rows // 4 + rank : rows // 2 + rank, columns // 4 : columns // 2 + 2 * rank] = True
        masks[index] = mask
    record = CaseRecord(source.name, source, ReviewStatus.CORRECTED, "benign", {
        index: FrameReview(index, np.zeros(scan.shape, bool), "m1", (0.2, 0.5, 0.3), mask)
        for index, mask in masks.items()
    }, updated_by="alice")
    with caplog.at_level(logging.INFO):
        export_case(record, tmp_path / "case", {"seg", "sr", "pdf"}, scan=scan)
    case_dir = tmp_path / "case"

    seg = hd.seg.segread(case_dir / "seg.dcm")
    source_header = pydicom.dcmread(source, stop_before_pixels=True, force=True)
    assert seg.StudyInstanceUID == source_header.StudyInstanceUID
    pixels = seg.pixel_array.reshape(len(frames), rows, columns).astype(bool)
    for seg_frame, item in enumerate(seg.PerFrameFunctionalGroupsSequence):
        reference = item.DerivationImageSequence[0].SourceImageSequence[0]
        assert reference.ReferencedSOPInstanceUID == source_header.SOPInstanceUID
        source_frame = int(reference.get("ReferencedFrameNumber", 1)) - 1
        np.testing.assert_array_equal(pixels[seg_frame], masks[source_frame])

    labels = [item.FrameContentSequence[0].FrameLabel for item in seg.PerFrameFunctionalGroupsSequence]
    assert labels == ["reviewed: edited"] * len(frames)
    sr = hd.sr.srread(case_dir / "sr.dcm")  # one SR per case, a lesion group per reported frame
    groups = sr.content.get_planar_roi_measurement_groups()
    assert len(groups) == len(masks)
    for group, (index, mask) in zip(groups, masks.items(), strict=True):
        if len(masks) > 1:
            assert group.tracking_identifier == f"Lesion 1, frame {index + 1}"
        reviewed = {e.name.meaning: e.value.meaning for e in group.get_qualitative_evaluations()}
        assert reviewed["Frame reviewed by a person"] == "Yes"
        values = {m.name.meaning: m.value for m in group.get_measurements()}
        measured = measure_mask(mask, scan.calibration).as_dict()
        if scan.calibration.is_calibrated:
            assert values["Area"] == pytest.approx(measured["area_mm2"], abs=1e-3)
            assert values["Long axis"] == pytest.approx(measured["long_axis_mm"], abs=1e-3)
        assert values["Probability of cancer"] == pytest.approx(30.0)
    assert [path.name for path in case_dir.glob("*.pdf")] == ["report.pdf"]  # one PDF per case

    if shutil.which("dciodvfy"):
        inherited = _invalid_source_uids(source)
        for written in sorted(case_dir.glob("*.dcm")):
            assert dciodvfy_errors(written, inherited) == [], written.name
    assert hashlib.sha256(source.read_bytes()).hexdigest() == digest, "the source file was modified"
    logged = caplog.text
    assert not any(identifier in logged for identifier in IDENTIFIERS)


@pytest.mark.parametrize("name", CORPUS_NAMES)
def test_synthetic_dicom_exports_valid_seg_sr_pdf(
    corpus: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    _export_and_check(corpus[name], tmp_path, caplog)


@pytest.mark.parametrize("name", sorted(path.name for path in SHARED_DICOM.glob("*.dcm")) or ["(none)"])
# A scanner's UID with a zero-led component (YBR_422.dcm) is copied into the SEG as the standard asks;
# pydicom warns about it when the test reads the SEG back.
@pytest.mark.filterwarnings("ignore:Invalid value for VR UI:UserWarning:pydicom")
def test_real_dicom_exports_valid_seg_sr_pdf(tmp_path: Path, caplog: pytest.LogCaptureFixture, name: str) -> None:
    if not (SHARED_DICOM / name).is_file():
        pytest.skip(f"the real scanner files are not at {SHARED_DICOM}")
    _export_and_check(SHARED_DICOM / name, tmp_path, caplog)


def test_repairs_are_logged_by_attribute_only(
    corpus: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _export_and_check(corpus["acr_nema_times"], tmp_path, caplog)
    assert "StudyTime: rewritten as a valid TM" in caplog.text
    assert "PatientBirthDate: rewritten as a valid DA" in caplog.text
    seg = pydicom.dcmread(tmp_path / "case" / "seg.dcm", stop_before_pixels=True)
    assert (seg.StudyTime, seg.StudyDate, seg.PatientBirthDate) == ("140438", "20240301", "19800202")


def test_validator_catches_what_the_sanitiser_repairs(corpus: dict[str, Path], tmp_path: Path) -> None:
    """The dciodvfy check is not vacuous: a header fault copied as it is shows up as an error."""
    if not shutil.which("dciodvfy"):
        pytest.skip("dciodvfy (Debian package dicom3tools) is not installed")
    broken = pydicom.dcmread(corpus["mono2"])
    with pytest.warns(UserWarning, match="Invalid value for VR TM"):  # pydicom says so too, and writes it
        broken.StudyTime = "14:04:38"
    broken.save_as(tmp_path / "broken.dcm")
    assert any("StudyTime" in line for line in dciodvfy_errors(tmp_path / "broken.dcm"))
