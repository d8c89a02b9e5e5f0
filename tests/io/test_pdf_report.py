"""PDF report: a one-page A4 PDF with the findings, the disclaimer, and patient identifiers only on request."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from busviewer.core.report import DISCLAIMER, CaseReport, format_measurement_lines
from busviewer.core.scan import PatientInfo
from busviewer.io.pdf_report import render_report_figure, write_pdf_report
from tests.pdf_pages import page_count, pdf_text, pdfium, rendered_page

PATIENT = PatientInfo(name="Doe^Jane", patient_id="PID-7731", birth_date="19700101")


def _report(calibrated: bool = True, rgb: bool = False) -> CaseReport:
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, size=(60, 80, 3) if rgb else (60, 80), dtype=np.uint8)
    mask = np.zeros((60, 80), bool)
    mask[20:40, 30:55] = True
    measurements: dict[str, object] = (
        {"area_mm2": 50.0, "long_axis_mm": 9.4, "short_axis_mm": 6.1} if calibrated
        else {"area_px": 500.0, "long_axis_px": 31.0, "short_axis_px": 20.0, "area_mm2": None}
    )
    return CaseReport(
        case_id="lesion.png", source_name="lesion.png", frame_index=0, image=image, mask=mask,
        gradcam=rng.random((60, 80)).astype(np.float32), probabilities=(0.05, 0.15, 0.80), ai_class="malignant",
        reviewer_class="benign", status="corrected", measurements=measurements,
        measurement_lines=format_measurement_lines(measurements),
        calibration_source="us-region" if calibrated else "none", model_id="attn-unet-42", reviewer="alice",
        patient=PATIENT,
    )


def _pdf_text(path: Path, report: CaseReport, include_identifiers: bool) -> str:
    """The page's text as a text extractor reads it from the file (not from the figure that made it)."""
    return pdf_text(path)


def _metadata(path: Path) -> str:
    document = pdfium.PdfDocument(str(path))
    try:
        return " ".join(str(value) for value in document.get_metadata_dict().values())
    finally:
        document.close()


def test_pdf_has_findings_and_disclaimer_but_no_identifiers(tmp_path: Path) -> None:
    report = _report()
    path = tmp_path / "report.pdf"
    write_pdf_report(path, report)
    assert path.read_bytes().startswith(b"%PDF")
    assert page_count(path) == 1
    text = _pdf_text(path, report, include_identifiers=False)
    assert DISCLAIMER in " ".join(text.split())
    for expected in ("80.0%", "15.0%", "Malignant", "Benign", "Area: 50.0 mm²", "attn-unet-42", "alice", "Corrected"):
        assert expected in text, expected
    for identifier in ("Doe", "PID-7731", "19700101"):
        assert identifier not in text
        assert identifier not in _metadata(path)


def test_identifiers_appear_when_opted_in(tmp_path: Path) -> None:
    report = _report()
    path = tmp_path / "report.pdf"
    write_pdf_report(path, report, include_identifiers=True)
    text = _pdf_text(path, report, include_identifiers=True)
    assert "Doe^Jane" in text and "PID-7731" in text


def _printed_pixels(report: CaseReport, include_identifiers: bool) -> np.ndarray:
    figure = render_report_figure(report, include_identifiers)
    return np.asarray(figure.axes[0].get_images()[0].get_array())


#: A colour the layout never uses: the stand-in for a name burned into the scanner's header bar.
MAGENTA = np.array([255, 0, 255])


def _magenta_pixels(path: Path) -> int:
    page = rendered_page(path, scale=2.0).astype(int)
    return int((np.abs(page - MAGENTA).max(axis=-1) < 40).sum())


def test_burned_in_text_outside_the_imaging_area_is_blanked_unless_identifiers_are_wanted(tmp_path: Path) -> None:
    report = _report()
    report.image = np.repeat(report.image[..., None], 3, axis=2)  # grey in RGB: no magenta of its own
    report.image[:8, :] = MAGENTA  # a scanner's header bar, where the patient's name is burned in
    report.image[:, :4] = MAGENTA  # and a side panel
    report.imaging_area = (10, 5, 60, 75)
    path = tmp_path / "report.pdf"
    write_pdf_report(path, report)
    assert _magenta_pixels(path) == 0, "pixels outside the imaging area reached the rendered page"
    assert "imaging area is blanked" in " ".join(_pdf_text(path, report, include_identifiers=False).split())
    assert report.image[:8].min() == 0 and report.image[:8, :, 0].min() == 255  # the report itself is left alone
    write_pdf_report(tmp_path / "with_ids.pdf", report, include_identifiers=True)
    assert _magenta_pixels(tmp_path / "with_ids.pdf") > 1000  # the check does see the bar when it is printed


def test_burned_in_annotation_without_an_imaging_area_is_warned_about(tmp_path: Path) -> None:
    report = _report()
    report.burned_in_annotation = True
    np.testing.assert_array_equal(_printed_pixels(report, include_identifiers=False), report.image)
    path = tmp_path / "report.pdf"
    write_pdf_report(path, report)
    assert "check it for identifiers" in " ".join(_pdf_text(path, report, include_identifiers=False).split())
    report.burned_in_annotation = False
    assert report.identifier_note(include_identifiers=False) is None


def test_uncalibrated_report_warns_and_gives_pixels(tmp_path: Path) -> None:
    report = _report(calibrated=False, rgb=True)
    path = tmp_path / "report.pdf"
    write_pdf_report(path, report)
    text = _pdf_text(path, report, include_identifiers=False)
    assert "uncalibrated" in text.lower()
    assert "Area: 500 px" in text
    assert "mm²" not in text


def test_report_without_ai_or_gradcam_renders(tmp_path: Path) -> None:
    report = _report()
    report.probabilities, report.ai_class, report.gradcam, report.mask = None, None, None, None
    path = tmp_path / "report.pdf"
    write_pdf_report(path, report)
    text = _pdf_text(path, report, include_identifiers=False)
    assert "Grad-CAM not computed" in text and "No AI prediction" in text


def test_unwritable_destination_raises_export_error(tmp_path: Path) -> None:
    from busviewer.core.errors import ExportError

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError):
        write_pdf_report(blocker / "report.pdf", _report())
