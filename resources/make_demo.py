"""Regenerate the synthetic demo scan and its lesion mask: ``python resources/make_demo.py``.

The PNGs are committed, so this only needs running after a change to ``busviewer/core/phantom.py``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from PIL import Image

from busviewer.core.atomic import atomic_write_with
from busviewer.core.phantom import make_phantom
from busviewer.io.scan_loader import demo_mask_path, demo_scan_path

log = logging.getLogger("make_demo")


def write_png(path: Path, image: np.ndarray) -> None:
    """Write an 8-bit grey PNG atomically."""
    atomic_write_with(path, lambda tmp: Image.fromarray(image).save(tmp, format="PNG", optimize=True))


def main() -> None:
    image, mask = make_phantom(shape=(480, 640), seed=0)
    write_png(demo_scan_path(), image)
    # Lesion 255, background 0: the BUSI convention readers already accept.
    write_png(demo_mask_path(), (mask * 255).astype(np.uint8))
    log.info("wrote %s and %s (lesion %d pixels)", demo_scan_path(), demo_mask_path(), int(mask.sum()))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    main()
