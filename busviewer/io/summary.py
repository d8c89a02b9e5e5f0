"""Write the review summary of a workspace as CSV or JSON: one row per case and frame."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from busviewer import __version__
from busviewer.core.ai_remarks import ai_remarks
from busviewer.core.atomic import atomic_write_text
from busviewer.core.birads_finding import BiradsFinding
from busviewer.core.case import CaseRecord, FrameReview, utc_now_iso
from busviewer.core.constants import CLASS_NAMES
from busviewer.core.errors import ExportError
from busviewer.core.report import physical_measurements, pixel_measurements
from busviewer.core.scan import PatientInfo

IDENTIFIER_COLUMNS = ("patient_name", "patient_id", "patient_birth_date")


@dataclass
class SummaryRow:
    """One case frame as the summary lists it; sizes in mm when calibrated, pixel sizes always."""

    case_id: str
    source_name: str
    #: The frame as people count them: 1 is the first (as the cine bar, file names and reports say).
    frame: int
    status: str
    ai_class: str | None
    p_normal: float | None
    p_benign: float | None
    p_malignant: float | None
    reviewer_class: str | None
    area_mm2: float | None
    long_axis_mm: float | None
    short_axis_mm: float | None
    area_px: float | None
    long_axis_px: float | None
    short_axis_px: float | None
    calibration_source: str | None
    pixels_changed: int | None
    dice_ai_vs_final: float | None
    model_id: str | None
    updated_by: str
    updated_at: str
    #: BI-RADS as reported (the reader's word, else the AI's), the AI's own, and the reader's location entries.
    birads_shape: str | None = None
    ai_birads_shape: str | None = None
    birads_orientation: str | None = None
    ai_birads_orientation: str | None = None
    birads_margin: str | None = None
    ai_birads_margin: str | None = None
    birads_echo_pattern: str | None = None
    ai_birads_echo_pattern: str | None = None
    birads_posterior_features: str | None = None
    ai_birads_posterior_features: str | None = None
    birads_category: str | None = None
    ai_birads_category: str | None = None
    birads_category_source: str | None = None
    ai_malignancy_probability: float | None = None
    #: The AI flagged the frame as unlike its training scans (empty: its weights cannot tell).
    ai_unlike_training_scans: bool | None = None
    #: The cautions beside the AI's findings, joined (``busviewer.core.ai_remarks``).
    ai_remarks: str | None = None
    laterality: str | None = None
    clock_face: str | None = None
    nipple_distance_cm: str | None = None
    comment: str | None = None
    patient_name: str | None = None
    patient_id: str | None = None
    patient_birth_date: str | None = None


def summary_rows(
    record: CaseRecord,
    measurements: Mapping[int, Mapping[str, object] | None] | None = None,
    calibration_source: str | None = None,
    patient: PatientInfo | None = None,
    findings: Mapping[int, BiradsFinding] | None = None,
) -> list[SummaryRow]:
    """Rows for each frame of ``record`` (one row with empty AI columns when it has no frames yet).

    Parameters
    ----------
    measurements
        Measurements per frame index (``LesionMeasurements.as_dict()``), when the caller computed them.
    calibration_source
        ``us-region``, ``pixel-spacing`` or ``none``; None when the scan was not opened.
    patient
        Identifiers; written only when the summary is asked to include them.
    findings
        BI-RADS findings per frame index (``finding_for``); without one a frame lists the reader's choices only.
    """
    rows = []
    frames: list[FrameReview | None] = [record.frames[index] for index in sorted(record.frames)] or [None]
    for frame in frames:
        index = frame.frame_index if frame is not None else 0
        probabilities = frame.ai_probabilities if frame is not None else None
        stats = frame.edit_stats() if frame is not None else {"pixels_changed": None, "dice_ai_vs_final": None}
        values = (measurements or {}).get(index)
        sizes = {**physical_measurements(values), **pixel_measurements(values)}
        rows.append(SummaryRow(
            case_id=record.case_id,
            source_name=record.source_path.name,
            frame=index + 1,
            status=record.status.value,
            ai_class=CLASS_NAMES[probabilities.index(max(probabilities))] if probabilities else None,
            p_normal=probabilities[0] if probabilities else None,
            p_benign=probabilities[1] if probabilities else None,
            p_malignant=probabilities[2] if probabilities else None,
            reviewer_class=record.reviewer_class,
            area_mm2=sizes.get("area_mm2"),
            long_axis_mm=sizes.get("long_axis_mm"),
            short_axis_mm=sizes.get("short_axis_mm"),
            area_px=sizes.get("area_px"),
            long_axis_px=sizes.get("long_axis_px"),
            short_axis_px=sizes.get("short_axis_px"),
            calibration_source=calibration_source,
            pixels_changed=stats["pixels_changed"],  # type: ignore[arg-type]
            dice_ai_vs_final=stats["dice_ai_vs_final"],
            model_id=frame.ai_model_id if frame is not None else None,
            updated_by=record.updated_by,
            updated_at=record.updated_at,
            **_birads_columns(record, (findings or {}).get(index)),
            **_remark_columns(frame),
            patient_name=patient.name if patient else None,
            patient_id=patient.patient_id if patient else None,
            patient_birth_date=patient.birth_date if patient else None,
        ))
    return rows


def _remark_columns(frame: FrameReview | None) -> dict[str, Any]:
    if frame is None:
        return {}
    remarks = ai_remarks(frame.ai_probabilities, frame.ai_mask, frame.ai_unfamiliar)
    return {"ai_unlike_training_scans": frame.ai_unfamiliar, "ai_remarks": " ".join(remarks) or None}


def _birads_columns(record: CaseRecord, finding: BiradsFinding | None) -> dict[str, Any]:
    # SummaryRow keywords named by the finding itself, values of several types: checked when the row is built.
    if finding is None:
        finding = BiradsFinding(ai=None, reader=record.birads_reader)
    return {**finding.summary_fields(), "comment": record.comment or None}


def _as_rows(records: Iterable[SummaryRow | CaseRecord]) -> list[SummaryRow]:
    rows: list[SummaryRow] = []
    for item in records:
        rows.extend(summary_rows(item) if isinstance(item, CaseRecord) else [item])
    return rows


def _columns(include_identifiers: bool) -> list[str]:
    names = [f.name for f in fields(SummaryRow)]
    return names if include_identifiers else [n for n in names if n not in IDENTIFIER_COLUMNS]


def _row_dict(row: SummaryRow, include_identifiers: bool) -> dict[str, object]:
    data = asdict(row)
    return {name: data[name] for name in _columns(include_identifiers)}


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    # A leading =, +, - or @ would make a spreadsheet run the cell as a formula.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def write_summary_csv(
    path: Path, records: Iterable[SummaryRow | CaseRecord], include_identifiers: bool = False
) -> None:
    """Write one CSV row per case frame, atomically; patient columns only when ``include_identifiers``.

    ``records`` may be ``SummaryRow`` objects (with measurements) or plain ``CaseRecord`` objects.

    Raises
    ------
    ExportError
        The file cannot be written.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_columns(include_identifiers))
    for row in _as_rows(records):
        writer.writerow([_cell(value) for value in _row_dict(row, include_identifiers).values()])
    _write(path, buffer.getvalue())


def write_summary_json(
    path: Path, records: Iterable[SummaryRow | CaseRecord], include_identifiers: bool = False
) -> None:
    """Write the summary as JSON (``{"generated_at", "busviewer_version", "rows": [...]}``), atomically."""
    document = {
        "generated_at": utc_now_iso(),
        "busviewer_version": __version__,
        "class_names": list(CLASS_NAMES),
        "units": {"area_mm2": "mm2", "long_axis_mm": "mm", "short_axis_mm": "mm", "area_px": "pixels",
                  "long_axis_px": "pixels", "short_axis_px": "pixels"},
        "rows": [_row_dict(row, include_identifiers) for row in _as_rows(records)],
    }
    _write(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def _write(path: Path, text: str) -> None:
    try:
        atomic_write_text(Path(path), text)
    except OSError as exc:
        raise ExportError(f"{Path(path).name} cannot be written ({exc.strerror}).") from exc
