"""Write a one-page A4 PDF report of a frame: BI-RADS findings and assessment, image with lesion outline,
Grad-CAM, probabilities, measurements, provenance."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Rectangle

from busviewer import __version__
from busviewer.core.atomic import atomic_write_with
from busviewer.core.constants import CLASS_NAMES
from busviewer.core.errors import ExportError
from busviewer.core.report import DISCLAIMER, CaseReport
from busviewer.io.pdf_birads import draw_findings

A4_INCHES = (8.27, 11.69)
MASK_COLOUR = (1.0, 0.2, 0.1)
CLASS_COLOURS = {"normal": "#4c9f70", "benign": "#3b7dd8", "malignant": "#d1495b"}
CALIBRATION_TEXT = {
    "us-region": "calibrated from the DICOM ultrasound regions",
    "pixel-spacing": "calibrated from the DICOM pixel spacing",
    "none": "uncalibrated",
}


def status_label(status: str) -> str:
    """``ai_proposed`` -> ``AI proposed``: the status as a person reads it."""
    return "AI " + status[3:].replace("_", " ") if status.startswith("ai_") else status.replace("_", " ").capitalize()


def write_pdf_report(path: Path, report: CaseReport, include_identifiers: bool = False) -> None:
    """Write ``report`` as a one-page A4 PDF, atomically (see :func:`write_pdf_reports`)."""
    write_pdf_reports(path, [report], include_identifiers)


def write_pdf_reports(path: Path, reports: Sequence[CaseReport], include_identifiers: bool = False) -> None:
    """Write one case's report as one A4 PDF, a page per reported frame, atomically.

    Parameters
    ----------
    path
        The PDF file to write.
    reports
        What to show, one page each (the reviewed frames of a cine loop, in frame order).
    include_identifiers
        Print the patient's name, ID and birth date; off by default so reports can be shared.

    Raises
    ------
    ExportError
        The file cannot be written, or there is nothing to report.
    """
    if not reports:
        raise ExportError(f"There is no frame to report in {Path(path).name}.")
    metadata = {"Title": f"busviewer lesion report: {reports[0].source_name}", "Creator": f"busviewer {__version__}",
                "Subject": "Decision support for trained readers; not a diagnosis"}

    def write(tmp: Path) -> None:
        with matplotlib.rc_context({"pdf.fonttype": 42}), PdfPages(tmp, metadata=metadata) as pages:
            for report in reports:
                pages.savefig(render_report_figure(report, include_identifiers))

    try:
        atomic_write_with(Path(path), write)
    except OSError as exc:
        raise ExportError(f"{Path(path).name} cannot be written ({exc.strerror}).") from exc


def render_report_figure(report: CaseReport, include_identifiers: bool = False) -> Figure:
    """Lay the report out on an A4 matplotlib Figure (no pyplot, no GUI backend), e.g. for a preview."""
    figure = Figure(figsize=A4_INCHES)
    figure.text(0.06, 0.955, "Breast ultrasound lesion review", fontsize=17, weight="bold")
    review = f"  ·  {report.frame_review.words}" if report.frame_review is not None else ""
    figure.text(0.06, 0.932, f"{report.source_name}  ·  frame {report.frame_index + 1}{review}  ·  case {report.case_id}",
                fontsize=9, color="#444444")
    if include_identifiers and report.patient is not None:
        patient = report.patient
        figure.text(0.06, 0.912, f"Patient: {patient.name or '-'}   ID: {patient.patient_id or '-'}   "
                                 f"Born: {patient.birth_date or '-'}", fontsize=9)

    # In the order radiologists write: findings and assessment, then the images, then provenance.
    draw_findings(figure, report, top=0.888)
    image = report.printable_image(include_identifiers)
    _draw_image(figure.add_axes((0.06, 0.335, 0.56, 0.305)), report, image)
    _draw_gradcam(figure.add_axes((0.67, 0.49, 0.27, 0.15)), report, image)
    _draw_probabilities(figure.add_axes((0.77, 0.335, 0.17, 0.12)), report)
    _draw_text_blocks(figure, report)
    note = report.identifier_note(include_identifiers)
    if note:  # a caption under the image it concerns
        figure.text(0.06, 0.327, textwrap.fill(note, 95), fontsize=7.5, color="#b00020", va="top")

    figure.patches.append(FancyBboxPatch(
        (0.06, 0.035), 0.88, 0.045, boxstyle="round,pad=0.005", transform=figure.transFigure,
        facecolor="#fff4e5", edgecolor="#e0a040"))
    figure.text(0.5, 0.0575, DISCLAIMER, ha="center", va="center", fontsize=11, weight="bold", color="#7a4b00")
    figure.text(0.94, 0.015, f"busviewer {__version__}", ha="right", fontsize=7, color="#888888")
    return figure


def _draw_image(ax: Axes, report: CaseReport, image: np.ndarray) -> None:
    ax.imshow(image, cmap="gray" if image.ndim == 2 else None, interpolation="none", vmin=0, vmax=255)
    if report.mask is not None and report.mask.any():
        overlay = np.zeros((*report.mask.shape, 4), dtype=np.float32)
        overlay[report.mask] = (*MASK_COLOUR, 0.15)
        ax.imshow(overlay, interpolation="none")
        ax.contour(report.mask.astype(np.float32), levels=[0.5], colors=[MASK_COLOUR], linewidths=1.2)
        ax.set_title("Image with lesion outline", fontsize=10, loc="left")
    else:
        ax.set_title("Image (no lesion outlined)", fontsize=10, loc="left")
    ax.set_axis_off()


def _draw_gradcam(ax: Axes, report: CaseReport, image: np.ndarray) -> None:
    ax.set_title("Grad-CAM: where the AI looked", fontsize=9, loc="left")
    ax.set_axis_off()
    if report.gradcam is None:
        ax.text(0.5, 0.5, "Grad-CAM not computed", ha="center", va="center", fontsize=9, color="#666666",
                transform=ax.transAxes)
        ax.add_patch(Rectangle((0, 0), 1, 1, transform=ax.transAxes, fill=False,
                                                  edgecolor="#cccccc"))
        return
    grey = image if image.ndim == 2 else image.mean(axis=2)
    ax.imshow(grey, cmap="gray", interpolation="antialiased")
    heat = np.clip(np.asarray(report.gradcam, dtype=np.float32), 0.0, 1.0)
    # Opacity follows the heat, so cold regions show the plain image instead of a blue wash.
    colours = matplotlib.colormaps["jet"](heat)
    colours[..., 3] = 0.65 * heat
    ax.imshow(colours, interpolation="antialiased")


def _draw_probabilities(ax: Axes, report: CaseReport) -> None:
    # Faint bars on a scan unlike the training scans, as on screen: their numbers mean little there.
    faint = bool(report.ai_unfamiliar)
    ax.set_title("AI class probabilities" + (" (unfamiliar scan)" if faint else ""), fontsize=9, loc="right")
    if report.probabilities is None:
        ax.set_axis_off()
        ax.text(0.5, 0.5, "No AI prediction", ha="center", va="center", fontsize=9, color="#666666",
                transform=ax.transAxes)
        return
    values = [100.0 * p for p in report.probabilities]
    rows = np.arange(len(CLASS_NAMES))[::-1]
    ax.barh(rows, values, color=[CLASS_COLOURS[name] for name in CLASS_NAMES], height=0.6, alpha=0.3 if faint else 1.0)
    ax.set_yticks(rows, [name.capitalize() for name in CLASS_NAMES], fontsize=9)
    ax.set_xlim(0, 100)
    ax.tick_params(axis="x", labelsize=7)
    ax.set_xlabel("%", fontsize=8)
    for row, value in zip(rows, values, strict=True):
        inside = value > 70
        ax.text(value - 2 if inside else value + 2, row, f"{value:.1f}%", va="center",
                ha="right" if inside else "left", fontsize=8, color="white" if inside else "black")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _draw_text_blocks(figure: Figure, report: CaseReport) -> None:
    def block(x: float, y: float, heading: str, lines: list[tuple[str, str]]) -> float:
        """Draw the block; returns the height of the lowest line written."""
        figure.text(x, y, heading, fontsize=11, weight="bold")
        for number, (text, colour) in enumerate(lines, start=1):
            figure.text(x, y - 0.019 * number, text, fontsize=9, color=colour)
        return y - 0.019 * len(lines)

    black, warn = "#000000", "#b00020"
    ai_text = report.ai_class.capitalize() if report.ai_class else "not predicted"
    if report.ai_class and report.probabilities is not None:
        ai_text += f" ({100.0 * report.probabilities[CLASS_NAMES.index(report.ai_class)]:.0f}%)"
    bottom = block(0.06, 0.29, "Classification", [
        (f"AI class: {ai_text}", black),
        (f"Reader's class: {report.reviewer_class.capitalize() if report.reviewer_class else 'not given'}", black),
        (f"Review status: {status_label(report.status)}", black),
    ])
    # What the AI does not know goes under its class, in the warning colour, wrapped to the left column.
    remark_lines = [line for remark in report.ai_remarks for line in textwrap.wrap(remark, 62)]
    for number, line in enumerate(remark_lines, start=1):
        figure.text(0.06, bottom - 0.016 * number, line, fontsize=8, color=warn)
    provenance_top = min(0.19, bottom - 0.016 * len(remark_lines) - 0.03)

    calibration = CALIBRATION_TEXT.get(report.calibration_source, report.calibration_source)
    # The red warning below replaces any "uncalibrated" line the caller already wrote.
    lines = [line for line in report.measurement_lines if not line.lower().startswith("uncalibrated")]
    measurement_lines = [(line, black) for line in lines] or [("No lesion measured", black)]
    measurement_lines.append((f"Scale: {calibration}", black))
    if not report.is_calibrated:
        measurement_lines.append(("Warning: uncalibrated image; sizes are not physical.", warn))
    block(0.52, 0.29, "Measurements", measurement_lines)

    block(0.06, provenance_top, "AI provenance", [
        (f"Model: {report.model_id or 'none (drawn by hand)'}", black),
        (f"Reviewer: {report.reviewer}", black),
        (f"Report created: {report.created_at}", black),
    ])
