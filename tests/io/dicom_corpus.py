"""Synthetic ultrasound DICOMs the way other scanners write them: every photometric, single and multi-frame,
and headers with the faults real files carry (ACR-NEMA times, stray item tags, wrong VRs, over-long values).

``build_corpus(folder)`` writes them all and returns ``{name: path}``; the conformance tests export SEG/SR/PDF
from each and check them with dciodvfy and highdicom.
"""

from __future__ import annotations

import struct
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import (
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    RLELossless,
    UltrasoundImageStorage,
    UltrasoundMultiFrameImageStorage,
    generate_uid,
)

ROWS, COLUMNS = 40, 56


def _base(frames: int = 1, photometric: str = "MONOCHROME2", bits: int = 8) -> Dataset:
    """A plausible ultrasound image header with noise pixels in ``photometric``."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = UltrasoundMultiFrameImageStorage if frames > 1 else UltrasoundImageStorage
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = "Roe^Ann", "CORPUS-1", "19800202", "F"
    ds.StudyDate, ds.StudyTime, ds.AccessionNumber, ds.ReferringPhysicianName, ds.StudyID = (
        "20240301", "093000", "A77", "", "7",
    )
    ds.Modality, ds.SeriesNumber, ds.InstanceNumber, ds.Manufacturer = "US", 3, 1, "CorpusScan"
    ds.Rows, ds.Columns = ROWS, COLUMNS
    rng = np.random.default_rng(11)
    colour = photometric in ("RGB", "YBR_FULL", "YBR_FULL_422")
    ds.SamplesPerPixel, ds.PhotometricInterpretation = (3 if colour else 1), photometric
    if colour:
        ds.PlanarConfiguration = 0
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = bits, bits, bits - 1, 0
    if frames > 1:
        ds.NumberOfFrames = frames
        ds.FrameTime = 33.3
        ds.FrameIncrementPointer = pydicom.tag.Tag("FrameTime")
    if photometric == "PALETTE COLOR":
        entries = 256
        lut = np.linspace(0, 65535, entries).astype("<u2")
        for colour_name in ("Red", "Green", "Blue"):
            setattr(ds, f"{colour_name}PaletteColorLookupTableDescriptor", [entries, 0, 16])
            setattr(ds, f"{colour_name}PaletteColorLookupTableData", lut.tobytes())
    if photometric == "YBR_FULL_422":
        # Native 4:2:2 stores Y1 Y2 Cb Cr per pair of pixels: two thirds of the RGB size.
        pixels = rng.integers(0, 256, size=frames * ROWS * COLUMNS * 2, dtype=np.uint8)
        ds.PixelData = pixels.tobytes()
    else:
        shape = (frames, ROWS, COLUMNS, 3) if colour else (frames, ROWS, COLUMNS)
        dtype = np.uint16 if bits == 16 else np.uint8
        high = 4096 if bits == 16 else 256
        ds.PixelData = rng.integers(0, high, size=shape, dtype=dtype).tobytes()
    region = Dataset()
    region.RegionSpatialFormat, region.RegionDataType, region.RegionFlags = 1, 1, 0
    region.RegionLocationMinX0, region.RegionLocationMinY0 = 0, 0
    region.RegionLocationMaxX1, region.RegionLocationMaxY1 = COLUMNS - 1, ROWS - 1
    region.PhysicalUnitsXDirection = region.PhysicalUnitsYDirection = 3
    region.PhysicalDeltaX = region.PhysicalDeltaY = 0.02
    ds.SequenceOfUltrasoundRegions = Sequence([region])
    return ds


def _raw(ds: Dataset, keyword: str, vr: str, value: object) -> None:
    """Store ``keyword`` with the VR given, right or wrong, and the value as it is (no validation)."""
    tag = pydicom.datadict.tag_for_keyword(keyword)
    ds[tag] = DataElement(tag, vr, value)


def _acr_nema_dates(ds: Dataset) -> None:
    for keyword in ("StudyTime", "SeriesTime", "ContentTime", "AcquisitionTime"):
        _raw(ds, keyword, "TM", "14:04:38")
    _raw(ds, "SeriesTime", "TM", "14:04:38.250")
    for keyword in ("StudyDate", "SeriesDate", "ContentDate"):
        _raw(ds, keyword, "DA", "2024.03.01")
    _raw(ds, "PatientBirthDate", "DA", "1980.02.02")


def _wrong_vrs(ds: Dataset) -> None:
    _raw(ds, "PatientAge", "LO", "044Y")  # right value, wrong VR: repaired to AS
    _raw(ds, "PatientWeight", "LO", "62 kg")  # not a decimal string: dropped (optional)
    _raw(ds, "StudyDate", "LO", "20240301")
    _raw(ds, "PatientSize", "DS", "1.6500000000000001")  # longer than DS allows: reformatted
    _raw(ds, "AdditionalPatientHistory", "US", 7)


def _over_long(ds: Dataset) -> None:
    _raw(ds, "StudyDescription", "LO", "Breast ultrasound, both sides, with a description far longer than LO")
    _raw(ds, "StudyID", "SH", "STUDY-ID-MUCH-TOO-LONG-2024")
    _raw(ds, "AccessionNumber", "SH", "ACC-0000000000000012345")
    _raw(ds, "PatientID", "LO", "P" * 70)
    _raw(ds, "PatientSex", "CS", "female")
    _raw(ds, "PatientAge", "AS", "44 years")
    _raw(ds, "ReferringPhysicianName", "PN", "A" * 70 + "^B")
    _raw(ds, "PatientComments", "LT", "x" * 11000)


def _veterinary(ds: Dataset) -> None:
    ds.PatientSpeciesDescription = "Canine"


def _missing_type2(ds: Dataset) -> None:
    for keyword in ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyDate", "StudyTime",
                    "ReferringPhysicianName", "StudyID", "AccessionNumber"):
        delattr(ds, keyword)


def _latin1(ds: Dataset) -> None:
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.PatientName = "Müller^Jürgen"
    ds.InstitutionName = "Klinik Süd"


def _bad_sequence_items(ds: Dataset) -> None:
    item = Dataset()
    _raw(item, "CodeValue", "SH", "T-04000-TOO-LONG-CODE")
    _raw(item, "CodingSchemeDesignator", "SH", "SRT")
    _raw(item, "CodeMeaning", "LO", "Breast")
    ds.ProcedureCodeSequence = Sequence([item])


def _rle(ds: Dataset) -> None:
    ds.compress(RLELossless, encoding_plugin="pydicom")


#: name -> (frames, photometric, bits, header fault)
_CASES: dict[str, tuple[int, str, int, Callable[[Dataset], None] | None]] = {
    "mono2": (1, "MONOCHROME2", 8, None),
    "mono1": (1, "MONOCHROME1", 8, None),
    "mono2_16bit": (1, "MONOCHROME2", 16, None),
    "rgb": (1, "RGB", 8, None),
    "ybr_full": (1, "YBR_FULL", 8, None),
    "ybr_full_422": (1, "YBR_FULL_422", 8, None),
    "palette": (1, "PALETTE COLOR", 8, None),
    "mono2_cine": (5, "MONOCHROME2", 8, None),
    "rgb_cine": (4, "RGB", 8, None),
    "palette_cine_rle": (3, "PALETTE COLOR", 8, _rle),
    "acr_nema_times": (1, "MONOCHROME2", 8, _acr_nema_dates),
    "acr_nema_times_cine": (3, "RGB", 8, _acr_nema_dates),
    "wrong_vrs": (1, "MONOCHROME2", 8, _wrong_vrs),
    "over_long": (1, "MONOCHROME2", 8, _over_long),
    "veterinary": (1, "MONOCHROME2", 8, _veterinary),
    "missing_type2": (1, "MONOCHROME2", 8, _missing_type2),
    "latin1": (1, "MONOCHROME2", 8, _latin1),
    "bad_sequence_items": (1, "MONOCHROME2", 8, _bad_sequence_items),
}


def _write_with_stray_item(path: Path) -> Path:
    """Implicit VR file with an item tag (FFFE,E000) at the top level: pydicom reads its VR as ``NONE``."""
    ds = _base()
    ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
    ds.save_as(path, enforce_file_format=True, implicit_vr=True, little_endian=True)
    data = path.read_bytes()
    # Insert the stray item just before (0008,0016) SOP Class UID, where element tags start ascending.
    marker = struct.pack("<HH", 0x0008, 0x0016)
    start = data.index(marker, 132 + int.from_bytes(data[140:144], "little"))
    stray = struct.pack("<HHI", 0xFFFE, 0xE000, 4) + b"\x00\x00\x00\x00"
    path.write_bytes(data[:start] + stray + data[start:])
    return path


def _write_without_preamble(path: Path) -> Path:
    """A two-frame Implicit VR data set without preamble or meta header, as old modalities and some gateways still write."""
    ds = _base(2, "MONOCHROME2")
    del ds.file_meta
    pydicom.filewriter.dcmwrite(path, ds, implicit_vr=True, little_endian=True)
    return path


def build_corpus(folder: Path) -> dict[str, Path]:
    """Write every synthetic case into ``folder``; returns ``{name: path}``."""
    folder.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom rightly warns about every fault written on purpose
        return _build(folder)


def _build(folder: Path) -> dict[str, Path]:
    paths: dict[str, Path] = {}
    for name, (frames, photometric, bits, fault) in _CASES.items():
        ds = _base(frames, photometric, bits)
        if fault is not None:
            fault(ds)
        path = folder / f"{name}.dcm"
        ds.save_as(path, enforce_file_format=True)
        paths[name] = path
    paths["stray_item"] = _write_with_stray_item(folder / "stray_item.dcm")
    paths["no_preamble"] = _write_without_preamble(folder / "no_preamble.dcm")
    return paths

