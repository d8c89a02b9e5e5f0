"""Write a DICOM Structured Report (TID 1500 measurement report) for a lesion segmented in a DICOM SEG.

The report holds one Planar ROI group per reported frame (a cine's reviewed frames), each referencing the SEG's
"Lesion" segment on its frame, with area (mm²), long and short axis (mm) when the scan is calibrated, the AI's
malignancy probability, and as qualitative evaluations the AI's and the reader's class, whether the scan
resembles the AI's training scans, and whether a person reviewed the frame (SNOMED Yes/No). Codes not in DICOM/SNOMED use the private scheme ``99BUSV``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import highdicom as hd
import pydicom
from highdicom.sr import CodedConcept
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.sr.codedict import codes
from pydicom.uid import generate_uid

from busviewer import __version__
from busviewer.core.constants import CLASS_NAMES
from busviewer.core.errors import ExportError
from busviewer.core.report import CaseReport, physical_measurements
from busviewer.io.reviewer import observer_person_name
from busviewer.io.seg import MANUFACTURER, quiet_dicom_libraries, read_source_header, save_dicom
from busviewer.io.sr_birads import birads_evaluations, birads_finding_sites, birads_measurements

SR_SERIES_NUMBER = 9902

AI_CLASS = CodedConcept("AI-CLASS", "99BUSV", "AI proposed lesion class")
REVIEWER_CLASS = CodedConcept("READER-CLASS", "99BUSV", "Reader lesion class")
CALIBRATION = CodedConcept("CALIBRATION", "99BUSV", "Pixel size calibration")
UNCALIBRATED = CodedConcept("UNCALIBRATED", "99BUSV", "Uncalibrated; physical sizes omitted")
CALIBRATED_BY = {
    "us-region": CodedConcept("US-REGION", "99BUSV", "Calibrated from Sequence of Ultrasound Regions"),
    "pixel-spacing": CodedConcept("PIXEL-SPACING", "99BUSV", "Calibrated from Pixel Spacing"),
}
CLASS_CODES = {"normal": codes.SCT.Normal, "benign": codes.SCT.Benign, "malignant": codes.SCT.Malignant}
#: Whether the scan resembles the AI's training scans (its familiarity check); left out when unknown.
AI_FAMILIARITY = CodedConcept("AI-FAMILIARITY", "99BUSV", "AI familiarity with the scan")
FAMILIARITY_CODES = {
    True: CodedConcept("UNLIKE-TRAINING", "99BUSV", "Unlike the AI's training scans; treat with care"),
    False: CodedConcept("LIKE-TRAINING", "99BUSV", "Like the AI's training scans"),
}

#: Whether a person reviewed the frame (edited its outline, marked it as key frame, or approved it).
PERSON_REVIEWED = CodedConcept("PERSON-REVIEWED", "99BUSV", "Frame reviewed by a person")

#: A fixed device UID so every report names the same observing device.
DEVICE_UID = generate_uid(entropy_srcs=["busviewer lesion review"])


def write_dicom_sr(path: Path, source_dicom_path: Path, seg_path: Path, report: CaseReport | Sequence[CaseReport]) -> None:
    """Write a Comprehensive 3D SR measurement report for ``report`` that references the SEG's lesion segment.

    Parameters
    ----------
    path
        File to write (atomically).
    source_dicom_path
        The DICOM scan the lesion was segmented on.
    seg_path
        The DICOM SEG written by ``write_dicom_seg`` for the same source; must contain ``report.frame_index``.
    report
        Measurements, classes, model and reviewer of the reported frame, or one per reported frame (one
        measurement group each; observer and model are those of the first).

    Raises
    ------
    ExportError
        A file is missing or unreadable, the SEG does not cover the frame, or the report cannot be written.
    """
    reports = [report] if isinstance(report, CaseReport) else list(report)
    if not reports:
        raise ExportError("There is no frame to write a DICOM SR for.")
    source = read_source_header(source_dicom_path)
    seg = _read_seg(Path(seg_path))
    is_multiframe = "NumberOfFrames" in source
    seg_frames = [_seg_frame_for(seg, source, item.frame_index, is_multiframe) for item in reports]
    report = reports[0]
    try:
        with quiet_dicom_libraries():
            groups = [_group(item, seg, source, frame, is_multiframe, len(reports) > 1)
                      for item, frame in zip(reports, seg_frames, strict=True)]  # fmt: skip
            observers = hd.sr.ObservationContext(
                observer_person_context=hd.sr.ObserverContext(
                    observer_type=codes.DCM.Person,
                    observer_identifying_attributes=hd.sr.PersonObserverIdentifyingAttributes(
                        # highdicom annotates name as str, yet stores (and accepts) a PersonName.
                        name=observer_person_name(report.reviewer),  # type: ignore[arg-type]
                        login_name=report.reviewer or None,
                    ),
                ),
                observer_device_context=hd.sr.ObserverContext(
                    observer_type=codes.DCM.Device,
                    observer_identifying_attributes=hd.sr.DeviceObserverIdentifyingAttributes(
                        uid=DEVICE_UID, name=MANUFACTURER, manufacturer_name=MANUFACTURER,
                        model_name=report.model_id or "none",
                    ),
                ),
            )
            content = hd.sr.MeasurementReport(
                observation_context=observers,
                procedure_reported=codes.SCT.UltrasonographyOfBreast,
                imaging_measurements=groups,
            )
            sr = hd.sr.Comprehensive3DSR(
                evidence=[source, seg],
                content=content[0],
                series_instance_uid=hd.UID(),
                series_number=SR_SERIES_NUMBER,
                sop_instance_uid=hd.UID(),
                instance_number=1,
                manufacturer=MANUFACTURER,
                is_complete=True,
                series_description="busviewer lesion report",
                software_versions=__version__,
            )
            _drop_segment_numbers_beside_frames(sr)
    except (ValueError, TypeError, AttributeError) as exc:
        raise ExportError(f"A DICOM SR cannot be made for {Path(source_dicom_path).name} ({exc}).") from exc
    save_dicom(sr, Path(path))


def _group(report: CaseReport, seg: Dataset, source: Dataset, seg_frame: int, is_multiframe: bool,
           several: bool) -> hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations:
    """The measurement group of one reported frame."""
    finding = report.birads_finding()  # BI-RADS content: io/sr_birads.py
    referenced_segment = hd.sr.ReferencedSegmentationFrame(
        sop_class_uid=seg.SOPClassUID,
        sop_instance_uid=seg.SOPInstanceUID,
        frame_number=seg_frame,
        segment_number=1,
        source_image=hd.sr.SourceImageForSegmentation(
            referenced_sop_class_uid=source.SOPClassUID,
            referenced_sop_instance_uid=source.SOPInstanceUID,
            referenced_frame_numbers=[report.frame_index + 1] if is_multiframe else None,
        ),
    )
    algorithm = hd.sr.AlgorithmIdentification(name=MANUFACTURER, version=report.model_id) if report.model_id else None
    label = f"Lesion 1, frame {report.frame_index + 1}" if several else "Lesion 1"
    return hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(uid=hd.UID(), identifier=label),
        referenced_segment=referenced_segment,
        finding_type=codes.SCT.Lesion,
        finding_sites=birads_finding_sites(finding),
        measurements=(_measurements(report, algorithm) + birads_measurements(finding)) or None,
        qualitative_evaluations=_evaluations(report) + birads_evaluations(finding),
    )


def _read_seg(seg_path: Path) -> Dataset:
    try:
        with quiet_dicom_libraries():
            seg = pydicom.dcmread(seg_path, stop_before_pixels=True)
            for _ in seg.iterall():  # decode now, while warnings that may quote values are silenced
                pass
    except (InvalidDicomError, OSError, ValueError) as exc:
        raise ExportError(f"The DICOM SEG {seg_path.name} cannot be read.") from exc
    if seg.get("Modality") != "SEG":
        raise ExportError(f"{seg_path.name} is not a DICOM SEG.")
    return seg


def _seg_frame_for(seg: Dataset, source: Dataset, frame_index: int, is_multiframe: bool) -> int:
    """The SEG frame number (1-based) that segments source frame ``frame_index``."""
    for number, item in enumerate(seg.PerFrameFunctionalGroupsSequence, start=1):
        for derivation in item.get("DerivationImageSequence", []):
            for reference in derivation.get("SourceImageSequence", []):
                if reference.ReferencedSOPInstanceUID != source.SOPInstanceUID:
                    continue
                source_frame = int(reference.get("ReferencedFrameNumber", 1) or 1) if is_multiframe else 1
                if source_frame == frame_index + 1:
                    return number
    raise ExportError(f"The DICOM SEG does not segment frame {frame_index + 1} of the source.")


def _measurements(report: CaseReport, algorithm: hd.sr.AlgorithmIdentification | None) -> list[hd.sr.Measurement]:
    items = []
    if report.calibration_source != "none":
        physical = physical_measurements(report.measurements)
        named = (
            ("area_mm2", codes.SCT.Area, codes.UCUM.SquareMillimeter),
            ("long_axis_mm", codes.SCT.LongAxis, codes.UCUM.Millimeter),
            ("short_axis_mm", codes.SCT.ShortAxis, codes.UCUM.Millimeter),
        )
        for key, name, unit in named:
            if key in physical:
                items.append(hd.sr.Measurement(name=name, value=round(physical[key], 3), unit=unit))
    if report.probabilities is not None:
        malignant = report.probabilities[CLASS_NAMES.index("malignant")]
        items.append(
            hd.sr.Measurement(
                name=codes.DCM.ProbabilityOfCancer, value=round(100.0 * malignant, 2), unit=codes.UCUM.Percent,
                algorithm_id=algorithm,
            )
        )
    return items


def _evaluations(report: CaseReport) -> list[hd.sr.QualitativeEvaluation]:
    evaluations = []
    if report.ai_class in CLASS_CODES:
        evaluations.append(hd.sr.QualitativeEvaluation(AI_CLASS, CLASS_CODES[report.ai_class]))
    if report.reviewer_class in CLASS_CODES:
        evaluations.append(hd.sr.QualitativeEvaluation(REVIEWER_CLASS, CLASS_CODES[report.reviewer_class]))
    if report.ai_unfamiliar is not None:
        evaluations.append(hd.sr.QualitativeEvaluation(AI_FAMILIARITY, FAMILIARITY_CODES[report.ai_unfamiliar]))
    calibrated = report.calibration_source in CALIBRATED_BY and physical_measurements(report.measurements)
    value = CALIBRATED_BY[report.calibration_source] if calibrated else UNCALIBRATED
    evaluations.append(hd.sr.QualitativeEvaluation(CALIBRATION, value))
    if report.frame_review is not None:
        answer = codes.SCT.Yes if report.frame_review.by_person else codes.SCT.No
        evaluations.append(hd.sr.QualitativeEvaluation(PERSON_REVIEWED, answer))
    return evaluations


def _drop_segment_numbers_beside_frames(dataset: Dataset) -> None:
    """Remove Referenced Segment Number wherever Referenced Frame Number is present.

    A SEG frame belongs to exactly one segment, so the standard forbids naming both in an IMAGE item's
    Referenced SOP Sequence (PS3.3 C.17.3.2.2); highdicom writes both for a Referenced Segmentation Frame.
    """
    for item in dataset.get("ContentSequence", []):
        for reference in item.get("ReferencedSOPSequence", []):
            if "ReferencedFrameNumber" in reference and "ReferencedSegmentNumber" in reference:
                del reference.ReferencedSegmentNumber
        _drop_segment_numbers_beside_frames(item)
