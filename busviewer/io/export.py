"""Export a reviewed workspace: mask PNGs, PDF reports, DICOM SEG and SR for DICOM sources, CSV and JSON summary.

Layout of the output folder::

    OUT/summary.csv, OUT/summary.json
    OUT/<case>/mask.png, report.pdf, seg.dcm, sr.dcm          (one-frame sources)
    OUT/<case>/mask_frame007.png, ..., report.pdf, seg.dcm, sr.dcm   (cine loops)

where ``<case>`` is the case id with folder separators turned into ``__``. A cine loop exports the frames a
person reviewed (``busviewer.core.frame_review``), never the frames the AI merely ran on during playback: one
mask PNG per reviewed frame, one PDF with a page per reviewed frame, one SEG with a frame per reviewed frame
and one SR with a lesion group per reviewed frame; SEG frame labels and SR evaluations say per frame whether
a person reviewed it. A cine with no reviewed frame writes nothing and says so in one sentence.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import tempfile
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from busviewer.core.birads_finding import BiradsFinding, finding_for
from busviewer.core.case import CaseRecord, FrameReview
from busviewer.core.errors import ExportError, UserFacingError
from busviewer.core.explanation import gradcam_target as explanation_target
from busviewer.core.frame_review import NO_REVIEWED_FRAMES, frame_review, frames_to_export
from busviewer.core.report import CaseReport, make_case_report
from busviewer.core.scan import PatientInfo, UltrasoundScan
from busviewer.io.mask_png import write_mask_png
from busviewer.io.pdf_report import write_pdf_reports
from busviewer.io.seg import write_dicom_seg
from busviewer.io.sr import write_dicom_sr
from busviewer.io.store import CaseStore, has_store
from busviewer.io.summary import SummaryRow, summary_rows, write_summary_csv, write_summary_json

if TYPE_CHECKING:
    from busviewer.core.measurements import LesionMeasurements

log = logging.getLogger(__name__)

ALL_FORMATS: tuple[str, ...] = ("png", "seg", "pdf", "sr", "csv", "json")

#: Called after each case with (cases done, cases in all, case id); returning False cancels the export.
ProgressCallback = Callable[[int, int, str], object]

#: Grad-CAM of a grey uint8 frame for a target (a class name or ``lesion``): float (H, W) heat in 0..1 at the
#: frame's size. Injected by the caller (GUI or CLI), so this module never loads the network itself.
GradCamFunction = Callable[[np.ndarray, str], np.ndarray]

_UNSAFE = re.compile(r'[<>:"\\|?*\x00-\x1f]')


@dataclass
class ExportSummary:
    """What an export wrote.

    Attributes
    ----------
    skipped
        One plain sentence per case (or part of one) that could not be exported, e.g. a missing source file.
    """

    out_dir: Path
    cases: int = 0
    files: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    cancelled: bool = False
    #: The files written for each case, by case id (what a send to a PACS picks from).
    case_files: dict[str, list[Path]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "out_dir": str(self.out_dir),
            "cases": self.cases,
            "files": [str(path) for path in self.files],
            "skipped": list(self.skipped),
            "cancelled": self.cancelled,
        }


def parse_formats(text: str) -> frozenset[str]:
    """``"png,pdf"`` -> {"png", "pdf"}; unknown names raise a UserFacingError listing the valid ones."""
    names = {part.strip().lower() for part in text.split(",") if part.strip()}
    unknown = sorted(names - set(ALL_FORMATS))
    if unknown or not names:
        raise UserFacingError(f"Unknown export format {', '.join(unknown) or '(none)'}; choose from {', '.join(ALL_FORMATS)}.")
    return frozenset(names)


def case_folder_name(case_id: str) -> str:
    """A file-system-safe folder name for a case: ``benign/benign (3).png`` -> ``benign__benign (3).png``."""
    name = _UNSAFE.sub("_", case_id.replace("/", "__").replace("\\", "__")).strip(" .")
    return name or "case"


def export_workspace(
    workspace_dir: Path,
    out_dir: Path,
    formats: Collection[str] = frozenset(ALL_FORMATS),
    include_identifiers: bool = False,
    progress: ProgressCallback | None = None,
    gradcam: GradCamFunction | None = None,
) -> ExportSummary:
    """Export every case saved in ``workspace_dir`` into ``out_dir``.

    Parameters
    ----------
    formats
        Any of ``png``, ``seg``, ``pdf``, ``sr``, ``csv``, ``json``. SEG and SR are written for DICOM sources
        only; an SR references the SEG, so asking for ``sr`` writes the SEG too.
    include_identifiers
        Put patient name, ID and birth date in PDFs and summaries (DICOM SEG/SR always carry the source's
        patient module so a PACS can file them).
    progress
        See ``ProgressCallback``.
    gradcam
        Makes the Grad-CAM thumbnail of each PDF report (see ``GradCamFunction``); without it the reports
        say "Grad-CAM not computed".

    Raises
    ------
    ExportError
        The workspace has no review state, or ``out_dir`` cannot be created or written (read-only, full disk).
        The workspace itself is never written to.
    """
    wanted = frozenset(formats)
    if not wanted <= set(ALL_FORMATS):
        raise ExportError(f"Unknown export format {', '.join(sorted(wanted - set(ALL_FORMATS)))}.")
    workspace_dir, out_dir = Path(workspace_dir), Path(out_dir)
    if not has_store(workspace_dir):
        raise ExportError(f"{workspace_dir} has no saved review to export.")
    prepare_out_dir(out_dir)
    with CaseStore(workspace_dir) as store:
        records = store.list_cases()
    summary = ExportSummary(out_dir=out_dir)
    rows: list[SummaryRow] = []
    for done, record in enumerate(records, start=1):
        try:
            rows.extend(export_case(record, out_dir / case_folder_name(record.case_id), wanted, include_identifiers,
                                    summary, gradcam=gradcam))
        except (ExportError, OSError) as exc:
            problem = destination_problem(exc, out_dir)
            if problem is not None:
                raise problem from exc
            summary.skipped.append(str(exc))
            rows.extend(summary_rows(record))
        summary.cases += 1
        if progress is not None and progress(done, len(records), record.case_id) is False:
            summary.cancelled = True
            break
    for name, writer in (("csv", write_summary_csv), ("json", write_summary_json)):
        if name in wanted:
            path = out_dir / f"summary.{name}"
            try:
                writer(path, rows, include_identifiers=include_identifiers)
            except (ExportError, OSError) as exc:
                raise destination_problem(exc, out_dir) or ExportError(str(exc)) from exc
            summary.files.append(path)
    log.info("exported %d cases, %d files, %d skipped", summary.cases, len(summary.files), len(summary.skipped))
    return summary


def export_case(
    record: CaseRecord,
    case_dir: Path,
    formats: Collection[str],
    include_identifiers: bool = False,
    summary: ExportSummary | None = None,
    scan: UltrasoundScan | None = None,
    gradcams: dict[int, np.ndarray] | None = None,
    gradcam: GradCamFunction | None = None,
) -> list[SummaryRow]:
    """Export one case into ``case_dir`` (created); the GUI calls this with its open scan and Grad-CAM maps.

    ``gradcams`` holds ready-made heat maps by frame index; ``gradcam`` computes the missing ones for PDF
    reports. Returns the case's summary rows (with measurements). Per-case problems (source missing, mask
    of the wrong size) are added to ``summary.skipped``; write failures raise.
    """
    summary = summary if summary is not None else ExportSummary(out_dir=case_dir.parent)
    if scan is None:
        scan = _load_source(record, summary)
    if scan is None:
        return summary_rows(record)
    reviewed = _reviewed_frames(record, scan, summary)
    measurements = {index: _measure(record, index, scan) for index in reviewed}
    patient = scan.patient if include_identifiers else None
    findings = {i: _finding(record, i, scan, measurements[i]) for i in reviewed}
    if scan.n_frames > 1:  # the summary lists what the export holds, not every frame that was played
        record = replace(record, frames={i: record.frames.get(i) or FrameReview(i) for i in reviewed})
    rows = summary_rows(
        record, {i: m.as_dict() if m is not None else None for i, m in measurements.items()},
        scan.calibration.source, patient, findings,
    )
    if not reviewed and scan.n_frames > 1 and set(formats) & {"png", "pdf", "seg", "sr"}:
        summary.skipped.append(NO_REVIEWED_FRAMES.format(case=record.case_id))
    if not reviewed or not set(formats) & {"png", "pdf", "seg", "sr"}:
        return rows
    case_dir.mkdir(exist_ok=True)
    written: list[Path] = []

    def tag(index: int) -> str:
        return "" if scan.n_frames == 1 else f"_frame{index + 1:03d}"

    found = {i: _mask_of(record, i, scan) for i in reviewed}
    masks = {i: mask for i, mask in found.items() if mask is not None}
    if "png" in formats:
        for index, mask in masks.items():
            written.append(case_dir / f"mask{tag(index)}.png")
            write_mask_png(written[-1], mask)
    if "pdf" in formats and gradcam is not None:
        gradcams = {**_compute_gradcams(record, scan, reviewed, gradcam, gradcams or {}), **(gradcams or {})}
    reports = {index: _report(record, index, scan, measurements[index], gradcams, patient) for index in reviewed}
    if "pdf" in formats:
        written.append(case_dir / "report.pdf")
        write_pdf_reports(written[-1], list(reports.values()), include_identifiers=include_identifiers)
    if scan.file_format == "dicom" and masks and set(formats) & {"seg", "sr"}:
        seg_path = case_dir / "seg.dcm"
        reviews = {index: frame_review(record, index, scan.n_frames) for index in masks}
        write_dicom_seg(seg_path, record.source_path, masks, edited=record.is_edited,
                        model_id=record.model_id, reviewer=record.updated_by, frame_reviews=reviews)
        written.append(seg_path)
        if "sr" in formats:
            written.append(case_dir / "sr.dcm")
            write_dicom_sr(written[-1], record.source_path, seg_path, [reports[index] for index in masks])
    summary.files.extend(written)
    summary.case_files[record.case_id] = written
    return rows


def prepare_out_dir(out_dir: Path) -> None:
    """Create ``out_dir`` (its parent must exist) and prove it is writable, or raise one-sentence ExportError."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ExportError(f"{out_dir} is a file, not a folder.")
    if not out_dir.exists():
        if not out_dir.parent.is_dir():
            raise ExportError(f"{out_dir.parent} is not an existing folder.")
        try:
            out_dir.mkdir()
        except OSError as exc:
            raise ExportError(f"The folder {out_dir} cannot be created ({exc.strerror}).") from exc
    try:
        with tempfile.TemporaryFile(dir=out_dir) as probe:
            probe.write(b"busviewer")
            probe.flush()
    except OSError as exc:
        raise destination_problem(exc, out_dir) or ExportError(f"{out_dir} is not writable.") from exc


