"""Read PNG, JPEG, BMP and TIFF files into an UltrasoundScan, refusing broken or oversized files in plain words."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from busviewer.core.errors import ScanLoadError
from busviewer.core.scan import UltrasoundScan

#: Largest image we decode (pixels); a header claiming more is refused before decoding.
MAX_PIXELS = 80_000_000

_FORMATS = {"PNG": "png", "JPEG": "jpeg", "BMP": "bmp", "TIFF": "tiff", "MPO": "jpeg"}


def read_image_array(path: Path, format_hint: str | None = None) -> tuple[np.ndarray, str]:
    """Decode an image file to a numpy array (H, W) or (H, W, 3|4) and return it with its format name.

    Parameters
    ----------
    path
        The image file.
    format_hint
        The format its magic bytes announce (``png``, ``jpeg``...), if known; it makes the message for a
        file that starts right but cannot be decoded say "damaged" rather than "not an image".

    Raises
    ------
    ScanLoadError
        The file is not a readable image, is truncated, empty, or too large.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                width, height = img.size
                if width <= 0 or height <= 0:
                    raise ScanLoadError(f"{path.name} has a zero image size.")
                if width * height > MAX_PIXELS:
                    raise ScanLoadError(
                        f"{path.name} claims {width}x{height} pixels, more than this tool opens "
                        f"({MAX_PIXELS // 1_000_000} megapixels)."
                    )
                fmt = _FORMATS.get(img.format or "", (img.format or "image").lower())
                img.load()
                array = _to_array(img)
    except ScanLoadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ScanLoadError(f"{path.name} is too large to open safely.") from exc
    except UnidentifiedImageError as exc:
        if format_hint:
            raise ScanLoadError(f"{path.name} starts like a {format_hint.upper()} file but is damaged.") from exc
        raise ScanLoadError(f"{path.name} is not an image or DICOM file this tool can read.") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ScanLoadError(f"{path.name} is damaged or truncated and cannot be decoded.") from exc
    return array, fmt


def _to_array(img: Image.Image) -> np.ndarray:
    mode = img.mode
    if mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    elif mode in ("1", "L", "LA"):
        img = img.convert("L")
    elif mode in ("I;16", "I;16B", "I;16L"):
        return np.asarray(img).astype(np.uint16)
    elif mode == "I":
        data = np.asarray(img)
        return np.clip(data, 0, 65535).astype(np.uint16)
    elif mode == "F":
        data = np.asarray(img, dtype=np.float32)
        top = float(np.nanmax(data)) if data.size else 0.0
        return np.clip(data / max(top, 1e-6) * 65535, 0, 65535).astype(np.uint16)
    elif mode not in ("RGB", "RGBA"):
        img = img.convert("RGB")
    return np.asarray(img).copy()


def read_image(path: Path, format_hint: str | None = None) -> UltrasoundScan:
    """Read a still image as a one-frame, uncalibrated scan.

    Colour images whose three channels are equal are stored as grey; alpha is dropped.
    ``format_hint`` is passed to :func:`read_image_array`.
    """
    array, fmt = read_image_array(path, format_hint)
    if array.ndim == 3:
        rgb = array[..., :3]
        if np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2]):
            array = rgb[..., 0]
        else:
            array = np.ascontiguousarray(rgb)
    photometric = "RGB" if array.ndim == 3 else "MONOCHROME2"
    bits = 16 if array.dtype == np.uint16 else 8
    return UltrasoundScan(
        frames=array[np.newaxis],
        source_path=path,
        file_format=fmt,
        photometric=photometric,
        bits=bits,
    )


def read_mask_image(path: Path) -> np.ndarray:
    """Read a mask file (1-bit, 8-bit 0/255, 16-bit, RGB/RGBA) as bool: lesion is above half of full scale."""
    array, _ = read_image_array(path)
    if array.ndim == 3:
        array = array[..., :3].max(axis=2)
    if array.dtype == np.uint8 and array.max() <= 1:
        return array.astype(bool)
    full_scale = 65535 if array.dtype == np.uint16 else 255
    return np.asarray(array > full_scale / 2)
