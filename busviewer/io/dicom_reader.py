"""Read ultrasound DICOM files (single- and multi-frame, any common colour model and compression) into a scan.

The header is checked against the pixel data before anything is decoded, so a file whose header lies, or
that claims an absurd image size, is refused in one sentence without allocating memory for it. Every pydicom or
decoder failure becomes a ``ScanLoadError`` that names the file (its name only, never patient data).
"""

from __future__ import annotations

import logging
import math
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import parse_fragments
from pydicom.pixels import apply_color_lut, get_decoder
from pydicom.pixels.utils import get_expected_length
from pydicom.uid import UID, ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

from busviewer.core.birads_finding import laterality_from_dicom
from busviewer.core.errors import ScanLoadError
from busviewer.core.scan import PatientInfo, UltrasoundScan
from busviewer.io.calibration import calibration_from_dataset, imaging_area, read_ultrasound_regions

log = logging.getLogger(__name__)

# pydicom logs its validation warnings with the offending value in the text (a patient name, say); keep them out
# of our log file and stderr.
logging.getLogger("pydicom").setLevel(logging.ERROR)

#: Largest decoded pixel buffer we allocate (bytes); a header claiming more is refused before decoding.
MAX_DECODED_BYTES = 2_000_000_000

_GREY = ("MONOCHROME1", "MONOCHROME2")
_COLOUR = ("RGB", "YBR_FULL", "YBR_FULL_422", "YBR_RCT", "YBR_ICT", "YBR_PARTIAL_420")
_ITEM_TAG = b"\xfe\xff\x00\xe0"


@dataclass(frozen=True)
class PixelLayout:
    """What the header says about the pixels, checked for consistency before decoding."""

    rows: int
    columns: int
    frames: int
    samples: int
    bits_allocated: int
    bits_stored: int
    signed: bool
    photometric: str
    transfer_syntax: UID


def read_dicom(path: Path) -> UltrasoundScan:
    """Read a DICOM file into an :class:`UltrasoundScan`.

    Frames come out as uint8 grey (F, H, W) or uint8 RGB (F, H, W, 3); grey data stored with more than 8 bits
    stays uint16. Palette colour is expanded through its lookup tables, MONOCHROME1 is inverted and YBR data is
    converted to RGB. ``photometric`` and ``bits`` describe the file as stored.

    Parameters
    ----------
    path
        The DICOM file, with or without the 128-byte preamble.

    Raises
    ------
    ScanLoadError
        The file is not a readable DICOM image, its header contradicts its pixel data, it is too large, or its
        compression cannot be decoded.
    """
    path = Path(path)
    with warnings.catch_warnings():
        # pydicom's warnings quote element values, which may be patient identifiers.
        warnings.simplefilter("ignore")
        return _read_dicom(path)


def _read_dicom(path: Path) -> UltrasoundScan:
    ds = read_dataset(path)
    layout = check_pixel_layout(ds, path.name)
    raw = _decode(ds, layout, path.name)
    frames = _display_frames(raw, ds, layout, path.name)
    return UltrasoundScan(
        frames=frames,
        source_path=path,
        file_format="dicom",
        photometric=layout.photometric,
        bits=layout.bits_stored,
        transfer_syntax=str(layout.transfer_syntax),
        modality=_text(ds.get("Modality")),
        manufacturer=_text(ds.get("Manufacturer")),
        frame_rate=frame_rate(ds),
        calibration=calibration_from_dataset(ds),
        patient=PatientInfo(
            name=str(ds.get("PatientName", "") or ""),
            patient_id=str(ds.get("PatientID", "") or ""),
            birth_date=str(ds.get("PatientBirthDate", "") or ""),
        ),
        study_instance_uid=_text(ds.get("StudyInstanceUID")),
        sop_instance_uid=_text(ds.get("SOPInstanceUID")),
        sop_class_uid=_text(ds.get("SOPClassUID")),
        imaging_area=imaging_area(read_ultrasound_regions(ds), frames.shape[1], frames.shape[2]),
        burned_in_annotation=_yes_no(ds.get("BurnedInAnnotation")),
        laterality=laterality_from_dicom(_text(ds.get("ImageLaterality")), _text(ds.get("Laterality"))),
    )


