"""What a case report shows, gathered in one plain object that the PDF, SR, CSV and GUI writers read."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from busviewer.core.ai_remarks import ai_remarks
from busviewer.core.birads_finding import BiradsFinding, finding_for
from busviewer.core.case import CaseRecord, current_user, utc_now_iso
from busviewer.core.constants import CLASS_NAMES
from busviewer.core.frame_review import FrameReviewKind
from busviewer.core.scan import PatientInfo, UltrasoundScan, to_grey_uint8

DISCLAIMER = "Decision support for trained readers; not a diagnosis."

# Names that measurement dicts may use for the same quantity; the first one present wins.
_ALIASES: dict[str, tuple[str, ...]] = {
    "area_mm2": ("area_mm2", "area_mm²", "area_sq_mm"),
    "long_axis_mm": ("long_axis_mm", "major_axis_mm", "max_diameter_mm"),
    "short_axis_mm": ("short_axis_mm", "minor_axis_mm", "perpendicular_axis_mm"),
    "area_px": ("area_px", "area_pixels", "pixel_count"),
    "long_axis_px": ("long_axis_px", "major_axis_px", "max_diameter_px"),
    "short_axis_px": ("short_axis_px", "minor_axis_px", "perpendicular_axis_px"),
}

_LABELS = {
    "area_mm2": ("Area", "mm²"),
    "long_axis_mm": ("Long axis", "mm"),
    "short_axis_mm": ("Short axis", "mm"),
    "area_px": ("Area", "px"),
    "long_axis_px": ("Long axis", "px"),
    "short_axis_px": ("Short axis", "px"),
}


@dataclass
class CaseReport:
    """Everything one frame's report shows; built by the caller (GUI or export) from the case and the scan.

    Attributes
    ----------
    image
        uint8 grey (H, W) or RGB (H, W, 3): the frame as displayed.
    mask
        bool (H, W) final lesion mask, or None.
    gradcam
        float32 (H, W) heat in 0..1, or None when not computed.
    probabilities
        Class probabilities in ``CLASS_NAMES`` order.
    measurements
        ``LesionMeasurements.as_dict()`` or any dict with keys such as ``area_mm2``, ``long_axis_mm``.
    measurement_lines
        Ready-to-print lines with units.
    calibration_source
        ``us-region``, ``pixel-spacing`` or ``none``.
    patient
        Identifiers; writers show them only when asked to include identifiers.
    imaging_area
        ``UltrasoundScan.imaging_area``: outside it, burned-in text may name the patient.
    burned_in_annotation
        ``UltrasoundScan.burned_in_annotation``.
    """

    case_id: str
    source_name: str
    frame_index: int
    image: np.ndarray
    mask: np.ndarray | None
    gradcam: np.ndarray | None
    probabilities: tuple[float, float, float] | None
    ai_class: str | None
    reviewer_class: str | None
    status: str
    measurements: dict[str, object] | None
    measurement_lines: list[str]
    calibration_source: str
    model_id: str | None
    reviewer: str = field(default_factory=current_user)
    created_at: str = field(default_factory=utc_now_iso)
    patient: PatientInfo | None = None
    imaging_area: tuple[int, int, int, int] | None = None
    burned_in_annotation: bool | None = None
    #: The reader's BI-RADS choices (``READER_FIELDS`` names) and free-text comment for the case.
    reader_birads: dict[str, str] = field(default_factory=dict)
    comment: str = ""
    #: ``right``/``left`` from the DICOM header, when it says.
    image_laterality: str | None = None
    #: The AI flagged the scan as unlike its training scans (None: its weights cannot tell).
    ai_unfamiliar: bool | None = None
    #: The cautions printed beside the AI's findings (``busviewer.core.ai_remarks.ai_remarks``).
    ai_remarks: list[str] = field(default_factory=list)
    #: How a person reviewed this frame (None: not said, e.g. a preview on screen).
    frame_review: FrameReviewKind | None = None

    def printable_image(self, include_identifiers: bool) -> np.ndarray:
        """The image to print: without identifiers, everything outside the scanner's imaging area is
        blanked, since burned-in names and IDs sit in the screen furniture around it."""
        if include_identifiers or self.imaging_area is None:
            return self.image
        row0, col0, row1, col1 = self.imaging_area
        blanked = np.zeros_like(self.image)
        blanked[row0:row1, col0:col1] = self.image[row0:row1, col0:col1]
        return blanked

    def identifier_note(self, include_identifiers: bool) -> str | None:
        """One sentence about burned-in identifiers for the printed page, or None when there is none to say."""
        if include_identifiers:
            return None
        if self.imaging_area is not None and self.imaging_area != (0, 0, *self.image.shape[:2]):
            return "Outside the scanner's imaging area is blanked: burned-in text may identify the patient."
        if self.burned_in_annotation:
            return "The file says text is burned into the image: check it for identifiers before sharing."
        return None

    @property
    def is_calibrated(self) -> bool:
        return self.calibration_source != "none" and bool(physical_measurements(self.measurements))

    @property
    def probability_dict(self) -> dict[str, float]:
        if self.probabilities is None:
            return {}
        return {name: float(p) for name, p in zip(CLASS_NAMES, self.probabilities, strict=True)}

    def birads_finding(self) -> BiradsFinding:
        """The lesion in BI-RADS words: the rules' proposal from image and mask, overridden by the reader."""
        return finding_for(to_grey_uint8(self.image), self.mask, self.probabilities, self.reader_birads,
                           self.measurements, self.is_calibrated, self.image_laterality)


