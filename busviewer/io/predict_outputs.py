"""One-off outputs of ``busviewer predict``: DICOM SEG, DICOM SR and a PDF report beside the mask."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from busviewer.core.case import CaseRecord, FrameReview, ReviewStatus
from busviewer.core.measurements import measure_mask
from busviewer.core.prediction import Prediction
from busviewer.core.report import make_case_report
from busviewer.core.scan import UltrasoundScan
from busviewer.io.pdf_report import write_pdf_report
from busviewer.io.seg import write_dicom_seg
from busviewer.io.sr import write_dicom_sr


def write_case_outputs(
    out: Path, stem: str, scan: UltrasoundScan, frame: int, prediction: Prediction, gradcam: np.ndarray | None,
    seg: bool, sr: bool, report: bool,
) -> dict[str, str]:
    """Write ``<stem>_seg.dcm`` / ``<stem>_sr.dcm`` (DICOM sources only) and ``<stem>_report.pdf``.

    The SR references the SEG, so asking for SR writes the SEG too. Returns the written file names by kind.
    """
    record = CaseRecord(
        case_id=stem, source_path=scan.source_path or Path(stem), status=ReviewStatus.AI_PROPOSED,
        frames={frame: FrameReview.from_prediction(prediction)},
    )
    measurements = measure_mask(prediction.mask, scan.calibration)
    case_report = make_case_report(
        record, frame, scan,
        measurements=measurements.as_dict() if measurements else None,
        measurement_lines=measurements.summary_lines() if measurements else ["No lesion proposed."],
        gradcam=gradcam,
    )
    case_report.image_laterality = scan.laterality
    written: dict[str, str] = {}
    is_dicom = scan.file_format == "dicom" and scan.source_path is not None
    seg_path = out / f"{stem}_seg.dcm"
    if is_dicom and (seg or sr):
        write_dicom_seg(seg_path, scan.source_path, {frame: prediction.mask}, edited=False, model_id=prediction.model_id)  # type: ignore[arg-type]
        written["seg"] = seg_path.name
    if is_dicom and sr:
        sr_path = out / f"{stem}_sr.dcm"
        write_dicom_sr(sr_path, scan.source_path, seg_path, case_report)  # type: ignore[arg-type]
        written["sr"] = sr_path.name
    if report:
        pdf_path = out / f"{stem}_report.pdf"
        write_pdf_report(pdf_path, case_report)
        written["report"] = pdf_path.name
    return written
