"""Write the lesion mask as a DICOM Segmentation (binary) that files into the source's study beside the scan.

highdicom builds the object. Ultrasound cine loops carry no Frame of Reference, for which highdicom only
supports a single source frame (highdicom issue #284), so for a multi-frame source the SEG is built against a
single-frame view of it and then given one frame per reviewed source frame: each SEG frame names its source
frame in DerivationImageSequence (what readers match on without a Frame of Reference, as D. Clunie advises in
highdicom issue #159) and a second dimension, Temporal Position Index, keeps the frames distinct.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path

import highdicom as hd
import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.pixels import pack_bits
from pydicom.sr.codedict import codes
from pydicom.uid import SecondaryCaptureImageStorage, UltrasoundImageStorage, UltrasoundMultiFrameImageStorage

from busviewer import __version__
from busviewer.core.atomic import atomic_write_with
from busviewer.core.errors import ExportError
from busviewer.core.frame_review import FrameReviewKind
from busviewer.io.dicom_sanitise import REQUIRED_FROM_SOURCE, sanitise_copied_attributes
from busviewer.io.reviewer import observer_person_name

log = logging.getLogger(__name__)

#: Series numbers of what busviewer adds to a study; high, so they sort after the scanner's series.
SEG_SERIES_NUMBER = 9901
SEGMENT_LABEL = "Lesion"
MANUFACTURER = "busviewer"


@contextlib.contextmanager
def quiet_dicom_libraries() -> Iterator[None]:
    """Keep pydicom and highdicom warnings out of stderr and the log: some quote the patient's name."""
    loggers = [logging.getLogger(name) for name in ("highdicom", "pydicom")]
    levels = [logger.level for logger in loggers]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for logger in loggers:
            logger.setLevel(logging.ERROR)
        try:
            yield
        finally:
            for logger, level in zip(loggers, levels, strict=True):
                logger.setLevel(level)


def read_source_header(source_dicom_path: Path) -> Dataset:
    """Read the source DICOM without pixel data (a SEG or SR needs only its identity and geometry).

    Raises
    ------
    ExportError
        The file is missing or not DICOM.
    """
    path = Path(source_dicom_path)
    try:
        with quiet_dicom_libraries():
            try:
                dataset = pydicom.dcmread(path, stop_before_pixels=True)
            except InvalidDicomError:
                # Files without preamble and meta header open in the loader, so they must export too.
                dataset = pydicom.dcmread(path, stop_before_pixels=True, force=True)
                if "SOPInstanceUID" not in dataset or "SOPClassUID" not in dataset:
                    raise
            # Elements are decoded on first access, when pydicom warns about odd values (names included):
            # decode them all here, inside the quiet zone (the sanitiser first drops what cannot be decoded).
            notes = sanitise_copied_attributes(dataset)
            for _ in dataset.iterall():
                pass
            _fill_missing_type2(dataset)
    except FileNotFoundError as exc:
        raise ExportError(f"The source file {path.name} is missing, so nothing can reference it.") from exc
    except (InvalidDicomError, OSError, ValueError, AttributeError) as exc:
        raise ExportError(f"{path.name} is not a readable DICOM file, so no DICOM object can reference it.") from exc
    if notes:
        log.info("source attributes repaired for SEG/SR (the source file is unchanged): %s", "; ".join(notes))
    return dataset


def _fill_missing_type2(dataset: Dataset) -> None:
    """Give absent type-2 attributes an empty value, as the standard allows, so derivation never fails.

    Real scanners omit some of the patient and study attributes every derived object must carry, and
    highdicom copies them from the source.
    """
    for keyword in REQUIRED_FROM_SOURCE:
        if keyword not in dataset:
            setattr(dataset, keyword, "")


def algorithm_type(edited: bool, model_id: str | None) -> hd.seg.SegmentAlgorithmTypeValues:
    """AUTOMATIC for an untouched AI mask, SEMIAUTOMATIC once edited, MANUAL when drawn without any AI."""
    if model_id is None:
        return hd.seg.SegmentAlgorithmTypeValues.MANUAL
    if edited:
        return hd.seg.SegmentAlgorithmTypeValues.SEMIAUTOMATIC
    return hd.seg.SegmentAlgorithmTypeValues.AUTOMATIC