def destination_problem(exc: BaseException, out_dir: Path) -> ExportError | None:
    """A one-sentence error when ``exc`` (or its cause) means the destination cannot take files; else None."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, OSError):
        cause = cause.__cause__
    if not isinstance(cause, OSError):
        return None
    if cause.errno in (errno.ENOSPC, errno.EDQUOT):
        return ExportError(f"The disk holding {out_dir} is full.")
    # An error that names a file outside the destination is about a source file, i.e. one case.
    if cause.filename is not None and not Path(os.fsdecode(cause.filename)).resolve().is_relative_to(out_dir.resolve()):
        return None
    if cause.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return ExportError(f"{out_dir} is read-only or not writable for you.")
    return ExportError(f"Files cannot be written to {out_dir} ({cause.strerror or cause}).")


def _load_source(record: CaseRecord, summary: ExportSummary) -> UltrasoundScan | None:
    try:
        from busviewer.io.scan_loader import load_scan
    except ImportError:  # pragma: no cover - only while the loader is not part of the build
        raise ExportError("This build cannot open source scans (busviewer.io.scan_loader is missing).") from None
    try:
        return load_scan(record.source_path)
    except UserFacingError as exc:
        summary.skipped.append(f"Case {record.case_id} was listed without images: {exc}")
        return None


def _reviewed_frames(record: CaseRecord, scan: UltrasoundScan, summary: ExportSummary) -> list[int]:
    for index in sorted(set(record.frames) | record.key_frames):
        if index >= scan.n_frames and (index in record.key_frames or record.frames[index].is_edited):
            summary.skipped.append(f"Case {record.case_id} has no frame {index + 1} any more; it was not exported.")
    frames = []
    for index in frames_to_export(record, scan.n_frames):
        frame = record.frames.get(index)
        mask = frame.final_mask if frame is not None else None
        if mask is not None and mask.shape != scan.shape:
            summary.skipped.append(
                f"The mask of case {record.case_id} frame {index + 1} does not fit the image; it was not exported."
            )
            continue
        frames.append(index)
    return frames


def _mask_of(record: CaseRecord, index: int, scan: UltrasoundScan) -> np.ndarray | None:
    """The frame's final mask; a key frame the reader marked without any outline is reviewed as lesion-free."""
    frame = record.frames.get(index)
    mask = frame.final_mask if frame is not None else None
    if mask is None and index in record.key_frames:
        return np.zeros(scan.shape, dtype=bool)
    return mask


