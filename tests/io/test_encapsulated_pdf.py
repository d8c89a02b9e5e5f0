"""The PDF report as DICOM Encapsulated PDF: in the source's study, its bytes intact, accepted by dciodvfy."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.uid import EncapsulatedPDFStorage

from busviewer.core.case import CaseRecord, FrameReview, ReviewStatus
from busviewer.core.errors import ExportError
from busviewer.io.encapsulated_pdf import write_encapsulated_pdf
from busviewer.io.export import export_case
from busviewer.io.scan_loader import load_scan
from tests.io.dicom_corpus import build_corpus
from tests.io.test_conformance import SHARED_DICOM, dciodvfy_errors
from tests.io.test_seg import PATIENT_ID, make_us_dicom


def _report_pdf(source: Path, tmp_path: Path) -> Path:
    scan = load_scan(source)
    mask = np.zeros(scan.shape, bool)
    mask[scan.shape[0] // 4 : scan.shape[0] // 2, scan.shape[1] // 4 : scan.shape[1] // 2] = True
    record = CaseRecord(source.name, source, ReviewStatus.CORRECTED, "benign",
                        {0: FrameReview(0, np.zeros(scan.shape, bool), "m1", (0.2, 0.5, 0.3), mask)})
    export_case(record, tmp_path / "case", {"pdf"}, scan=scan)
    return tmp_path / "case" / "report.pdf"


def test_encapsulated_pdf_files_into_the_source_study(tmp_path: Path) -> None:
    source = make_us_dicom(tmp_path / "scan.dcm")
    pdf = _report_pdf(source, tmp_path)
    write_encapsulated_pdf(tmp_path / "report_pdf.dcm", pdf, source)
    wrapped, header = pydicom.dcmread(tmp_path / "report_pdf.dcm"), pydicom.dcmread(source, stop_before_pixels=True)
    assert wrapped.SOPClassUID == EncapsulatedPDFStorage and wrapped.Modality == "DOC"
    assert (wrapped.StudyInstanceUID, wrapped.PatientID) == (header.StudyInstanceUID, PATIENT_ID)
    assert wrapped.SeriesInstanceUID != header.SeriesInstanceUID
    assert wrapped.SourceInstanceSequence[0].ReferencedSOPInstanceUID == header.SOPInstanceUID
    document = bytes(wrapped.EncapsulatedDocument)[: wrapped.EncapsulatedDocumentLength]
    assert document == pdf.read_bytes() and wrapped.MIMETypeOfEncapsulatedDocument == "application/pdf"
    assert wrapped.BurnedInAnnotation == "NO"


@pytest.mark.parametrize("name", ["acr_nema_times", "missing_type2", "palette_cine_rle", "real:OBXXXX1A.dcm"])
def test_encapsulated_pdf_has_no_validator_errors(tmp_path: Path, name: str) -> None:
    if not shutil.which("dciodvfy"):
        pytest.skip("dciodvfy (Debian package dicom3tools) is not installed")
    if name.startswith("real:"):
        source = SHARED_DICOM / name[5:]
        if not source.is_file():
            pytest.skip(f"the real scanner files are not at {SHARED_DICOM}")
    else:
        source = build_corpus(tmp_path / "corpus")[name]
    write_encapsulated_pdf(tmp_path / "report_pdf.dcm", _report_pdf(source, tmp_path), source)
    assert dciodvfy_errors(tmp_path / "report_pdf.dcm") == []


def test_not_a_pdf_is_one_sentence(tmp_path: Path) -> None:
    source = make_us_dicom(tmp_path / "scan.dcm")
    (tmp_path / "fake.pdf").write_bytes(b"not a pdf")
    with pytest.raises(ExportError, match=r"^fake\.pdf is not a PDF file\.$"):
        write_encapsulated_pdf(tmp_path / "out.dcm", tmp_path / "fake.pdf", source)
    assert not (tmp_path / "out.dcm").exists()