def write_dicom_seg(
    path: Path,
    source_dicom_path: Path,
    masks: Mapping[int, np.ndarray],
    edited: bool,
    model_id: str | None,
    reviewer: str | None = None,
    frame_reviews: Mapping[int, FrameReviewKind] | None = None,
) -> None:
    """Write a binary DICOM SEG with one segment, "Lesion", for the given source frames.

    Parameters
    ----------
    path
        File to write (atomically).
    source_dicom_path
        The DICOM the masks were drawn on; the SEG joins its study and references it (and its frames).
    masks
        bool (Rows, Columns) mask per zero-based source frame index.
    edited
        True once a person changed the AI mask: the segment becomes SEMIAUTOMATIC instead of AUTOMATIC.
    model_id
        The network that proposed the mask, named in AlgorithmIdentificationSequence; None for a mask a person drew
        without AI (MANUAL).
    reviewer
        Login name of the reader, written as Content Creator's Name for an edited mask.
    frame_reviews
        How a person reviewed each source frame, written per SEG frame as Frame Label (``reviewed: edited``,
        ``not reviewed``) and Frame Comments (the same in words).

    Raises
    ------
    ExportError
        The source is not DICOM, a mask does not fit it, or the file cannot be written.
    """
    if not masks:
        raise ExportError("There is no mask to write as DICOM SEG.")
    source = read_source_header(source_dicom_path)
    n_frames = int(source.get("NumberOfFrames", 1) or 1)
    frames = sorted(int(index) for index in masks)
    shape = (int(source.Rows), int(source.Columns))
    for index in frames:
        if not 0 <= index < n_frames:
            raise ExportError(f"{Path(source_dicom_path).name} has no frame {index + 1}.")
        if np.shape(masks[index]) != shape:
            raise ExportError(
                f"The mask of frame {index + 1} is {np.shape(masks[index])} pixels but the source is {shape}."
            )
    kind = algorithm_type(edited, model_id)
    algorithm = None
    if kind != hd.seg.SegmentAlgorithmTypeValues.MANUAL:
        algorithm = hd.AlgorithmIdentificationSequence(
            name=MANUFACTURER, family=codes.DCM.ArtificialIntelligence, version=model_id or "unknown",
            source=f"busviewer {__version__}",
        )
    description = hd.seg.SegmentDescription(
        segment_number=1,
        segment_label=SEGMENT_LABEL,
        segmented_property_category=codes.SCT.MorphologicallyAbnormalStructure,
        segmented_property_type=codes.SCT.Lesion,
        algorithm_type=kind,
        algorithm_identification=algorithm,
        tracking_uid=hd.UID(),
        tracking_id="Lesion 1",
    )
    is_multiframe = "NumberOfFrames" in source
    builder_source = _single_frame_view(source) if is_multiframe else source
    creator = reviewer if edited and reviewer else None
    try:
        with quiet_dicom_libraries():
            seg = hd.seg.Segmentation(
                source_images=[builder_source],
                pixel_array=np.asarray(masks[frames[0]], dtype=bool),
                segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
                segment_descriptions=[description],
                series_instance_uid=hd.UID(),
                series_number=SEG_SERIES_NUMBER,
                sop_instance_uid=hd.UID(),
                instance_number=1,
                manufacturer=MANUFACTURER,
                manufacturer_model_name=model_id or "manual",
                software_versions=__version__,
                device_serial_number="0",
                content_label="LESION",
                content_description="Breast lesion segmentation" + (" reviewed by a reader" if edited else ""),
                content_creator_name=observer_person_name(creator) if creator else None,
                series_description="busviewer lesion SEG",
                omit_empty_frames=False,
            )
            if is_multiframe:
                _spread_over_source_frames(seg, source, frames, masks)
            if frame_reviews:
                _label_frame_reviews(seg, [frame_reviews.get(index) for index in frames])
            # General Image module, Type 2C: required without Image Orientation/Position (ultrasound has none).
            seg.PatientOrientation = source.get("PatientOrientation", "") if _valid_orientation(source) else ""
    except (ValueError, TypeError, AttributeError) as exc:
        raise ExportError(f"A DICOM SEG cannot be made for {Path(source_dicom_path).name} ({exc}).") from exc
    save_dicom(seg, Path(path))