def read_dataset(path: Path) -> Dataset:
    """Parse a DICOM file (pixel data still encoded), turning every parser failure into a ScanLoadError."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ScanLoadError(f"{path.name} cannot be read ({exc.strerror or 'access failed'}).") from exc
    if size > MAX_DECODED_BYTES:
        raise ScanLoadError(f"{path.name} is {size / 1e9:.1f} GB, larger than this tool opens.")
    try:
        with warnings.catch_warnings():
            # pydicom warns about odd values with the values in the text: those may be patient data.
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(path, force=True)
    except MemoryError as exc:
        raise ScanLoadError(f"{path.name} needs more memory than this machine has.") from exc
    except Exception as exc:  # pydicom raises many types on damaged files; all mean "unreadable"
        log.debug("DICOM parse failed for %s: %s", path.name, type(exc).__name__)
        raise ScanLoadError(f"{path.name} is a damaged DICOM file and cannot be read.") from exc
    if len(ds) == 0:
        raise ScanLoadError(f"{path.name} is a damaged DICOM file and cannot be read.")
    return ds


def check_pixel_layout(ds: Dataset, name: str) -> PixelLayout:
    """Check the image attributes against each other and against the stored pixel data.

    Raises
    ------
    ScanLoadError
        When pixel data is missing, the header is incomplete or inconsistent, the transfer syntax is unknown or
        cannot be decoded here, or the decoded image would exceed ``MAX_DECODED_BYTES``.
    """
    if "PixelData" not in ds:
        if "FloatPixelData" in ds or "DoubleFloatPixelData" in ds:
            raise ScanLoadError(f"{name} stores floating-point pixels, which this tool does not read.")
        raise ScanLoadError(f"{name} contains no image (it has no pixel data).")
    for keyword in ("Rows", "Columns", "BitsAllocated", "PhotometricInterpretation"):
        if ds.get(keyword) in (None, ""):
            raise ScanLoadError(f"{name} lacks the {keyword} attribute needed to read its pixels.")
    rows, columns = _int(ds.Rows), _int(ds.Columns)
    frames = _int(ds.get("NumberOfFrames") or 1)
    samples = _int(ds.get("SamplesPerPixel") or 1)
    bits_allocated = _int(ds.BitsAllocated)
    bits_stored = _int(ds.get("BitsStored") or bits_allocated)
    photometric = str(ds.PhotometricInterpretation).strip().upper()
    if rows <= 0 or columns <= 0:
        raise ScanLoadError(f"{name} has a zero image size.")
    if frames <= 0:
        raise ScanLoadError(f"{name} says it holds {frames} frames.")
    if bits_allocated not in (1, 8, 16, 32) or not 1 <= bits_stored <= bits_allocated:
        raise ScanLoadError(f"{name} has inconsistent bit depths (allocated {bits_allocated}, stored {bits_stored}).")
    expected_samples = 3 if photometric in _COLOUR else 1 if photometric in (*_GREY, "PALETTE COLOR") else None
    if expected_samples is None:
        raise ScanLoadError(f"{name} uses the colour model {photometric!r}, which this tool does not read.")
    if samples != expected_samples:
        raise ScanLoadError(f"{name} says {photometric} with {samples} samples per pixel, which is inconsistent.")

    out_samples = 3 if photometric == "PALETTE COLOR" else samples
    decoded_bytes = frames * rows * columns * out_samples * max(1, math.ceil(bits_allocated / 8))
    if decoded_bytes > MAX_DECODED_BYTES:
        raise ScanLoadError(
            f"{name} claims {frames} frame(s) of {columns}x{rows} pixels ({decoded_bytes / 1e9:.1f} GB decoded), "
            "more than this tool opens."
        )
    layout = PixelLayout(
        rows, columns, frames, samples, bits_allocated, bits_stored,
        signed=_int(ds.get("PixelRepresentation") or 0) == 1,
        photometric=photometric,
        transfer_syntax=_transfer_syntax(ds, name),
    )
    if layout.transfer_syntax.is_encapsulated:
        _check_encapsulated(ds, layout, name)
    else:
        _check_native_length(ds, layout, name)
    return layout


def frame_rate(ds: Dataset) -> float | None:
    """Frames per second from Cine Rate, Frame Time (ms) or Recommended Display Frame Rate; None if absent."""
    for keyword, to_fps in (
        ("CineRate", float),
        ("FrameTime", lambda ms: 1000.0 / ms),
        ("RecommendedDisplayFrameRate", float),
    ):
        try:
            value = float(ds.get(keyword) or 0)
        except (TypeError, ValueError):
            continue
        if math.isfinite(value) and value > 0:
            return float(to_fps(value))
    return None


def transfer_syntax_name(uid: str | None) -> str | None:
    """Human name of a transfer syntax UID (the UID itself when unknown)."""
    return None if uid is None else UID(uid).name


def _transfer_syntax(ds: Dataset, name: str) -> UID:
    meta = getattr(ds, "file_meta", None)
    uid = meta.get("TransferSyntaxUID") if meta is not None else None
    if not uid:
        # A file without meta header: pydicom worked out the encoding while parsing, so native data is readable.
        if bytes(ds.PixelData[:4]) == _ITEM_TAG:
            raise ScanLoadError(f"{name} does not say how its compressed pixel data is encoded.")
        implicit, little = ds.original_encoding
        uid = ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian if little else ExplicitVRBigEndian
        if meta is None:
            ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = uid
    uid = UID(str(uid).strip())
    if not uid.is_transfer_syntax:
        raise ScanLoadError(f"{name} uses an unknown transfer syntax ({uid}), so its pixels cannot be decoded.")
    try:
        decoder = get_decoder(uid)
    except NotImplementedError as exc:
        raise ScanLoadError(f"{name} is compressed as {uid.name}, which this tool cannot decode.") from exc
    if not decoder.is_available:
        raise ScanLoadError(f"{name} is compressed as {uid.name}, and no decoder for it is installed.")
    return uid


def _check_native_length(ds: Dataset, layout: PixelLayout, name: str) -> None:
    try:
        expected = get_expected_length(ds, "bytes")
    except Exception as exc:  # any failure here means the header cannot describe the data
        raise ScanLoadError(f"{name} has image attributes that do not describe a valid image.") from exc
    data = ds.PixelData
    actual = len(data)
    one_frame = max(expected // layout.frames, 1)
    # Uncompressed pixel data always has a defined length; an undefined one means it holds compressed items.
    encapsulated = ds["PixelData"].is_undefined_length or (bytes(data[:4]) == _ITEM_TAG and actual != expected)
    if not encapsulated and expected <= actual < expected + one_frame:
        return
    if encapsulated:
        raise ScanLoadError(
            f"{name} says its pixels are uncompressed ({layout.transfer_syntax.name}) but they are stored "
            "compressed; the transfer syntax is mislabelled."
        )
    raise ScanLoadError(
        f"{name} says it holds {layout.frames} frame(s) of {layout.columns}x{layout.rows} pixels at "
        f"{layout.bits_allocated} bits, but its pixel data has {actual} bytes instead of {expected}; the file "
        "is truncated or its header is wrong."
    )


def _check_encapsulated(ds: Dataset, layout: PixelLayout, name: str) -> None:
    data = bytes(ds.PixelData)
    if data[:4] != _ITEM_TAG:
        raise ScanLoadError(
            f"{name} says its pixels are compressed ({layout.transfer_syntax.name}) but they are not stored that "
            "way; the file is damaged or its transfer syntax is mislabelled."
        )
    try:
        (offset_table_length,) = struct.unpack("<I", data[4:8])
        n_fragments, _ = parse_fragments(data[8 + offset_table_length:])
    except Exception as exc:  # malformed item structure of any kind
        raise ScanLoadError(f"{name} has damaged compressed pixel data.") from exc
    if n_fragments < layout.frames:
        raise ScanLoadError(
            f"{name} says it holds {layout.frames} frames but only {n_fragments} compressed fragment(s) are "
            "present; the file is truncated or its header is wrong."
        )


def _decode(ds: Dataset, layout: PixelLayout, name: str) -> np.ndarray:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            array = ds.pixel_array
    except MemoryError as exc:
        raise ScanLoadError(f"{name} needs more memory to decode than this machine has.") from exc
    except Exception as exc:  # decoders raise anything from ValueError to RuntimeError
        log.debug("pixel decoding failed for %s: %s: %s", name, type(exc).__name__, exc)
        raise ScanLoadError(
            f"{name} has pixel data that cannot be decoded as {layout.transfer_syntax.name}; the file is damaged "
            "or mislabelled."
        ) from exc
    expected_shape: tuple[int, ...] = (layout.frames, layout.rows, layout.columns)
    if layout.samples == 3:
        expected_shape += (3,)
    if array.size != math.prod(expected_shape):
        raise ScanLoadError(f"{name} decoded to a different image size than its header states.")
    return array.reshape(expected_shape)


def _display_frames(raw: np.ndarray, ds: Dataset, layout: PixelLayout, name: str) -> np.ndarray:
    """Turn decoded stored values into uint8 RGB or uint8/uint16 grey for display."""
    if layout.photometric == "PALETTE COLOR":
        return _apply_palette(raw, ds, name)
    if layout.samples == 3:
        return np.ascontiguousarray(_to_uint8(raw, layout.bits_stored))
    grey = raw
    if layout.signed:
        # Shift the signed range so its minimum becomes 0, keeping the stored bit depth.
        grey = grey.astype(np.int64) + (1 << (layout.bits_stored - 1))
    if layout.bits_allocated == 1:
        grey = grey.astype(np.uint8) * np.uint8(255)
        bits = 8
    else:
        bits = layout.bits_stored
        top = (1 << bits) - 1
        grey = np.clip(grey.astype(np.int64) if grey.dtype.kind == "i" else grey, 0, top)
        if layout.photometric == "MONOCHROME1":
            grey = top - grey
    if bits <= 8:
        return np.ascontiguousarray(grey, dtype=np.uint8)
    if bits > 16:
        grey = np.right_shift(grey.astype(np.uint64), bits - 16)
    return np.ascontiguousarray(grey, dtype=np.uint16)


def _apply_palette(raw: np.ndarray, ds: Dataset, name: str) -> np.ndarray:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rgb = apply_color_lut(raw, ds)
    except Exception as exc:  # missing, short or malformed lookup tables
        raise ScanLoadError(f"{name} has a colour palette that is missing or damaged.") from exc
    if rgb.dtype == np.uint8:
        return np.ascontiguousarray(rgb)
    # 16-bit palette entries; some writers put 8-bit values into 16-bit entries, which must not be divided.
    top = int(rgb.max()) if rgb.size else 0
    if top <= 255:
        return rgb.astype(np.uint8)
    return np.right_shift(rgb, 8).astype(np.uint8)


def _to_uint8(array: np.ndarray, bits_stored: int) -> np.ndarray:
    if array.dtype == np.uint8:
        return array
    shift = max(bits_stored - 8, 0)
    return np.clip(np.right_shift(array.astype(np.uint32), shift), 0, 255).astype(np.uint8)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _yes_no(value: Any) -> bool | None:
    text = (_text(value) or "").upper()
    return True if text == "YES" else False if text == "NO" else None


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None
