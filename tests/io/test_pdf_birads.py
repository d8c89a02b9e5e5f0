"""The PDF's findings section: the lesion in lexicon words with size and location, then the category with
its management wording, above the images, the provenance and the disclaimer (read back from the file)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from busviewer.core.birads import MANAGEMENT
from busviewer.core.report import DISCLAIMER, CaseReport, format_measurement_lines
from busviewer.io.pdf_report import write_pdf_report
from tests.pdf_pages import pdf_text, rendered_page


def _report(reader: dict[str, str] | None = None, calibrated: bool = True, comment: str = "") -> CaseReport:
    rng = np.random.default_rng(1)
    image = np.clip(cv2.GaussianBlur(rng.normal(120, 25, (200, 260)).astype(np.float32), (0, 0), 1.2), 0, 255)
    mask = np.zeros(image.shape, np.uint8)
    cv2.ellipse(mask, (130, 90), (50, 26), 0, 0, 360, 1, -1)
    image[mask > 0] -= 75
    measurements: dict[str, object] = (
        {"area_mm2": 80.0, "long_axis_mm": 12.3, "short_axis_mm": 6.4} if calibrated
        else {"area_px": 4000.0, "long_axis_px": 101.0, "short_axis_px": 53.0}
    )
    return CaseReport(
        case_id="c.png", source_name="c.png", frame_index=0, image=np.clip(image, 0, 255).astype(np.uint8),
        mask=mask.astype(bool), gradcam=None, probabilities=(0.01, 0.96, 0.03), ai_class="benign",
        reviewer_class=None, status="ai_proposed", measurements=measurements,
        measurement_lines=format_measurement_lines(measurements),
        calibration_source="us-region" if calibrated else "none", model_id="m-1", reviewer="alice",
        reader_birads=reader or {}, comment=comment,
    )


def _flat(path: Path) -> str:
    return " ".join(pdf_text(path).split())


def test_findings_come_first_in_lexicon_words_then_the_assessment_then_provenance(tmp_path: Path) -> None:
    path = tmp_path / "r.pdf"
    write_pdf_report(path, _report({"laterality": "left", "clock_face": "2", "nipple_distance_cm": "4"}))
    text = _flat(path)
    order = [text.index(part) for part in ("Findings", "Assessment", "BI-RADS", "AI provenance", DISCLAIMER)]
    assert order == sorted(order), text
    assert "Left breast, 2 o'clock, 4 cm from the nipple" in text
    assert "Oval, parallel, circumscribed, hypoechoic mass" in text
    assert "12.3 × 6.4 mm" in text
    # Oval, circumscribed, parallel (level 3) with a 3 % malignancy (4A): halfway, rounded up, 4A.
    assert "BI-RADS 4A" in text and MANAGEMENT["4A"] in text and "AI suggestion" in text


def test_the_readers_choices_are_reported_over_the_ai_and_said_to_be_hers(tmp_path: Path) -> None:
    path = tmp_path / "r.pdf"
    write_pdf_report(path, _report({"margin": "spiculated", "category": "4C"}, comment="palpable"))
    text = _flat(path)
    assert "not circumscribed (spiculated)" in text and "spiculated (reader)" in text
    assert "BI-RADS 4C" in text and "reader's assessment" in text and MANAGEMENT["4C"] in text
    assert "Breast side not given" in text and "Reader's comment: palpable" in text


def test_uncalibrated_sizes_are_pixels_and_say_so(tmp_path: Path) -> None:
    path = tmp_path / "r.pdf"
    write_pdf_report(path, _report(calibrated=False))
    assert "101 × 53 px (uncalibrated)" in _flat(path)


def test_without_a_lesion_the_findings_say_so(tmp_path: Path) -> None:
    report = _report()
    report.mask = np.zeros_like(report.mask)
    path = tmp_path / "r.pdf"
    write_pdf_report(path, report)
    text = _flat(path)
    assert "No mass outlined on this image." in text and "No assessment category." in text


def test_the_findings_section_is_drawn_above_the_image(tmp_path: Path) -> None:
    path = tmp_path / "r.pdf"
    write_pdf_report(path, _report())
    page = rendered_page(path, scale=1.0).astype(np.int32)
    ink = (page.sum(axis=2) < 600).mean(axis=1)  # dark pixels per row
    rows = len(ink)
    findings, picture = ink[int(0.08 * rows) : int(0.32 * rows)], ink[int(0.37 * rows) : int(0.64 * rows)]
    assert findings.max() > 0.05  # lines of text
    assert picture.mean() > findings.mean()  # the image block is the darkest part of the page