def _single_frame_view(source: Dataset) -> Dataset:
    """The header of a multi-frame source dressed as one single-frame image, for highdicom's builder."""
    view = copy.deepcopy(source)
    del view.NumberOfFrames
    if "FrameOfReferenceUID" in view:
        del view.FrameOfReferenceUID
    view.SOPClassUID = (
        UltrasoundImageStorage if source.SOPClassUID == UltrasoundMultiFrameImageStorage
        else SecondaryCaptureImageStorage
    )
    return view


def _spread_over_source_frames(
    seg: hd.seg.Segmentation, source: Dataset, frames: list[int], masks: Mapping[int, np.ndarray]
) -> None:
    """Turn the one-frame SEG into one SEG frame per reviewed source frame, with true source references."""
    template = seg.PerFrameFunctionalGroupsSequence[0]
    items = []
    for index in frames:
        item = copy.deepcopy(template)
        for derivation in item.DerivationImageSequence:
            for reference in derivation.SourceImageSequence:
                reference.ReferencedSOPClassUID = source.SOPClassUID
                reference.ReferencedFrameNumber = index + 1
        content = item.FrameContentSequence[0]
        content.TemporalPositionIndex = index + 1
        existing = content.DimensionIndexValues
        # The index value of a Temporal Position Index dimension is that attribute's own value (PS3.3 C.7.6.17).
        content.DimensionIndexValues = [*(existing if isinstance(existing, list | pydicom.multival.MultiValue) else [existing]), index + 1]
        items.append(item)
    seg.PerFrameFunctionalGroupsSequence = items
    seg.NumberOfFrames = len(frames)

    temporal = Dataset()
    temporal.DimensionOrganizationUID = seg.DimensionIndexSequence[0].DimensionOrganizationUID
    temporal.DimensionIndexPointer = pydicom.tag.Tag("TemporalPositionIndex")
    temporal.FunctionalGroupPointer = pydicom.tag.Tag("FrameContentSequence")
    temporal.DimensionDescriptionLabel = "Source Frame"
    seg.DimensionIndexSequence.append(temporal)

    for series in seg.get("ReferencedSeriesSequence", []):
        for instance in series.ReferencedInstanceSequence:
            instance.ReferencedSOPClassUID = source.SOPClassUID
    for reference in seg.get("SourceImageSequence", []):
        reference.ReferencedSOPClassUID = source.SOPClassUID
    stack = np.stack([np.asarray(masks[index], dtype=np.uint8) for index in frames])
    seg.PixelData = pack_bits(stack)  # BINARY frames are packed back to back, not padded per frame


def _label_frame_reviews(seg: hd.seg.Segmentation, reviews: list[FrameReviewKind | None]) -> None:
    """Say in each SEG frame's Frame Content whether a person reviewed it (Frame Label, Frame Comments: Type 3)."""
    for item, review in zip(seg.PerFrameFunctionalGroupsSequence, reviews, strict=True):
        if review is None:
            continue
        content = item.FrameContentSequence[0]
        content.FrameLabel = f"reviewed: {review.value}" if review.by_person else review.value
        content.FrameComments = f"Lesion outline: {review.words}."


def _valid_orientation(source: Dataset) -> bool:
    """True when the source's Patient Orientation is two code strings (e.g. ``A\\F``) worth carrying over."""
    value = source.get("PatientOrientation")
    return isinstance(value, list | pydicom.multival.MultiValue) and len(value) == 2


def save_dicom(dataset: Dataset, path: Path) -> None:
    """Write ``dataset`` as a DICOM file atomically; a failed write is one sentence naming the file."""
    try:
        atomic_write_with(path, lambda tmp: dataset.save_as(tmp, enforce_file_format=True))
    except OSError as exc:
        raise ExportError(f"{path.name} cannot be written ({exc.strerror}).") from exc