def _lookup(measurements: Mapping[str, object] | None, canonical: str) -> float | None:
    if not measurements:
        return None
    for key in _ALIASES[canonical]:
        value = measurements.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(float(value)):
            return float(value)
    return None


def physical_measurements(measurements: Mapping[str, object] | None) -> dict[str, float]:
    """Area (mm²), long and short axis (mm) found in ``measurements``, under canonical keys; empty if uncalibrated."""
    found = {key: _lookup(measurements, key) for key in ("area_mm2", "long_axis_mm", "short_axis_mm")}
    return {key: value for key, value in found.items() if value is not None}


def pixel_measurements(measurements: Mapping[str, object] | None) -> dict[str, float]:
    """Area and axes in pixels found in ``measurements``, under canonical keys."""
    found = {key: _lookup(measurements, key) for key in ("area_px", "long_axis_px", "short_axis_px")}
    return {key: value for key, value in found.items() if value is not None}


def format_measurement_lines(measurements: Mapping[str, object] | None) -> list[str]:
    """Human lines with units: millimetres when calibrated, else pixels with a note that they are not physical."""
    physical = physical_measurements(measurements)
    chosen = physical or pixel_measurements(measurements)
    lines = []
    for key, value in chosen.items():
        label, unit = _LABELS[key]
        digits = 0 if key == "area_px" else 1
        lines.append(f"{label}: {value:.{digits}f} {unit}")
    if chosen and not physical:
        lines.append("Uncalibrated: sizes are in pixels, not millimetres.")
    return lines


def display_uint8(frame: np.ndarray) -> np.ndarray:
    """A frame as the report shows it: uint8 grey, or uint8 RGB for colour sources."""
    data = np.asarray(frame)
    if data.ndim == 3 and data.shape[2] >= 3:
        rgb = data[..., :3]
        if rgb.dtype == np.uint8:
            return np.ascontiguousarray(rgb)
        top = max(float(rgb.max()), 1.0)
        return np.clip(np.rint(rgb.astype(np.float32) * (255.0 / top)), 0, 255).astype(np.uint8)
    return to_grey_uint8(data)


def make_case_report(
    record: CaseRecord,
    frame_index: int,
    scan: UltrasoundScan,
    measurements: Mapping[str, object] | None = None,
    measurement_lines: list[str] | None = None,
    gradcam: np.ndarray | None = None,
    reviewer: str | None = None,
    patient: PatientInfo | None = None,
) -> CaseReport:
    """Gather a frame's report from its case record and the scan itself.

    The scan, not its pixels alone, is taken so that what keeps identifiers off the page cannot be
    forgotten: its imaging area (outside it, burned-in text is blanked) and its burned-in flag travel
    with every report, whichever command or dialog makes it.

    Parameters
    ----------
    record
        The case; its frame ``frame_index`` gives mask, probabilities and model.
    frame_index
        Zero-based frame of ``scan``.
    scan
        The scan the case reviews: pixels, calibration, imaging area, burned-in flag.
    measurements
        The lesion's measurements (``LesionMeasurements.as_dict()``), or None.
    measurement_lines
        Lines to print (``LesionMeasurements.summary_lines()``); made from ``measurements`` when None.
    patient
        Identifiers to print, only when the user asked for them (``scan.patient``); None keeps them out.
    """
    review = record.frames.get(frame_index)
    probabilities = review.ai_probabilities if review is not None else None
    return CaseReport(
        case_id=record.case_id,
        source_name=record.source_path.name,
        frame_index=frame_index,
        image=display_uint8(scan.frame(frame_index)),
        mask=review.final_mask if review is not None else None,
        gradcam=gradcam,
        probabilities=probabilities,
        ai_class=CLASS_NAMES[int(np.argmax(probabilities))] if probabilities is not None else None,
        reviewer_class=record.reviewer_class,
        reader_birads=dict(record.birads_reader),
        comment=record.comment,
        status=record.status.value,
        measurements=dict(measurements) if measurements is not None else None,
        measurement_lines=measurement_lines if measurement_lines is not None else format_measurement_lines(measurements),
        calibration_source=scan.calibration.source,
        model_id=review.ai_model_id if review is not None else None,
        reviewer=reviewer or current_user(),
        patient=patient,
        imaging_area=scan.imaging_area,
        burned_in_annotation=scan.burned_in_annotation,
        ai_unfamiliar=review.ai_unfamiliar if review is not None else None,
        ai_remarks=ai_remarks(probabilities, review.ai_mask, review.ai_unfamiliar) if review is not None else [],
    )
