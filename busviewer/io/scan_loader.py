"""Open any supported scan file, choosing the reader by the file's content rather than its name.

DICOM files are recognised by the ``DICM`` marker after the 128-byte preamble, or, for files written without
preamble and meta header, by a plausible first data element. Images are recognised by their magic bytes.
"""

from __future__ import annotations

import logging
import struct
from pathlib import Path

import numpy as np

from busviewer.core.errors import ScanLoadError
from busviewer.core.scan import Calibration, UltrasoundScan
from busviewer.io.dicom_reader import read_dicom
from busviewer.io.image_reader import read_image, read_mask_image

log = logging.getLogger(__name__)

#: File name endings offered in open dialogs (loading itself never depends on them).
SUPPORTED_SUFFIXES: tuple[str, ...] = (
    ".dcm", ".dicom", ".dic", ".ima", ".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff",
)

#: Pixel size the demo phantom is drawn at (row, column), in millimetres.
DEMO_SPACING_MM = (0.1, 0.1)

_IMAGE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"BM", "bmp"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"II+\x00", "tiff"),
    (b"MM\x00+", "tiff"),
)

# Value representations that may follow the first tag of an explicit-VR data set without preamble.
_VRS = frozenset(
    b"AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV".split()
)
_HEADER_BYTES = 256


def load_scan(path: Path) -> UltrasoundScan:
    """Read a DICOM, PNG, JPEG, BMP or TIFF file as an :class:`UltrasoundScan`.

    Parameters
    ----------
    path
        The file to open; its extension is ignored.

    Raises
    ------
    ScanLoadError
        The path is missing, a folder, empty, not a supported format, or the file is damaged or too large.
    """
    path = Path(path)
    kind = detect_format(path)
    log.info("opening %s as %s", path.name, kind)
    if kind == "dicom":
        return read_dicom(path)
    return read_image(path, format_hint=kind)


def load_grey_frame(path: Path, frame_index: int) -> np.ndarray:
    """Read frame ``frame_index`` of the scan at ``path`` as the network reads it (uint8 grey)."""
    return load_scan(path).grey_frame(frame_index)


def detect_format(path: Path) -> str:
    """Name the format of ``path`` from its first bytes: ``dicom``, ``png``, ``jpeg``, ``bmp`` or ``tiff``.

    Raises
    ------
    ScanLoadError
        The path does not exist, is a folder, cannot be read, is empty, or holds no format this tool reads.
    """
    path = Path(path)
    head = _read_head(path)
    if len(head) >= 132 and head[128:132] == b"DICM":
        return "dicom"
    for magic, kind in _IMAGE_MAGIC:
        if head.startswith(magic):
            return kind
    if head.startswith(b"DICM") or _looks_like_headerless_dicom(head):
        return "dicom"
    if _looks_like_text(head):
        raise ScanLoadError(f"{path.name} is a text file, not an image or DICOM file.")
    raise ScanLoadError(f"{path.name} is not an image or DICOM file this tool can read.")


def demo_scan_path() -> Path:
    """Path of the synthetic demo scan shipped from the ``resources`` folder (see ``busviewer.core.paths``)."""
    from busviewer.core.paths import resource_path

    return resource_path("demo_scan.png")


def demo_mask_path() -> Path:
    """Path of the exact lesion mask that belongs to :func:`demo_scan_path`."""
    return demo_scan_path().with_name("demo_scan_mask.png")


def load_demo_scan() -> tuple[UltrasoundScan, np.ndarray]:
    """Load the demo scan and its lesion mask (bool array), drawing them afresh if the files are missing.

    The demo scan is calibrated at ``DEMO_SPACING_MM`` because the phantom is drawn at that scale.
    """
    from busviewer.core.phantom import make_phantom

    calibration = Calibration(
        spacing_mm=DEMO_SPACING_MM,
        source="pixel-spacing",
        notes=("The demo phantom is drawn at 0.1 mm per pixel.",),
    )
    image_path, mask_path = demo_scan_path(), demo_mask_path()
    if image_path.is_file() and mask_path.is_file():
        scan = read_image(image_path)
        scan.calibration = calibration
        return scan, read_mask_image(mask_path)
    log.info("demo scan files missing; drawing the phantom")
    image, mask = make_phantom()
    return UltrasoundScan(frames=image[None], file_format="synthetic", calibration=calibration), mask


def file_dialog_filter() -> str:
    """A Qt-style name filter listing the supported endings, plus all files (DICOMs often have no ending)."""
    patterns = " ".join(f"*{suffix}" for suffix in SUPPORTED_SUFFIXES)
    return f"Scans ({patterns});;All files (*)"


def _read_head(path: Path) -> bytes:
    try:
        if path.is_dir():
            raise ScanLoadError(f"{path.name} is a folder, not a scan file.")
        if not path.exists():
            raise ScanLoadError(f"{path.name} does not exist.")
        with open(path, "rb") as handle:
            head = handle.read(_HEADER_BYTES)
    except PermissionError as exc:
        raise ScanLoadError(f"{path.name} cannot be read (permission denied).") from exc
    except OSError as exc:
        raise ScanLoadError(f"{path.name} cannot be read ({exc.strerror or 'read failed'}).") from exc
    if not head:
        raise ScanLoadError(f"{path.name} is empty (zero bytes).")
    return head


def _looks_like_headerless_dicom(head: bytes) -> bool:
    """True when the file starts with a little-endian group 0002/0008 element, as raw DICOM data sets do."""
    if len(head) < 8:
        return False
    group, element = struct.unpack("<HH", head[:4])
    if group not in (0x0002, 0x0008) or element > 0x0020:
        return False
    if head[4:6] in _VRS:
        return True
    (implicit_length,) = struct.unpack("<I", head[4:8])
    return implicit_length < 1024


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The sample may end inside a multi-byte character; only an error before that means binary.
        if exc.start < len(head) - 3:
            return False
        text = head[: exc.start].decode("utf-8")
    return all(ch.isprintable() or ch in "\r\n\t" for ch in text)