def gradcam_target(frame: FrameReview | None) -> str:
    """What a report's Grad-CAM explains (``busviewer.core.explanation.gradcam_target``, as on screen)."""
    return explanation_target(frame.ai_probabilities if frame is not None else None)


def _compute_gradcams(
    record: CaseRecord, scan: UltrasoundScan, frames: list[int], gradcam: GradCamFunction,
    ready: dict[int, np.ndarray],
) -> dict[int, np.ndarray]:
    heat: dict[int, np.ndarray] = {}
    for index in frames:
        if index in ready:
            continue
        try:
            heat[index] = np.asarray(gradcam(scan.grey_frame(index), gradcam_target(record.frames.get(index))))
        except Exception as exc:  # noqa: BLE001 - a failed explanation leaves the thumbnail out, not the report
            log.warning("Grad-CAM of frame %d failed (%s); its report goes without it", index, type(exc).__name__)
    return heat


def _measure(record: CaseRecord, index: int, scan: UltrasoundScan) -> LesionMeasurements | None:
    mask = _mask_of(record, index, scan)
    if mask is None:
        return None
    from busviewer.core.measurements import measure_mask  # scipy and scikit-image load only when exporting

    return measure_mask(mask, scan.calibration)


def _finding(record: CaseRecord, index: int, scan: UltrasoundScan, measured: LesionMeasurements | None) -> BiradsFinding:
    frame = record.frames.get(index) or FrameReview(index)
    return finding_for(scan.grey_frame(index), _mask_of(record, index, scan), frame.ai_probabilities, record.birads_reader,
                       measured.as_dict() if measured is not None else None, scan.calibration.is_calibrated,
                       scan.laterality)


def _report(
    record: CaseRecord, index: int, scan: UltrasoundScan, measured: LesionMeasurements | None,
    gradcams: dict[int, np.ndarray] | None, patient: PatientInfo | None,
) -> CaseReport:
    report = make_case_report(
        record, index, scan,
        measurements=measured.as_dict() if measured is not None else None,
        measurement_lines=measured.summary_lines() if measured is not None else None,
        gradcam=(gradcams or {}).get(index), reviewer=record.updated_by, patient=patient,
    )
    report.image_laterality = scan.laterality
    report.frame_review = frame_review(record, index, scan.n_frames)
    if report.mask is None:
        report.mask = _mask_of(record, index, scan)
    return report
