"""DICOM SEG export: joins the source's study, references the source (and its frames), and holds the mask exactly.

``make_us_dicom`` builds the small synthetic ultrasound DICOMs that the SR, export and CLI tests use too.
"""

from __future__ import annotations

from pathlib import Path

import highdicom as hd
import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import (
    ExplicitVRLittleEndian,
    SegmentationStorage,
    UltrasoundImageStorage,
    UltrasoundMultiFrameImageStorage,
    generate_uid,
)

from busviewer.core.errors import ExportError
from busviewer.io.seg import write_dicom_seg

PATIENT_NAME = "Doe^Jane"
PATIENT_ID = "PID-7731"


def make_us_dicom(
    path: Path, rows: int = 48, columns: int = 64, frames: int = 1, spacing_cm: float | None = 0.01,
    photometric: str = "MONOCHROME2",
) -> Path:
    """Write a tiny Ultrasound (Multi-frame) Image with a Sequence of Ultrasound Regions in cm per pixel."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = UltrasoundMultiFrameImageStorage if frames > 1 else UltrasoundImageStorage
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = PATIENT_NAME, PATIENT_ID, "19700101", "F"
    ds.StudyDate, ds.StudyTime, ds.AccessionNumber, ds.ReferringPhysicianName, ds.StudyID = (
        "20240102", "101500", "ACC1", "", "1",
    )
    ds.Modality, ds.SeriesNumber, ds.InstanceNumber, ds.Manufacturer = "US", 1, 1, "SynthScan"
    ds.Rows, ds.Columns = rows, columns
    samples = 3 if photometric == "RGB" else 1
    ds.SamplesPerPixel, ds.PhotometricInterpretation = samples, photometric
    if samples == 3:
        ds.PlanarConfiguration = 0
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    if frames > 1:
        ds.NumberOfFrames = frames
        ds.FrameTime = 40.0
        ds.FrameIncrementPointer = pydicom.tag.Tag("FrameTime")
    if spacing_cm is not None:
        region = Dataset()
        region.RegionSpatialFormat, region.RegionDataType, region.RegionFlags = 1, 1, 0
        region.RegionLocationMinX0, region.RegionLocationMinY0 = 0, 0
        region.RegionLocationMaxX1, region.RegionLocationMaxY1 = columns - 1, rows - 1
        region.PhysicalUnitsXDirection = region.PhysicalUnitsYDirection = 3
        region.PhysicalDeltaX = region.PhysicalDeltaY = spacing_cm
        ds.SequenceOfUltrasoundRegions = Sequence([region])
    rng = np.random.default_rng(7)
    shape = (frames, rows, columns, samples) if samples == 3 else (frames, rows, columns)
    ds.PixelData = rng.integers(0, 256, size=shape, dtype=np.uint8).tobytes()
    ds.save_as(path, enforce_file_format=True)
    return path


def _box(shape: tuple[int, int], top: int, left: int, height: int, width: int) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    mask[top : top + height, left : left + width] = True
    return mask


def test_single_frame_seg_references_source_and_holds_the_mask(tmp_path: Path) -> None:
    source_path = make_us_dicom(tmp_path / "us.dcm")
    mask = _box((48, 64), 10, 12, 15, 20)
    mask[30, 50] = True
    write_dicom_seg(tmp_path / "seg.dcm", source_path, {0: mask}, edited=False, model_id="attn-unet-42")

    seg = pydicom.dcmread(tmp_path / "seg.dcm")
    source = pydicom.dcmread(source_path)
    assert seg.SOPClassUID == SegmentationStorage
    assert seg.SegmentationType == "BINARY"
    assert seg.StudyInstanceUID == source.StudyInstanceUID
    assert seg.SeriesInstanceUID != source.SeriesInstanceUID
    assert seg.PatientID == PATIENT_ID and str(seg.PatientName) == PATIENT_NAME  # filed with the patient in PACS
    referenced = seg.ReferencedSeriesSequence[0]
    assert referenced.SeriesInstanceUID == source.SeriesInstanceUID
    assert referenced.ReferencedInstanceSequence[0].ReferencedSOPInstanceUID == source.SOPInstanceUID
    segment = seg.SegmentSequence[0]
    assert segment.SegmentLabel == "Lesion"
    assert segment.SegmentAlgorithmType == "AUTOMATIC"
    assert segment.SegmentedPropertyCategoryCodeSequence[0].CodeMeaning == "Morphologically Abnormal Structure"
    algorithm = segment.SegmentationAlgorithmIdentificationSequence[0]
    assert algorithm.AlgorithmName == "busviewer" and algorithm.AlgorithmVersion == "attn-unet-42"
    np.testing.assert_array_equal(seg.pixel_array.astype(bool), mask)


def test_edited_mask_is_semiautomatic(tmp_path: Path) -> None:
    source_path = make_us_dicom(tmp_path / "us.dcm")
    write_dicom_seg(tmp_path / "seg.dcm", source_path, {0: _box((48, 64), 1, 1, 5, 5)}, edited=True,
                    model_id="m1", reviewer="alice")
    seg = hd.seg.segread(tmp_path / "seg.dcm")
    assert seg.get_segment_description(1).algorithm_type == hd.seg.SegmentAlgorithmTypeValues.SEMIAUTOMATIC
    assert str(seg.ContentCreatorName) == "alice^"  # the login as a family name (no name entered in Settings)


def test_mask_drawn_without_ai_is_manual(tmp_path: Path) -> None:
    source_path = make_us_dicom(tmp_path / "us.dcm")
    write_dicom_seg(tmp_path / "seg.dcm", source_path, {0: _box((48, 64), 1, 1, 5, 5)}, edited=True, model_id=None)
    assert pydicom.dcmread(tmp_path / "seg.dcm").SegmentSequence[0].SegmentAlgorithmType == "MANUAL"


def test_cine_seg_references_each_source_frame(tmp_path: Path) -> None:
    source_path = make_us_dicom(tmp_path / "cine.dcm", frames=5)
    masks = {4: _box((48, 64), 2, 3, 10, 10), 1: _box((48, 64), 20, 30, 6, 25)}
    write_dicom_seg(tmp_path / "seg.dcm", source_path, masks, edited=False, model_id="m1")

    seg = pydicom.dcmread(tmp_path / "seg.dcm")
    source = pydicom.dcmread(source_path, stop_before_pixels=True)
    assert seg.NumberOfFrames == 2
    assert seg.ReferencedSeriesSequence[0].ReferencedInstanceSequence[0].ReferencedSOPClassUID == source.SOPClassUID
    pixels = seg.pixel_array.astype(bool)
    for seg_frame, item in enumerate(seg.PerFrameFunctionalGroupsSequence):
        reference = item.DerivationImageSequence[0].SourceImageSequence[0]
        assert reference.ReferencedSOPInstanceUID == source.SOPInstanceUID
        source_frame = int(reference.ReferencedFrameNumber)
        np.testing.assert_array_equal(pixels[seg_frame], masks[source_frame - 1])
    # highdicom itself can find the segmentation of each source frame.
    by_frame = hd.seg.segread(tmp_path / "seg.dcm").get_pixels_by_source_frame(
        source.SOPInstanceUID, source_frame_numbers=[2, 5]
    )
    np.testing.assert_array_equal(by_frame[..., 0].astype(bool), np.stack([masks[1], masks[4]]))


def test_colour_source_works(tmp_path: Path) -> None:
    source_path = make_us_dicom(tmp_path / "rgb.dcm", photometric="RGB")
    mask = _box((48, 64), 5, 5, 9, 9)
    write_dicom_seg(tmp_path / "seg.dcm", source_path, {0: mask}, edited=False, model_id="m1")
    np.testing.assert_array_equal(pydicom.dcmread(tmp_path / "seg.dcm").pixel_array.astype(bool), mask)


def test_empty_mask_is_still_written(tmp_path: Path) -> None:
    source_path = make_us_dicom(tmp_path / "us.dcm")
    write_dicom_seg(tmp_path / "seg.dcm", source_path, {0: np.zeros((48, 64), bool)}, edited=True, model_id="m1")
    seg = pydicom.dcmread(tmp_path / "seg.dcm")
    assert seg.NumberOfFrames == 1 and not seg.pixel_array.any()


def test_mask_of_wrong_size_is_refused(tmp_path: Path) -> None:
    source_path = make_us_dicom(tmp_path / "us.dcm")
    with pytest.raises(ExportError, match="pixels but the source is"):
        write_dicom_seg(tmp_path / "seg.dcm", source_path, {0: np.zeros((10, 10), bool)}, edited=False,
                        model_id="m1")
    assert not (tmp_path / "seg.dcm").exists()


def test_non_dicom_source_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    with pytest.raises(ExportError, match="not a readable DICOM"):
        write_dicom_seg(tmp_path / "seg.dcm", tmp_path / "a.png", {0: np.zeros((4, 4), bool)}, edited=False,
                        model_id="m1")


@pytest.mark.parametrize("name", ["OBXXXX1A.dcm", "OBXXXX1A_rle_2frame.dcm", "US1_J2KR.dcm", "YBR_422.dcm",
                                  "gdcm-US-ALOKA-16.dcm", "examples_ybr_color.dcm"])
def test_real_scanner_files(shared_dicom_dir: Path, tmp_path: Path, name: str) -> None:
    source = pydicom.dcmread(shared_dicom_dir / name, stop_before_pixels=True)
    last = int(source.get("NumberOfFrames", 1) or 1) - 1
    mask = _box((source.Rows, source.Columns), 20, 30, 40, 60)
    write_dicom_seg(tmp_path / "seg.dcm", shared_dicom_dir / name, {last: mask}, edited=True, model_id="m1")
    seg = pydicom.dcmread(tmp_path / "seg.dcm")
    assert seg.StudyInstanceUID == source.StudyInstanceUID
    np.testing.assert_array_equal(seg.pixel_array.astype(bool).reshape(mask.shape), mask)


def test_a_dicom_that_cannot_be_written_is_one_sentence_and_leaves_nothing(tmp_path: Path) -> None:
    from pydicom.dataset import Dataset

    from busviewer.core.errors import ExportError
    from busviewer.io.seg import save_dicom

    target = tmp_path / "missing folder" / "seg.dcm"
    with pytest.raises(ExportError, match=r"^seg\.dcm cannot be written \(No such file or directory\)\.$"):
        save_dicom(Dataset(), target)
    assert not target.parent.exists()
