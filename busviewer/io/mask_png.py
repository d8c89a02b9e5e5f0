"""Write a lesion mask as an 8-bit 0/255 PNG at the source image's size."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from busviewer.core.atomic import atomic_write_bytes


def write_mask_png(path: Path, mask: np.ndarray) -> None:
    """Write ``mask`` (bool, H x W) to ``path`` as an 8-bit grey PNG: 255 for lesion, 0 elsewhere, atomically.

    Raises
    ------
    ValueError
        ``mask`` is not two-dimensional.
    OSError
        The file cannot be written.
    """
    data = np.asarray(mask)
    if data.ndim != 2:
        raise ValueError(f"a mask must be 2-D, got shape {data.shape}")
    buffer = io.BytesIO()
    # No text chunks: the PNG carries pixels only, never a file name or identifier.
    Image.fromarray(np.where(data.astype(bool), 255, 0).astype(np.uint8)).save(buffer, format="PNG")
    atomic_write_bytes(Path(path), buffer.getvalue())
